// @tuneql/adapters/testkit: the checks every strategy must pass, for plugin authors to run in vitest.
export { type Batch, type SyntheticOptions, syntheticBatches } from './data.ts';
export { maxAbsDiff, predict } from './forward.ts';
export { defineStrategySuite, type StrategySuiteCase } from './suite.ts';
