// The API's enums over the engine's and the features' lists of values (see enums.ts for the mapping).

import { FINISH_REASONS, type FinishReason, TASKS, type Task, type TrainEventType, WARNING_CODES, type WarningCode } from '@tuneql/engine';
import { DATASET_FORMATS } from '../modules/datasets/dataset.service.ts';
import { DeviceSchema } from '../training/run-spec.ts';
import { graphqlEnum } from './enums.ts';

export const TaskEnum = graphqlEnum<Task>('Task', TASKS, 'What a model is fine-tuned to do.');

export const DeviceEnum = graphqlEnum(
  'Device',
  DeviceSchema.unwrap().options,
  'Where training runs (the ONNX Runtime execution provider).',
);

export const DatasetFormatEnum = graphqlEnum('DatasetFormat', DATASET_FORMATS, 'How a dataset file is written.');

/** Every type a trainer event can have, in the order a run meets them. */
const RUN_EVENT_TYPES = [
  'started',
  'step',
  'eval',
  'checkpoint',
  'warning',
  'early_stop',
  'test',
  'finished',
  'failed',
  'cancelled',
] as const satisfies readonly TrainEventType[];
// A new engine event type must be listed above: this fails to compile until it is.
const _everyEventType: Exclude<TrainEventType, (typeof RUN_EVENT_TYPES)[number]> extends never ? true : never = true;

export const RunEventTypeEnum = graphqlEnum<TrainEventType>(
  'RunEventType',
  RUN_EVENT_TYPES,
  'STARTED, then STEP, EVAL and CHECKPOINT (WARNING and EARLY_STOP as they happen), TEST with the best weights, and one of FINISHED, FAILED or CANCELLED.',
);

export const WarningCodeEnum = graphqlEnum<WarningCode>(
  'WarningCode',
  WARNING_CODES,
  "CHECKPOINT_DAMAGED: a damaged checkpoint was skipped on resume; DROPOUT_CHANGED: dropout differs from an uninterrupted run's from the resume on; RETENTION_LOW: the tuned backbone's retention fell below the threshold; RETENTION_HEAD_MISSING: the base checkpoint lacks its language-modelling head, so retention is measured from hidden states instead.",
);

export const FinishReasonEnum = graphqlEnum<FinishReason>(
  'FinishReason',
  FINISH_REASONS,
  "Why generation ended: EOS (the model's end-of-sequence token), STOP (a stop string), MAX_NEW_TOKENS, or MAX_LENGTH (the model's longest sequence).",
);
