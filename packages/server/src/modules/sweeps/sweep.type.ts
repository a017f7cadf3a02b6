// The Sweep type of the API, its trials and the payloads of its mutations.

import { GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../graphql/connection.ts';
import { graphqlEnum } from '../../graphql/enums.ts';
import { payloadType } from '../../graphql/mutation.ts';
import { Node } from '../../graphql/node.ts';
import { Run, RunError } from '../runs/run.type.ts';
import { SWEEP_ALGORITHMS } from './samplers.ts';

export const SweepAlgorithmEnum = graphqlEnum(
  'SweepAlgorithm',
  SWEEP_ALGORITHMS,
  'GRID: every combination of the values, in order; RANDOM: seeded draws; TPE: seeded random draws first, then the tree-structured Parzen estimator learning from the finished trials.',
);

export const SweepScaleEnum = graphqlEnum(
  'SweepScale',
  ['linear', 'log'] as const,
  'How a range is drawn from: uniformly, or uniformly in its logarithm.',
);

export const SweepStatus = { RUNNING: 'RUNNING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', CANCELLED: 'CANCELLED' } as const;
export type SweepStatus = (typeof SweepStatus)[keyof typeof SweepStatus];
registerEnumType(SweepStatus, {
  name: 'SweepStatus',
  description: 'RUNNING -> SUCCEEDED (a trial promoted), FAILED (with error) or CANCELLED.',
});

export const TrialState = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  PRUNED: 'PRUNED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type TrialState = (typeof TrialState)[keyof typeof TrialState];
registerEnumType(TrialState, {
  name: 'TrialState',
  description:
    "The trial's run status, except PRUNED: stopped early by the sweep's early-termination rule (its run is CANCELLED with error TRIAL_PRUNED).",
});

@ObjectType({ description: 'One parameter of the space as the sweep keeps it.' })
export class SweepParameter {
  @Field(() => String)
  name!: string;

  @Field(() => [GraphQLJSON], { nullable: true, description: 'The values to choose from; null for a range.' })
  values!: unknown[] | null;

  @Field(() => Float, { nullable: true })
  min!: number | null;

  @Field(() => Float, { nullable: true })
  max!: number | null;

  @Field(() => Boolean, { description: 'Drawn uniformly in the logarithm.' })
  log!: boolean;

  @Field(() => Boolean, { description: 'Whole numbers only (the setting or option takes no others).' })
  integer!: boolean;
}

@ObjectType()
export class SweepEarlyStopping {
  @Field(() => String, { description: 'MEDIAN: the median stopping rule.' })
  rule!: string;

  @Field(() => Int)
  warmupEvaluations!: number;

  @Field(() => Int)
  minTrials!: number;
}

@ObjectType({ description: "A sweep's trial: a point of its space and the run that tries it." })
export class SweepTrial {
  @Field(() => Int, { description: 'From 1, in the order the trials were queued.' })
  number!: number;

  @Field(() => GraphQLJSONObject, { description: 'The parameters this trial tries, by name.' })
  params!: Record<string, unknown>;

  @Field(() => TrialState)
  state!: TrialState;

  @Field(() => Float, { nullable: true, description: "The run's best value of the objective metric; null until it succeeds." })
  objective!: number | null;

  @Field(() => Float, { nullable: true, description: 'The best evaluation so far (a pruned or running trial has one too).' })
  bestSoFar!: number | null;

  @Field(() => Boolean, { description: 'The best trial of the sweep.' })
  promoted!: boolean;

  @Field(() => Run, { description: "The trial's run: its events are the trial's curves." })
  run!: Run;
}

@ObjectType({ implements: Node })
export class Sweep {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => SweepStatus)
  status!: SweepStatus;

  @Field(() => SweepAlgorithmEnum)
  algorithm!: string;

  @Field(() => String, { description: 'The objective: the validation metric each trial reports.' })
  metric!: string;

  @Field(() => Boolean, { description: 'Whether a larger objective is better (false for losses and errors).' })
  greaterIsBetter!: boolean;

  @Field(() => [SweepParameter])
  parameters!: SweepParameter[];

  @Field(() => Int)
  maxTrials!: number;

  @Field(() => Int)
  parallelism!: number;

  @Field(() => SweepEarlyStopping, { nullable: true })
  earlyStopping!: SweepEarlyStopping | null;

  @Field(() => Int)
  seed!: number;

  @Field(() => GraphQLJSONObject, { description: 'The run each trial starts from, as createRun takes it.' })
  base!: Record<string, unknown>;

  @Field(() => RunError, { nullable: true })
  error!: RunError | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  modelId!: string;
  datasetId!: string;
  bestRunId!: string | null;
}

export const SweepConnection = connectionType(Sweep);
export const SweepTrialConnection = connectionType(SweepTrial);

export const CreateSweepPayload = payloadType('CreateSweepPayload', 'sweep', () => Sweep, {
  description: 'The sweep, RUNNING, with its first trials queued.',
});
export const CancelSweepPayload = payloadType('CancelSweepPayload', 'sweep', () => Sweep, {
  description: 'CANCELLED; its queued trials never start and its running ones stop after their current step.',
});
