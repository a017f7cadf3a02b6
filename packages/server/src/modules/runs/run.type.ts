// The Run type of the API, its events, progress, checkpoints and the preflight estimate.

import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DeviceEnum, RunEventTypeEnum, TaskEnum, WarningCodeEnum } from '../../graphql/api-enums.ts';
import { connectionType } from '../../graphql/connection.ts';
import { deletedPayload, payloadType } from '../../graphql/mutation.ts';
import { Node } from '../../graphql/node.ts';
import type { RunSpec } from '../../training/run-spec.ts';

export const RunStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
registerEnumType(RunStatus, { name: 'RunStatus', description: 'QUEUED -> RUNNING -> SUCCEEDED, FAILED or CANCELLED.' });

@ObjectType()
export class RunError {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType()
export class RunProgress {
  @Field(() => Int)
  step!: number;

  @Field(() => Int)
  totalSteps!: number;

  @Field(() => Float)
  epoch!: number;

  @Field(() => Float, { description: 'step / totalSteps' })
  fraction!: number;

  @Field(() => Float, { nullable: true, description: 'Seconds to the end, from the recent step rate.' })
  etaSeconds!: number | null;
}

@ObjectType()
export class BestMetric {
  @Field(() => String)
  metric!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Int)
  step!: number;
}

@ObjectType({ description: "One trainer event; seq numbers a run's events 1, 2, 3... with no gaps." })
export class RunEvent {
  @Field(() => ID)
  runId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => RunEventTypeEnum)
  type!: string;

  @Field(() => Int)
  step!: number;

  @Field(() => Float)
  epoch!: number;

  @Field(() => Date)
  time!: Date;

  @Field(() => GraphQLJSONObject, {
    description: 'loss, learning_rate, grad_norm, tokens_per_s (step); eval_* (eval); test metrics (test).',
  })
  values!: Record<string, number>;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => WarningCodeEnum, { nullable: true, description: "A warning's code." })
  code!: string | null;
}

@ObjectType()
export class Checkpoint {
  @Field(() => Int)
  step!: number;

  @Field(() => Date)
  time!: Date;

  @Field(() => Boolean, { description: 'Still on disk (older ones are pruned).' })
  available!: boolean;
}

@ObjectType({ implements: Node })
export class Run {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RunStatus)
  status!: RunStatus;

  @Field(() => TaskEnum)
  task!: string;

  @Field(() => String, { description: 'The strategy id.' })
  strategy!: string;

  @Field(() => GraphQLJSONObject)
  strategyConfig!: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { description: 'Trainer settings with defaults filled in.' })
  hyperparameters!: Record<string, unknown>;

  @Field(() => Int)
  seed!: number;

  @Field(() => DeviceEnum)
  device!: string;

  @Field(() => Int)
  maxLength!: number;

  @Field(() => Int, { description: 'How many times a worker has claimed it (resumes after a crash count).' })
  attempt!: number;

  @Field(() => String, {
    nullable: true,
    description: "The worker holding the run while it is RUNNING: `host:pid:nonce` (a container's hostname in a cluster).",
  })
  workerId!: string | null;

  @Field(() => RunError, { nullable: true })
  error!: RunError | null;

  @Field(() => RunProgress, { nullable: true })
  progress!: RunProgress | null;

  @Field(() => BestMetric, { nullable: true, description: 'The best evaluation so far; its weights are the ones exported.' })
  best!: BestMetric | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Metrics on the test split, with the best weights.' })
  testResults!: Record<string, number> | null;

  @Field(() => Float, { nullable: true, description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  trainableParameters!: number | null;

  @Field(() => Float, { nullable: true, description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  totalParameters!: number | null;

  @Field(() => Float, { nullable: true, description: 'Mean seconds per optimizer step (evaluation steps excluded).' })
  meanStepSeconds!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "The run's own peak memory, in bytes: how far the worker process's resident memory rose above what it held when the run started (the run's model, data, sessions and step), from preparing its data to its exports.",
  })
  peakMemoryBytes!: number | null;

  @Field(() => Int, { nullable: true, description: "The trial's number in its sweep (run { sweep }); null for a run of its own." })
  sweepTrial!: number | null;

  @Field(() => Boolean, { description: 'The best trial of its sweep, promoted when the sweep ended.' })
  promoted!: boolean;

  @Field(() => Int, { description: 'The last event sequence number: subscribe with afterSeq to get what follows.' })
  lastSeq!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

export const RunConnection = connectionType(Run);
export const RunEventConnection = connectionType(RunEvent);
export const CheckpointConnection = connectionType(Checkpoint);

export const CreateRunPayload = payloadType('CreateRunPayload', 'run', () => Run, { description: 'The run, QUEUED.' });
export const CancelRunPayload = payloadType('CancelRunPayload', 'run', () => Run, {
  description: 'CANCELLED if it was queued; still RUNNING (stopping) if it was running.',
});
export const ResumeRunPayload = payloadType('ResumeRunPayload', 'run', () => Run, { description: 'The run, QUEUED again.' });
export const DeleteRunPayload = deletedPayload('DeleteRunPayload');

@ObjectType({ description: "A learning-rate range test: rising rates, one optimizer step each, on a copy of the run's weights." })
export class LearningRateRangeTest {
  @Field(() => Float, {
    description: 'The rate find_learning_rate would train at: where the smoothed loss falls fastest, before its lowest point.',
  })
  suggested!: number;

  @Field(() => Boolean, {
    description: "Whether the loss fell in the sweep; when it did not, `suggested` means nothing and a run keeps the strategy's rate.",
  })
  descent!: boolean;

  @Field(() => Float, { description: "The lowest smoothed loss's rate divided by ten: the cautious choice." })
  minimumOverTen!: number;

  @Field(() => [Float], { description: "Each step's rate, rising geometrically from 1e-7." })
  rates!: number[];

  @Field(() => [Float], { description: "Each step's training loss." })
  losses!: number[];

  @Field(() => [Float], { description: 'The losses smoothed (exponential moving average, weight 0.98 on the past, bias-corrected).' })
  smoothed!: number[];

  @Field(() => String, { nullable: true, description: 'Why the sweep ended before its last step (the loss diverged), if it did.' })
  stoppedEarly?: string | null;
}

@ObjectType({ description: 'What a run would cost, estimated before it is queued.' })
export class Preflight {
  /** The run the estimate is for: the range test's field resolver runs it. */
  spec?: RunSpec;

  @Field(() => Float, { description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  totalParameters!: number;

  @Field(() => Float, { description: 'A Float: a count past 2^31, more than GraphQL Int holds.' })
  trainableParameters!: number;

  @Field(() => Float, { description: 'Bytes of memory training should need.' })
  memoryBytes!: number;

  @Field(() => Int)
  stepsPerEpoch!: number;

  @Field(() => Float)
  secondsPerEpoch!: number;

  @Field(() => [String])
  warnings!: string[];

  @Field(() => Float, {
    description: "Bytes one run may use: TUNEQL_RUN_MEMORY_BYTES, else the server machine's memory (or its container's limit).",
  })
  memoryLimitBytes!: number;

  @Field(() => RunError, {
    nullable: true,
    description:
      'What createRun would refuse the run with (RUN_TOO_LARGE: its memory with every example at maxLength exceeds memoryLimitBytes); null when it would queue it.',
  })
  error?: RunError | null;
}
