// The Artifact type of the API.

import { Field, Float, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { payloadType } from '../../graphql/mutation.ts';
import { Node } from '../../graphql/node.ts';

export const ExportKindEnum = { ADAPTER: 'ADAPTER', MERGED: 'MERGED', ONNX: 'ONNX' } as const;
type ExportKind = keyof typeof ExportKindEnum;
registerEnumType(ExportKindEnum, {
  name: 'ExportKind',
  description:
    "ADAPTER: the strategy's own files (PEFT layout for LoRA); MERGED: the adapted model, Hugging Face layout; ONNX: model.onnx with its tokenizer.",
});

@ObjectType({ implements: Node })
export class Artifact {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  runId!: string;

  @Field(() => ExportKindEnum)
  kind!: string;

  @Field(() => Float, { description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  bytes!: number;

  @Field(() => String)
  sha256!: string;

  @Field(() => String, { description: 'GET it (with the same Authorization header) to download the .tar.gz.' })
  url!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class ExportRunInput {
  @Field(() => ID, { description: 'A run that has SUCCEEDED.' })
  runId!: string;

  @Field(() => ExportKindEnum)
  kind!: ExportKind;
}

export const ExportRunPayload = payloadType('ExportRunPayload', 'artifact', () => Artifact, { description: 'Download it from its url.' });
