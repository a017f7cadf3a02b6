// The Model type of the API.

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A tokenizer as the model folder declares it.' })
export class TokenizerInfo {
  @Field(() => String, { description: 'WordPiece, BPE or Unigram.' })
  type!: string;

  @Field(() => Int)
  vocabSize!: number;
}

@ObjectType({ description: 'A base model (Hugging Face layout) that runs fine-tune.' })
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

  @Field(() => [String], { description: 'Tasks a run can fine-tune this model for.' })
  supportedTasks!: string[];

  @Field(() => GraphQLJSONObject, { description: 'config.json as stored.' })
  config!: Record<string, unknown>;

  @Field(() => String, { description: 'Where it came from: a server folder or an uploaded archive.' })
  source!: string;

  @Field(() => Date)
  createdAt!: Date;
}
