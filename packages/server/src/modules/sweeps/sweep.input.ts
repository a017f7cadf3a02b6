// What a client sends to create a sweep: the base run, the parameters to vary, how to choose and stop trials.

import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, InputType, Int } from 'type-graphql';
import { idInput } from '../../graphql/mutation.ts';
import { CreateRunInput } from '../runs/run.input.ts';
import { SweepAlgorithmEnum, SweepScaleEnum, SweepStatus } from './sweep.type.ts';

@InputType({ description: 'One dimension of the space: a list of values, or a range (min and max).' })
export class SweepParameterInput {
  @Field(() => String, {
    description:
      'A trainer setting by its hyperparameters name (learningRate, batchSize, epochs, warmupRatio...), or a strategy option as strategyConfig.<option> (strategyConfig.r).',
  })
  name!: string;

  @Field(() => [GraphQLJSON], {
    nullable: true,
    description: 'The values to choose from (as hyperparameters or strategyConfig take them).',
  })
  values?: unknown[] | null;

  @Field(() => Float, { nullable: true })
  min?: number | null;

  @Field(() => Float, { nullable: true })
  max?: number | null;

  @Field(() => SweepScaleEnum, { defaultValue: 'linear', description: 'A range of a learning rate is usually LOG.' })
  scale!: 'linear' | 'log';
}

@InputType({
  description:
    'The median stopping rule: a trial stops at an evaluation when its best so far is worse than the median of the finished trials at the same epoch.',
})
export class SweepEarlyStoppingInput {
  @Field(() => Int, { defaultValue: 1, description: 'Evaluations of a trial that never stop it.' })
  warmupEvaluations!: number;

  @Field(() => Int, { defaultValue: 3, description: 'Finished trials needed before any trial is stopped.' })
  minTrials!: number;
}

@InputType()
export class CreateSweepInput {
  @Field(() => String, { nullable: true, description: '@default "<algorithm> sweep of <strategy>"' })
  name?: string;

  @Field(() => CreateRunInput, {
    description:
      "The run every trial starts from; each trial lays its parameters over it. Its hyperparameters' metric (else the task's) is the objective.",
  })
  run!: CreateRunInput;

  @Field(() => [SweepParameterInput])
  parameters!: SweepParameterInput[];

  @Field(() => SweepAlgorithmEnum, { defaultValue: 'random' })
  algorithm!: 'grid' | 'random' | 'tpe';

  @Field(() => Int, { nullable: true, description: "@default the grid's size for GRID, 10 otherwise; at most 100." })
  maxTrials?: number | null;

  @Field(() => Int, { defaultValue: 2, description: 'Trials queued or running at once (the workers take them in parallel).' })
  parallelism!: number;

  @Field(() => SweepEarlyStoppingInput, { nullable: true, description: 'Stop poor trials early; unset: every trial runs to its end.' })
  earlyStopping?: SweepEarlyStoppingInput | null;

  @Field(() => Int, { defaultValue: 0, description: 'Seeds the draws of RANDOM and TPE: the same seed and results give the same trials.' })
  seed!: number;
}

@InputType()
export class SweepFilter {
  @Field(() => [SweepStatus], { nullable: true })
  status?: SweepStatus[];
}

export const CancelSweepInput = idInput('CancelSweepInput', 'The running sweep to cancel, with its queued and running trials.');
