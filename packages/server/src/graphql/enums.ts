// GraphQL enums over the strings the engine and the database keep: each enum is made here from the one
// list of internal values, so a value's GraphQL name (SEQUENCE_CLASSIFICATION) and the string it stands
// for (sequence-classification) are mapped in one place and stored data needs no migration.

import { TASKS, type Task, type TrainEventType, WARNING_CODES, type WarningCode } from '@tuneql/engine';
import { registerEnumType } from 'type-graphql';
import { DATASET_FORMATS } from '../modules/datasets/dataset.service.ts';
import { DeviceSchema } from '../training/run-spec.ts';

/** The GraphQL name of an internal value: upper case, with '-' and other separators as '_'. */
export function enumName(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/**
 * Registers the GraphQL enum `name` whose values stand for `values`, and returns the object type-graphql
 * maps with (GraphQL name -> internal value): GraphQL parses SEQUENCE_CLASSIFICATION into
 * 'sequence-classification' on the way in and serializes it back on the way out.
 */
export function graphqlEnum<V extends string>(name: string, values: readonly V[], description?: string): Record<string, V> {
  const map = Object.fromEntries(values.map((v) => [enumName(v), v])) as Record<string, V>;
  if (Object.keys(map).length !== values.length) throw new Error(`enum ${name}: two values share a GraphQL name`);
  registerEnumType(map, { name, description });
  return map;
}

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
  "CHECKPOINT_DAMAGED: a damaged checkpoint was skipped on resume; DROPOUT_CHANGED: dropout differs from an uninterrupted run's from the resume on.",
);
