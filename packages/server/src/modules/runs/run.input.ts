// What a client sends to create (or estimate) a run.

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { RunStatus } from './run.type.ts';

@InputType({ description: 'Trainer settings; each has the default shown.' })
export class HyperparametersInput {
  @Field(() => Int, { nullable: true, description: '@default 3' })
  epochs?: number;

  @Field(() => Int, { nullable: true, description: 'Stops after this many optimizer steps, whatever epochs says.' })
  maxSteps?: number;

  @Field(() => Int, { nullable: true, description: '@default 16' })
  batchSize?: number;

  @Field(() => Int, { nullable: true, description: '@default 1' })
  gradientAccumulation?: number;

  @Field(() => Float, { nullable: true, description: "@default the strategy's suggestion, else 2e-5" })
  learningRate?: number;

  @Field(() => String, { nullable: true, description: 'linear, cosine or constant. @default linear' })
  schedule?: string;

  @Field(() => Float, { nullable: true, description: '@default 0' })
  warmupRatio?: number;

  @Field(() => Float, { nullable: true, description: '@default 0.01' })
  weightDecay?: number;

  @Field(() => Float, { nullable: true, description: '@default 1' })
  clipGradNorm?: number;

  @Field(() => Int, { nullable: true, description: 'Evaluate (and checkpoint) every N steps as well as at each epoch end.' })
  evalEvery?: number;

  @Field(() => String, {
    nullable: true,
    description: "The metric that picks the best checkpoint. @default the task's (accuracy, f1, loss...)",
  })
  metric?: string;

  @Field(() => Int, { nullable: true, description: 'Stop after this many evaluations without improvement.' })
  earlyStoppingPatience?: number;
}

@InputType()
export class CreateRunInput {
  @Field(() => String, { nullable: true, description: '@default "<strategy> on <dataset>"' })
  name?: string;

  @Field(() => ID)
  modelId!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => String, { nullable: true, description: "@default the dataset's task" })
  task?: string;

  @Field(() => String, { defaultValue: 'full', description: 'A strategy id from the strategies query.' })
  strategy!: string;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "The strategy's config, checked against its JSON Schema." })
  strategyConfig?: Record<string, unknown>;

  @Field(() => HyperparametersInput, { nullable: true })
  hyperparameters?: HyperparametersInput;

  @Field(() => Int, { defaultValue: 42 })
  seed!: number;

  @Field(() => String, { defaultValue: 'cpu', description: 'cpu, webgpu or cuda.' })
  device!: string;

  @Field(() => Int, { defaultValue: 128, description: 'Most tokens per example.' })
  maxLength!: number;
}

@InputType()
export class RunFilter {
  @Field(() => [RunStatus], { nullable: true })
  status?: RunStatus[];

  @Field(() => String, { nullable: true })
  strategy?: string;

  @Field(() => ID, { nullable: true })
  modelId?: string;

  @Field(() => ID, { nullable: true })
  datasetId?: string;
}
