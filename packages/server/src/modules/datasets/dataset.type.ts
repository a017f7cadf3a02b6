// The Dataset type of the API and its inputs.

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DatasetFormatEnum, TaskEnum } from '../../graphql/api-enums.ts';
import { connectionType } from '../../graphql/connection.ts';
import { deletedPayload, idInput, payloadType } from '../../graphql/mutation.ts';
import { Node } from '../../graphql/node.ts';

@ObjectType()
export class SplitSizes {
  @Field(() => Int)
  train!: number;

  @Field(() => Int)
  validation!: number;

  @Field(() => Int)
  test!: number;
}

@ObjectType()
export class LabelCount {
  @Field(() => String)
  label!: string;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'Characters per example (tokens depend on the model; a run reports them).' })
export class LengthSummary {
  @Field(() => Int)
  min!: number;

  @Field(() => Int)
  p50!: number;

  @Field(() => Int)
  p95!: number;

  @Field(() => Int)
  max!: number;
}

@ObjectType()
export class DatasetStatistics {
  @Field(() => Int)
  rows!: number;

  @Field(() => SplitSizes, { description: 'The stratified 80/10/10 split a run uses.' })
  splits!: SplitSizes;

  @Field(() => [LabelCount], { nullable: true, description: 'Classification: examples per label.' })
  labels!: LabelCount[] | null;

  @Field(() => LengthSummary)
  textLength!: LengthSummary;
}

@ObjectType({
  description: "Tokens per example with a model's tokenizer: counts[i] examples have i*binWidth to (i+1)*binWidth - 1 tokens.",
})
export class TokenLengthHistogram {
  @Field(() => [Int])
  counts!: number[];

  @Field(() => Int)
  binWidth!: number;

  @Field(() => Int)
  max!: number;

  @Field(() => Float)
  p50!: number;

  @Field(() => Float)
  p95!: number;
}

@ObjectType()
export class PreviewRow {
  @Field(() => Int, { description: 'As the file numbers it: the JSONL line, or the CSV record counting the header as row 1.' })
  row!: number;

  @Field(() => GraphQLJSONObject)
  data!: Record<string, unknown>;
}

@ObjectType({ description: 'A validated CSV or JSONL file with its task and column mapping.', implements: Node })
export class Dataset {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => TaskEnum)
  task!: string;

  @Field(() => DatasetFormatEnum)
  format!: string;

  @Field(() => GraphQLJSONObject, { description: 'Task field -> column name.' })
  columns!: Record<string, string>;

  @Field(() => [String], { nullable: true, description: 'Labels in id order (classification).' })
  labels!: string[] | null;

  @Field(() => String)
  filename!: string;

  @Field(() => Float, { description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  bytes!: number;

  @Field(() => Int)
  rowCount!: number;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class CreateDatasetInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { description: 'From POST /uploads.' })
  uploadId!: string;

  @Field(() => TaskEnum)
  task!: string;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Task field -> column, e.g. {"text": "paragraph", "label": "novel"}; each task has defaults.',
  })
  columns?: Record<string, string>;

  @Field(() => DatasetFormatEnum, { nullable: true, description: 'From the file name when absent (.jsonl or .ndjson: JSONL).' })
  format?: 'csv' | 'jsonl';

  @Field(() => [String], { nullable: true, description: 'The label set in id order; collected from the file when absent.' })
  labels?: string[];
}

export const DatasetConnection = connectionType(Dataset);
export const CreateDatasetPayload = payloadType('CreateDatasetPayload', 'dataset', () => Dataset);
export const DeleteDatasetInput = idInput('DeleteDatasetInput', 'A dataset no run uses.');
export const DeleteDatasetPayload = deletedPayload('DeleteDatasetPayload');
