// @tuneql/engine: the public surface.

export { type GradientOptions, gradients } from './autodiff/backward.ts';
export { GRADIENTS, GradientError, sumTo } from './autodiff/gradients.ts';
export * from './chat/index.ts';
export { CheckpointError } from './checkpoint/errors.ts';
export { type Checkpoint, loadCheckpoint, readModelConfig, type SaveCheckpointOptions, saveCheckpoint } from './checkpoint/hf.ts';
export {
  type LoadedTensor,
  parseSafetensors,
  readSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  serializeSafetensors,
  type TensorData,
  type TensorInput,
  writeSafetensors,
} from './checkpoint/safetensors.ts';
export {
  decoderCacheShape,
  exportDecoderWithPast,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
} from './export/decoder-export.ts';
export { exportInference, exportOnnx } from './export/onnx-export.ts';
export * from './generate/index.ts';
export type { DType, HostArray } from './graph/dtype.ts';
export { OpOptionError, ShapeError } from './graph/errors.ts';
export { Graph, type Node, type Segment, type Shape, Tensor } from './graph/graph.ts';
export type { OpName } from './graph/ops.ts';
export * as ops from './graph/ops.ts';
export { bceWithLogits, type CrossEntropyOptions, crossEntropy, mse } from './losses.ts';
export * from './metrics/index.ts';
export type { Architecture, CacheShape, ModelInputs, TaskOutputs } from './models/architecture.ts';
export { CONFIG_SIZE_LIMITS, ConfigError, ConfigReader, type RawConfig, TASKS, type Task } from './models/config.ts';
export {
  declareParameters,
  type GraphOptions,
  instantiate,
  type LoadOptions,
  loadPretrained,
  modelBuilder,
  modelMaxLength,
  type PretrainedModel,
  savePretrained,
  taskOfClass,
  transformersClass,
} from './models/pretrained.ts';
export { ARCHITECTURES, architectureFor } from './models/registry.ts';
export { DROPOUT_SEED, ForwardContext } from './nn/layers.ts';
export { type LinearOptions, linear } from './nn/linear.ts';
export { emitModel, OPSET } from './onnx/emit.ts';
export { type AdamWOptions, adamw, type Optimizer, type SgdOptions, sgd } from './optim/optimizers.ts';
export { constantSchedule, cosineSchedule, type LrSchedule, linearSchedule } from './optim/schedule.ts';
export { type Initializer, init, type Parameter, ParameterSet, ParamScope } from './params/parameters.ts';
export { type ProfileRow, type ProfileSummary, summarizeProfile } from './runtime/profile.ts';
export { NonFiniteLossError } from './runtime/protocol.ts';
export { availableProviders, checkProvider, type Provider, ProviderUnavailableError } from './runtime/providers.ts';
export { Rng, type RngState } from './runtime/rng.ts';
export { type Feeds, InputError, LoadedProgram, Runtime, type RuntimeOptions, type StepResult } from './runtime/runtime.ts';
export {
  compileAccumulatedStep,
  compileInference,
  compileTrainStep,
  type InferSpec,
  LOSS_SCALE,
  LOSS_SCALING_DEFAULTS,
  type LossScaling,
  type ModelBuilder,
  PRECISIONS,
  type Precision,
  PrecisionError,
  type Program,
  precisionProblem,
  type TrainStepSpec,
} from './step/compile.ts';
export {
  assignBuckets,
  type BatchRef,
  type Bucket,
  type CollateOptions,
  chooseBuckets,
  collate,
  type Example,
  epochBatches,
  IGNORE_INDEX,
  lengthBuckets,
} from './train/batching.ts';
export { CorruptCheckpointError } from './train/checkpoint.ts';
export { type EventSink, type TrainEvent, type TrainEventType, WARNING_CODES, type WarningCode } from './train/events.ts';
export { packExamples } from './train/packing.ts';
export {
  missingHead,
  RETENTION_TEXTS_FILE,
  type RetentionProbe,
  type RetentionReading,
  type RetentionSettings,
  type RetentionSource,
  readRetentionTexts,
  retentionSample,
  retentionTask,
  startRetentionProbe,
  tunedWithBaseHead,
} from './train/retention.ts';
export {
  type CamelKeys,
  camelKeys,
  camelName,
  DEFAULT_SEED,
  EarlyStoppingSchema,
  HF_TRAINING_ALIASES,
  learningRateConflict,
  RetentionSchema,
  resolveTrainingAliases,
  SETTING_LIMITS,
  SeedSchema,
  snakeKeys,
  snakeName,
  strictObjectWithHints,
  TRAINER_SETTINGS_DEFAULTS,
  type TrainerSettings,
  type TrainerSettingsInput,
  TrainerSettingsSchema,
  TrainingSectionSchema,
  trainingPrecisionProblem,
} from './train/settings.ts';
export { closestName, editDistance, unknownKeysMessage } from './train/spelling.ts';
export { metricProblem, metricsFor, TASK_METRICS, type TaskMetricsOptions } from './train/task-metrics.ts';
export {
  DEFAULT_TRAINER_CONFIG,
  defaultMetric,
  type EvaluateModelOptions,
  type ExampleOutputs,
  evaluateModel,
  type MetricsFn,
  type TrainerConfig,
  type TrainerData,
  type TrainOptions,
  type TrainResult,
  train,
} from './train/trainer.ts';

// Datasets: file readers, row validation, splits, statistics and tokenization into Examples.

export {
  type Answer,
  type ColumnMap,
  type DataProgress,
  type DataSource,
  DatasetConfigError,
  DatasetError,
  type DatasetFiles,
  type DatasetIssue,
  type DatasetRecord,
  type DatasetStats,
  type DatasetSummary,
  DataThreads,
  type DataThreadsOptions,
  DEFAULT_MAX_BYTES,
  dataThreads,
  formatIssue,
  ISSUES_PER_KIND,
  type IssueKind,
  IssueLog,
  type LengthStats,
  type LoadDatasetOptions,
  type LoadedDataset,
  type LoadInThreadOptions,
  loadDataset,
  type OnDataProgress,
  type PackedDataset,
  parseCsv,
  parseJsonl,
  percentile,
  type ReadOptions,
  readTable,
  recordText,
  type SingleFile,
  type SourceRow,
  type SplitOptions,
  type SplitStats,
  type Splits,
  shuffled,
  splitDataset,
  type Table,
  type TableFormat,
  type TokenizedRecords,
  type TokenizeOptions,
  tokenizeRecords,
  unpackDataset,
  unpackExamples,
  type ValidatedData,
  type ValidateOptions,
  validateTables,
} from './data/index.ts';
export {
  type AdapterKind,
  type AdapterSite,
  adapterPoint,
  hookedLinear,
  type LinearSite,
  type ModuleHooks,
  type ParameterSite,
} from './nn/hooks.ts';
export * from './tokenizers/index.ts';
export {
  findLearningRate,
  LR_FINDER_DEFAULTS,
  LR_FINDER_MIN_STEPS,
  type LrFinderOptions,
  type LrFinderResult,
  suggestLearningRate,
} from './train/lr-finder.ts';
