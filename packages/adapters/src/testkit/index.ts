// @tuneql/adapters/testkit: the checks every strategy must pass, for plugin authors to run in vitest.
export { type Batch, type SyntheticOptions, syntheticBatches } from './data.ts';
export { maxAbsDiff, predict } from './forward.ts';
export {
  defineReferenceSuite,
  GRAD_NORM_TOLERANCE,
  LOSS_TOLERANCE,
  REFERENCE_MODEL,
  REFERENCE_SEED,
  REFERENCE_SETTINGS,
  type ReferenceRun,
  type ReferenceStep,
  readReference,
  referenceBase,
  referenceExamples,
  referenceSteps,
  type TrainingReference,
  trainLikeReference,
  WEIGHT_TOLERANCE,
} from './reference.ts';
export { defineStrategySuite, type StrategySuiteCase } from './suite.ts';
