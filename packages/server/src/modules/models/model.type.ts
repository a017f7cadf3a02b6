// The Model type of the API.

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { TaskEnum } from '../../graphql/api-enums.ts';
import { connectionType } from '../../graphql/connection.ts';
import { deletedPayload, idInput, payloadType } from '../../graphql/mutation.ts';
import { Node } from '../../graphql/node.ts';

@ObjectType({ description: 'A tokenizer as the model folder declares it.' })
export class TokenizerInfo {
  @Field(() => String, { description: 'WordPiece, BPE or Unigram.' })
  type!: string;

  @Field(() => Int)
  vocabSize!: number;
}

@ObjectType({ description: 'A base model (Hugging Face layout) that runs fine-tune.', implements: Node })
export class Model {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: "config.json's model_type: bert, roberta, distilbert, gpt2 or llama." })
  modelType!: string;

  @Field(() => String, { nullable: true, description: 'The class in config.json, e.g. BertForMaskedLM.' })
  architecture!: string | null;

  @Field(() => Float, { description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  parameterCount!: number;

  @Field(() => TokenizerInfo)
  tokenizer!: TokenizerInfo;

  @Field(() => [TaskEnum], { description: 'Tasks a run can fine-tune this model for.' })
  supportedTasks!: string[];

  @Field(() => GraphQLJSONObject, { description: 'config.json as stored.' })
  config!: Record<string, unknown>;

  @Field(() => String, { description: 'Where it came from: a server folder or an uploaded archive.' })
  source!: string;

  @Field(() => Date)
  createdAt!: Date;
}

export const ModelConnection = connectionType(Model);

@InputType()
export class ImportModelFromDirectoryInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'A Hugging Face folder on the server, inside a folder TUNEQL_MODEL_DIRS allows.' })
  path!: string;
}

@InputType()
export class ImportModelFromUploadInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { description: 'From POST /uploads: a .tar or .tar.gz of a Hugging Face folder.' })
  uploadId!: string;
}

export const ImportModelFromDirectoryPayload = payloadType('ImportModelFromDirectoryPayload', 'model', () => Model);
export const ImportModelFromUploadPayload = payloadType('ImportModelFromUploadPayload', 'model', () => Model);
export const DeleteModelInput = idInput('DeleteModelInput', 'A model no run uses.');
export const DeleteModelPayload = deletedPayload('DeleteModelPayload');
