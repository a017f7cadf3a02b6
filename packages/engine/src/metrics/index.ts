// Evaluation metrics for fine-tuning tasks: the module's only export surface.

export {
  type AveragedScores,
  type ClassificationOptions,
  type ClassificationReport,
  type ClassScores,
  ConfusionMatrix,
  classificationReport,
  type LabelArray,
  type LabelRow,
  MultiLabelCounts,
  type MultiLabelReport,
  multiLabelReport,
  scoresFromConfusion,
} from './classification.ts';
export { MetricInputError } from './errors.ts';
export { LossAccumulator, perplexity } from './language.ts';
export {
  type ClassificationTask,
  createMetric,
  ENTITY_TYPE_F1_PREFIX,
  greaterIsBetter,
  type LanguageModelingTask,
  type Metric,
  type MetricTask,
  type MultiLabelTask,
  type QuestionAnsweringTask,
  type RegressionTask,
  type TagBatch,
  type TokenClassificationTask,
} from './metric.ts';
export {
  bestSpan,
  exactMatch,
  maxOverGroundTruths,
  nBestSpans,
  normalizeAnswer,
  type Span,
  type SpanOptions,
  SquadAccumulator,
  squadScores,
  tokenF1,
} from './qa.ts';
export {
  averageRanks,
  meanAbsoluteError,
  meanSquaredError,
  pearson,
  type RegressionReport,
  r2Score,
  regressionReport,
  rootMeanSquaredError,
  spearman,
} from './regression.ts';
export {
  type Entity,
  EntityCounter,
  type EntityCounterOptions,
  type EntityReport,
  type EntityTypeScores,
  entityReport,
  getEntities,
  type Id2Label,
  type TagScheme,
  type TagsFromIdsOptions,
  tagsFromIds,
} from './tokens.ts';
