/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CancelSweepInput = {
  /** The running sweep to cancel, with its queued and running trials. */
  id: string | number;
};

/** One turn of a conversation. */
export type ChatMessageInput = {
  content: string;
  role: ChatRole;
};

/** Who speaks a turn of a conversation. */
export type ChatRole =
  | 'ASSISTANT'
  | 'SYSTEM'
  | 'USER';

export type CreateDatasetInput = {
  /** Task field -> column, e.g. {"text": "paragraph", "label": "novel"}; each task has defaults. */
  columns?: Record<string, unknown> | null | undefined;
  /** From the file name when absent (.jsonl or .ndjson: JSONL). */
  format?: DatasetFormat | null | undefined;
  /** The label set in id order; collected from the file when absent. */
  labels?: Array<string> | null | undefined;
  name: string;
  task: Task;
  /** From POST /uploads. */
  uploadId: string | number;
};

export type CreateRunInput = {
  datasetId: string | number;
  device?: Device;
  hyperparameters?: HyperparametersInput | null | undefined;
  /** Most tokens per example; longer ones are cut. At most the model's positions. */
  maxLength?: number;
  modelId: string | number;
  /** @default "<strategy> on <dataset>" */
  name?: string | null | undefined;
  /** Shuffling, dropout, data splits and new weights. */
  seed?: number;
  /** A strategy id from the strategies query. */
  strategy?: string;
  /** The strategy's config, checked against its JSON Schema. */
  strategyConfig?: Record<string, unknown> | null | undefined;
  /** @default the dataset's task */
  task?: Task | null | undefined;
};

export type CreateSweepInput = {
  algorithm?: SweepAlgorithm;
  /** Stop poor trials early; unset: every trial runs to its end. */
  earlyStopping?: SweepEarlyStoppingInput | null | undefined;
  /** @default the grid's size for GRID, 10 otherwise; at most 100. */
  maxTrials?: number | null | undefined;
  /** @default "<algorithm> sweep of <strategy>" */
  name?: string | null | undefined;
  /** Trials queued or running at once (the workers take them in parallel). */
  parallelism?: number;
  parameters: Array<SweepParameterInput>;
  /** The run every trial starts from; each trial lays its parameters over it. Its hyperparameters' metric (else the task's) is the objective. */
  run: CreateRunInput;
  /** Seeds the draws of RANDOM and TPE: the same seed and results give the same trials. */
  seed?: number;
};

/** How a dataset file is written. */
export type DatasetFormat =
  | 'CSV'
  | 'JSONL';

/** Where training runs (the ONNX Runtime execution provider). */
export type Device =
  | 'CPU'
  | 'CUDA'
  | 'WEBGPU';

/** ADAPTER: the strategy's own files (PEFT layout for LoRA); MERGED: the adapted model, Hugging Face layout; ONNX: model.onnx with its tokenizer. */
export type ExportKind =
  | 'ADAPTER'
  | 'MERGED'
  | 'ONNX';

/** Why generation ended: EOS (the model's end-of-sequence token), STOP (a stop string), MAX_NEW_TOKENS, or MAX_LENGTH (the model's longest sequence). */
export type FinishReason =
  | 'EOS'
  | 'MAX_LENGTH'
  | 'MAX_NEW_TOKENS'
  | 'STOP';

export type GenerateInput = {
  generation?: GenerationInput | null | undefined;
  /** A conversation, rendered with the model's chat template and followed by the assistant's turn; give this or prompt. */
  messages?: Array<ChatMessageInput> | null | undefined;
  /** Which model generates. */
  model?: GenerationModel;
  /** The text to continue; give this or messages. */
  prompt?: string | null | undefined;
  /** A causal-LM run that has SUCCEEDED. */
  runId: string | number;
};

/** TOKEN for each token as it is generated, then one FINISHED. */
export type GenerationEventType =
  | 'FINISHED'
  | 'TOKEN';

/** How a causal LM generates: Hugging Face GenerationConfig's names. Greedy unless temperature, topK or topP is given (or doSample); always stops at the model's end-of-sequence token. */
export type GenerationInput = {
  /** Sample rather than take the likeliest token. @default true when temperature, topK or topP is given */
  doSample?: boolean | null | undefined;
  /** Tokens to generate at most, 1 to 4096 (fewer at the model's longest sequence). @default 20 */
  maxNewTokens?: number | null | undefined;
  /** A seen token's positive logit divided by this, a negative one multiplied; > 0, 1 is off. @default 1 */
  repetitionPenalty?: number | null | undefined;
  /** Seed of the sampler, >= 0: the same seed gives the same tokens. @default a random one, returned in Generation.seed */
  seed?: number | null | undefined;
  /** Stop when the continuation contains one of these (at most 16, 200 characters each); the text is cut before it. */
  stop?: Array<string> | null | undefined;
  /** Divides the logits before sampling, >= 0; 0 is greedy. @default 1 */
  temperature?: number | null | undefined;
  /** Sample among the k likeliest tokens, >= 0; 0 is off. @default 0 */
  topK?: number | null | undefined;
  /** Sample among the fewest likeliest tokens whose probability reaches p, in (0, 1]; 1 is off. @default 1 */
  topP?: number | null | undefined;
};

/** TUNED: the run's fine-tuned model; BASE: the model it started from. */
export type GenerationModel =
  | 'BASE'
  | 'TUNED';

/** Stop when the monitored value (the metric, or the validation loss) has not improved by more than the minimum delta for `patience` evaluations; unset: never. */
export type HyperparametersEarlyStoppingInput = {
  /** An evaluation is an improvement only when the monitored value beats its value at the last improvement by more than this; a tie or a smaller gain is not (small gains count once they add up to more). @default 0 */
  minDelta?: number | null | undefined;
  /** What stopping watches: the metric or the validation loss (the best weights follow the metric either way). @default METRIC */
  monitor?: HyperparametersEarlyStoppingMonitor | null | undefined;
  /** Evaluations without improvement before the run stops. */
  patience: number;
};

/** What stopping watches: the metric or the validation loss (the best weights follow the metric either way). */
export type HyperparametersEarlyStoppingMonitor =
  | 'LOSS'
  | 'METRIC';

/** The base model's weights: `pretrained` loads the checkpoint; `random` builds the same architecture from its config.json with fresh weights (seeded as a new head is), to show what pre-training brings. */
export type HyperparametersInit =
  | 'PRETRAINED'
  | 'RANDOM';

/** Trainer settings: the `training:` section of a `tuneql train` config under camelCase names; each one left out takes the strategy's suggestion, else the default shown. */
export type HyperparametersInput = {
  /** Examples per micro-batch. @default 16 */
  batchSize?: number | null | undefined;
  /** Global gradient-norm clipping; null turns it off. @default 1 */
  clipGradNorm?: number | null | undefined;
  /** Stop when the step loss, smoothed over about ten steps, exceeds this multiple of its lowest value so far. @default 100 */
  divergenceFactor?: number | null | undefined;
  /** Stop when the monitored value (the metric, or the validation loss) has not improved by more than the minimum delta for `patience` evaluations; unset: never. */
  earlyStopping?: HyperparametersEarlyStoppingInput | null | undefined;
  /** Passes over the training split. @default 3 */
  epochs?: number | null | undefined;
  /** Examples per evaluation batch; unset: the training batch size. */
  evalBatchSize?: number | null | undefined;
  /** Evaluate (and checkpoint) every N optimizer steps as well as at each epoch end. */
  evalEvery?: number | null | undefined;
  /** Pick the peak learning rate with a range test before training (rates rising from 1e-7 to 1 over 100 steps, the steepest fall of the loss; the weights are restored after it); give no learning rate with it. @default false */
  findLearningRate?: boolean | null | undefined;
  /** Micro-batches summed per optimizer step. @default 1 */
  gradientAccumulation?: number | null | undefined;
  /** Activation recomputation: the backward pass recomputes each transformer block from its input instead of keeping the block's activations, so long sequences and large batches need less memory (about a third more compute per step). @default false */
  gradientCheckpointing?: boolean | null | undefined;
  /** The base model's weights: `pretrained` loads the checkpoint; `random` builds the same architecture from its config.json with fresh weights (seeded as a new head is), to show what pre-training brings. @default PRETRAINED */
  init?: HyperparametersInit | null | undefined;
  /** Checkpoints kept on disk (the best weights are kept apart). @default 2 */
  keepCheckpoints?: number | null | undefined;
  /** Label smoothing of the cross-entropy loss. @default 0 */
  labelSmoothing?: number | null | undefined;
  /** Peak learning rate; unset: the strategy's suggestion, else this. @default 0.00002 */
  learningRate?: number | null | undefined;
  /** Length buckets (static shapes) at most. @default 4 */
  maxBuckets?: number | null | undefined;
  /** Stop after this many optimizer steps, before the epochs are done if sooner. */
  maxSteps?: number | null | undefined;
  /** The validation metric that picks the best weights and drives early stopping; unset: the task's (accuracy, mse, entity_f1, f1 or loss). */
  metric?: string | null | undefined;
  /** Causal LM: lay short training examples end to end in rows as long as the longest one; attention and positions stay within each example. @default false */
  packing?: boolean | null | undefined;
  /** Compute precision. fp16: float16 GEMMs on float32 weights and optimizer state, with dynamic loss scaling (overflowed steps are skipped and counted as skipped_steps); needs a GPU with WebGPU's shader-f16, not the cpu provider, and no gradient accumulation. bf16 is refused: onnxruntime-node ships no bfloat16 kernels. @default FP32 */
  precision?: HyperparametersPrecision | null | undefined;
  /** Score the tuned backbone with the base model's masked- or causal-LM head at every evaluation (`eval_retention`, 1 = unchanged); unset: off. */
  retention?: HyperparametersRetentionInput | null | undefined;
  /** Learning-rate decay after warm-up. @default LINEAR */
  schedule?: HyperparametersSchedule | null | undefined;
  /** Warm-up as a fraction of all steps, unless warm-up steps are set. @default 0 */
  warmupRatio?: number | null | undefined;
  /** Warm-up steps; overrides the warm-up ratio. */
  warmupSteps?: number | null | undefined;
  /** AdamW decoupled weight decay on weight matrices (not biases nor norms). @default 0.01 */
  weightDecay?: number | null | undefined;
};

/** Compute precision. fp16: float16 GEMMs on float32 weights and optimizer state, with dynamic loss scaling (overflowed steps are skipped and counted as skipped_steps); needs a GPU with WebGPU's shader-f16, not the cpu provider, and no gradient accumulation. bf16 is refused: onnxruntime-node ships no bfloat16 kernels. */
export type HyperparametersPrecision =
  | 'BF16'
  | 'FP16'
  | 'FP32';

/** Below the threshold: `warn` (a warning event), or `stop` the run, keeping the best weights above it. */
export type HyperparametersRetentionAction =
  | 'STOP'
  | 'WARN';

/** Score the tuned backbone with the base model's masked- or causal-LM head at every evaluation (`eval_retention`, 1 = unchanged); unset: off. */
export type HyperparametersRetentionInput = {
  /** Below the threshold: `warn` (a warning event), or `stop` the run, keeping the best weights above it. @default WARN */
  action?: HyperparametersRetentionAction | null | undefined;
  /** Held-back texts (drawn from `texts`) the tuned backbone is scored on. @default 64 */
  sampleSize?: number | null | undefined;
  /** Where the sample comes from: the run's `validation` split, or general text the base `model` folder ships in retention.jsonl (text like its pre-training data that it never trained on). @default VALIDATION */
  texts?: HyperparametersRetentionTexts | null | undefined;
  /** The least retention accepted: below it the action is taken (0.5: the sample's perplexity doubled; 0: never). @default 0.5 */
  threshold?: number | null | undefined;
};

/** Where the sample comes from: the run's `validation` split, or general text the base `model` folder ships in retention.jsonl (text like its pre-training data that it never trained on). */
export type HyperparametersRetentionTexts =
  | 'MODEL'
  | 'VALIDATION';

/** Learning-rate decay after warm-up. */
export type HyperparametersSchedule =
  | 'CONSTANT'
  | 'COSINE'
  | 'LINEAR';

export type PredictInputItem = {
  /** Second text of a pair, or the context (question answering: text is the question). */
  pair?: string | null | undefined;
  text: string;
};

/** STARTED, then STEP, EVAL and CHECKPOINT (WARNING and EARLY_STOP as they happen), TEST with the best weights, and one of FINISHED, FAILED or CANCELLED. */
export type RunEventType =
  | 'CANCELLED'
  | 'CHECKPOINT'
  | 'EARLY_STOP'
  | 'EVAL'
  | 'FAILED'
  | 'FINISHED'
  | 'STARTED'
  | 'STEP'
  | 'TEST'
  | 'WARNING';

export type RunFilter = {
  datasetId?: string | number | null | undefined;
  modelId?: string | number | null | undefined;
  status?: Array<RunStatus> | null | undefined;
  strategy?: string | null | undefined;
};

/** QUEUED -> RUNNING -> SUCCEEDED, FAILED or CANCELLED. */
export type RunStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** GRID: every combination of the values, in order; RANDOM: seeded draws; TPE: seeded random draws first, then the tree-structured Parzen estimator learning from the finished trials. */
export type SweepAlgorithm =
  | 'GRID'
  | 'RANDOM'
  | 'TPE';

/** The median stopping rule: a trial stops at an evaluation when its best so far is worse than the median of the finished trials at the same epoch. */
export type SweepEarlyStoppingInput = {
  /** Finished trials needed before any trial is stopped. */
  minTrials?: number;
  /** Evaluations of a trial that never stop it. */
  warmupEvaluations?: number;
};

/** One dimension of the space: a list of values, or a range (min and max). */
export type SweepParameterInput = {
  max?: number | null | undefined;
  min?: number | null | undefined;
  /** A trainer setting by its hyperparameters name (learningRate, batchSize, epochs, warmupRatio...), or a strategy option as strategyConfig.<option> (strategyConfig.r). */
  name: string;
  /** A range of a learning rate is usually LOG. */
  scale?: SweepScale;
  /** The values to choose from (as hyperparameters or strategyConfig take them). */
  values?: Array<unknown> | null | undefined;
};

/** How a range is drawn from: uniformly, or uniformly in its logarithm. */
export type SweepScale =
  | 'LINEAR'
  | 'LOG';

/** RUNNING -> SUCCEEDED (a trial promoted), FAILED (with error) or CANCELLED. */
export type SweepStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** What a model is fine-tuned to do. */
export type Task =
  | 'CAUSAL_LM'
  | 'MASKED_LM'
  | 'QUESTION_ANSWERING'
  | 'REGRESSION'
  | 'SEQUENCE_CLASSIFICATION'
  | 'TOKEN_CLASSIFICATION';

/** READ: queries and subscriptions; WRITE: mutations too (it implies READ). */
export type TokenScope =
  | 'READ'
  | 'WRITE';

/** The trial's run status, except PRUNED: stopped early by the sweep's early-termination rule (its run is CANCELLED with error TRIAL_PRUNED). */
export type TrialState =
  | 'CANCELLED'
  | 'FAILED'
  | 'PRUNED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** CHECKPOINT_DAMAGED: a damaged checkpoint was skipped on resume; DROPOUT_CHANGED: dropout differs from an uninterrupted run's from the resume on; RETENTION_LOW: the tuned backbone's retention fell below the threshold; RETENTION_HEAD_MISSING: the base checkpoint lacks its language-modelling head, so retention is measured from hidden states instead. */
export type WarningCode =
  | 'CHECKPOINT_DAMAGED'
  | 'DROPOUT_CHANGED'
  | 'RETENTION_HEAD_MISSING'
  | 'RETENTION_LOW';

export type RunSummaryFieldsFragment = { id: string, name: string, status: RunStatus, task: Task, strategy: string, createdAt: string, startedAt: string | null, finishedAt: string | null, attempt: number, trainableParameters: number | null, totalParameters: number | null, meanStepSeconds: number | null, peakMemoryBytes: number | null, sweepTrial: number | null, promoted: boolean, progress: { step: number, totalSteps: number, epoch: number, fraction: number, etaSeconds: number | null } | null, best: { metric: string, value: number, step: number } | null, error: { code: string, message: string } | null, sweep: { id: string, name: string } | null };

export type RunsQueryVariables = Exact<{
  filter?: RunFilter | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type RunsQuery = { runs: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, edges: Array<{ cursor: string, node: { id: string, name: string, status: RunStatus, task: Task, strategy: string, createdAt: string, startedAt: string | null, finishedAt: string | null, attempt: number, trainableParameters: number | null, totalParameters: number | null, meanStepSeconds: number | null, peakMemoryBytes: number | null, sweepTrial: number | null, promoted: boolean, model: { id: string, name: string }, dataset: { id: string, name: string }, progress: { step: number, totalSteps: number, epoch: number, fraction: number, etaSeconds: number | null } | null, best: { metric: string, value: number, step: number } | null, error: { code: string, message: string } | null, sweep: { id: string, name: string } | null } }> }, strategies: { nodes: Array<{ id: string }> } };

export type RunChangedSubscriptionVariables = Exact<{
  runId?: string | number | null | undefined;
}>;


export type RunChangedSubscription = { runChanged: { lastSeq: number, id: string, name: string, status: RunStatus, task: Task, strategy: string, createdAt: string, startedAt: string | null, finishedAt: string | null, attempt: number, trainableParameters: number | null, totalParameters: number | null, meanStepSeconds: number | null, peakMemoryBytes: number | null, sweepTrial: number | null, promoted: boolean, progress: { step: number, totalSteps: number, epoch: number, fraction: number, etaSeconds: number | null } | null, best: { metric: string, value: number, step: number } | null, error: { code: string, message: string } | null, sweep: { id: string, name: string } | null } };

export type RunQueryVariables = Exact<{
  id: string | number;
  afterSeq: number;
  limit: number;
}>;


export type RunQuery = { run: { strategyConfig: Record<string, unknown>, hyperparameters: Record<string, unknown>, seed: number, device: Device, maxLength: number, lastSeq: number, testResults: Record<string, unknown> | null, id: string, name: string, status: RunStatus, task: Task, strategy: string, createdAt: string, startedAt: string | null, finishedAt: string | null, attempt: number, trainableParameters: number | null, totalParameters: number | null, meanStepSeconds: number | null, peakMemoryBytes: number | null, sweepTrial: number | null, promoted: boolean, model: { id: string, name: string, modelType: string }, dataset: { id: string, name: string }, checkpoints: { nodes: Array<{ step: number, time: string, available: boolean }> }, artifacts: Array<{ id: string, kind: ExportKind, bytes: number, sha256: string, url: string, createdAt: string }>, events: { nodes: Array<{ seq: number, type: RunEventType, step: number, epoch: number, time: string, values: Record<string, unknown>, message: string | null, code: WarningCode | null }> }, progress: { step: number, totalSteps: number, epoch: number, fraction: number, etaSeconds: number | null } | null, best: { metric: string, value: number, step: number } | null, error: { code: string, message: string } | null, sweep: { id: string, name: string } | null } };

export type RunEventFieldsFragment = { seq: number, type: RunEventType, step: number, epoch: number, time: string, values: Record<string, unknown>, message: string | null, code: WarningCode | null };

export type RunEventsSubscriptionVariables = Exact<{
  runId: string | number;
  afterSeq: number;
}>;


export type RunEventsSubscription = { runEvents: { seq: number, type: RunEventType, step: number, epoch: number, time: string, values: Record<string, unknown>, message: string | null, code: WarningCode | null } };

export type CancelRunMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelRunMutation = { cancelRun: { run: { id: string, status: RunStatus } } };

export type ResumeRunMutationVariables = Exact<{
  id: string | number;
}>;


export type ResumeRunMutation = { resumeRun: { run: { id: string, status: RunStatus } } };

export type DeleteRunMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteRunMutation = { deleteRun: { deletedId: string } };

export type ExportRunMutationVariables = Exact<{
  runId: string | number;
  kind: ExportKind;
}>;


export type ExportRunMutation = { exportRun: { artifact: { id: string, kind: ExportKind, bytes: number, sha256: string, url: string, createdAt: string } } };

export type NewRunOptionsQueryVariables = Exact<{ [key: string]: never; }>;


export type NewRunOptionsQuery = { runSettingsSchema: unknown, models: { nodes: Array<{ id: string, name: string, modelType: string, parameterCount: number, supportedTasks: Array<Task> }> }, datasets: { nodes: Array<{ id: string, name: string, task: Task, rowCount: number, labels: Array<string> | null }> }, strategies: { nodes: Array<{ id: string, name: string, description: string, version: string, source: string, tasks: Array<Task>, architectures: Array<string>, defaults: Record<string, unknown>, configSchema: unknown }> } };

export type PreflightQueryVariables = Exact<{
  input: CreateRunInput;
}>;


export type PreflightQuery = { preflight: { trainableParameters: number, totalParameters: number, memoryBytes: number, stepsPerEpoch: number, secondsPerEpoch: number, warnings: Array<string>, memoryLimitBytes: number, error: { code: string, message: string } | null } };

export type CreateRunMutationVariables = Exact<{
  input: CreateRunInput;
}>;


export type CreateRunMutation = { createRun: { run: { id: string, status: RunStatus } } };

export type CompareRunsQueryVariables = Exact<{
  first: number;
}>;


export type CompareRunsQuery = { runs: { edges: Array<{ node: { hyperparameters: Record<string, unknown>, testResults: Record<string, unknown> | null, id: string, name: string, status: RunStatus, task: Task, strategy: string, createdAt: string, startedAt: string | null, finishedAt: string | null, attempt: number, trainableParameters: number | null, totalParameters: number | null, meanStepSeconds: number | null, peakMemoryBytes: number | null, sweepTrial: number | null, promoted: boolean, model: { id: string, name: string }, dataset: { id: string, name: string }, progress: { step: number, totalSteps: number, epoch: number, fraction: number, etaSeconds: number | null } | null, best: { metric: string, value: number, step: number } | null, error: { code: string, message: string } | null, sweep: { id: string, name: string } | null } }> } };

export type RunCurvesQueryVariables = Exact<{
  id: string | number;
  limit: number;
}>;


export type RunCurvesQuery = { run: { id: string, events: { nodes: Array<{ seq: number, type: RunEventType, step: number, epoch: number, time: string, values: Record<string, unknown>, message: string | null, code: WarningCode | null }> } } };

export type PlaygroundRunsQueryVariables = Exact<{ [key: string]: never; }>;


export type PlaygroundRunsQuery = { runs: { edges: Array<{ node: { id: string, name: string, task: Task, strategy: string, createdAt: string, model: { id: string, name: string }, dataset: { id: string, name: string, columns: Record<string, unknown> } } }> } };

export type PredictMutationVariables = Exact<{
  runId: string | number;
  inputs: Array<PredictInputItem> | PredictInputItem;
  compareBase: boolean;
}>;


export type PredictMutation = { predict: { predictions: Array<{ text: string, tuned: { task: Task, value: number | null, continuation: string | null, labels: Array<{ label: string, score: number }> | null, words: Array<{ word: string, tag: string, score: number }> | null, answer: { text: string, start: number, end: number, score: number } | null, fills: Array<Array<{ token: string, score: number }>> | null }, base: { task: Task, value: number | null, continuation: string | null, labels: Array<{ label: string, score: number }> | null, words: Array<{ word: string, tag: string, score: number }> | null, answer: { text: string, start: number, end: number, score: number } | null, fills: Array<Array<{ token: string, score: number }>> | null } | null }> } };

export type PredictionFieldsFragment = { task: Task, value: number | null, continuation: string | null, labels: Array<{ label: string, score: number }> | null, words: Array<{ word: string, tag: string, score: number }> | null, answer: { text: string, start: number, end: number, score: number } | null, fills: Array<Array<{ token: string, score: number }>> | null };

export type GenerateSubscriptionVariables = Exact<{
  input: GenerateInput;
}>;


export type GenerateSubscription = { generate: { type: GenerationEventType, index: number, text: string, continuation: string | null, generation: { finishReason: FinishReason, tokenIds: Array<number>, promptTokens: number, seed: number | null } | null } };

export type DatasetsQueryVariables = Exact<{ [key: string]: never; }>;


export type DatasetsQuery = { datasets: { nodes: Array<{ id: string, name: string, task: Task, format: DatasetFormat, rowCount: number, bytes: number, labels: Array<string> | null, createdAt: string }> } };

export type DatasetQueryVariables = Exact<{
  id: string | number;
  offset: number;
  limit: number;
}>;


export type DatasetQuery = { dataset: { id: string, name: string, task: Task, format: DatasetFormat, columns: Record<string, unknown>, labels: Array<string> | null, filename: string, bytes: number, rowCount: number, createdAt: string, statistics: { rows: number, splits: { train: number, validation: number, test: number }, labels: Array<{ label: string, count: number }> | null, textLength: { min: number, p50: number, p95: number, max: number } }, preview: Array<{ row: number, data: Record<string, unknown> }> }, models: { nodes: Array<{ id: string, name: string }> } };

export type TokenLengthsQueryVariables = Exact<{
  id: string | number;
  modelId: string | number;
  bins: number;
}>;


export type TokenLengthsQuery = { dataset: { id: string, tokenLengths: { counts: Array<number>, binWidth: number, max: number, p50: number, p95: number } } };

export type CreateDatasetMutationVariables = Exact<{
  input: CreateDatasetInput;
}>;


export type CreateDatasetMutation = { createDataset: { dataset: { id: string, name: string, rowCount: number } } };

export type DeleteDatasetMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteDatasetMutation = { deleteDataset: { deletedId: string } };

export type ModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ModelsQuery = { models: { nodes: Array<{ id: string, name: string, modelType: string, architecture: string | null, parameterCount: number, supportedTasks: Array<Task>, source: string, createdAt: string, tokenizer: { type: string, vocabSize: number } }> } };

export type ModelQueryVariables = Exact<{
  id: string | number;
}>;


export type ModelQuery = { model: { id: string, name: string, modelType: string, architecture: string | null, parameterCount: number, supportedTasks: Array<Task>, source: string, createdAt: string, config: Record<string, unknown>, tokenizer: { type: string, vocabSize: number } } };

export type ImportModelFromUploadMutationVariables = Exact<{
  uploadId: string | number;
  name: string;
}>;


export type ImportModelFromUploadMutation = { importModelFromUpload: { model: { id: string, name: string } } };

export type ImportModelFromDirectoryMutationVariables = Exact<{
  path: string;
  name: string;
}>;


export type ImportModelFromDirectoryMutation = { importModelFromDirectory: { model: { id: string, name: string } } };

export type DeleteModelMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteModelMutation = { deleteModel: { deletedId: string } };

export type StrategyFieldsFragment = { id: string, name: string, description: string, version: string, source: string, tasks: Array<Task>, architectures: Array<string>, defaults: Record<string, unknown>, configSchema: unknown };

export type StrategiesQueryVariables = Exact<{ [key: string]: never; }>;


export type StrategiesQuery = { strategies: { nodes: Array<{ id: string, name: string, description: string, version: string, source: string, tasks: Array<Task>, architectures: Array<string>, defaults: Record<string, unknown>, configSchema: unknown }> } };

export type ApiTokensQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiTokensQuery = { apiTokens: { nodes: Array<{ id: string, name: string, prefix: string, scopes: Array<TokenScope>, createdAt: string, lastUsedAt: string | null, revokedAt: string | null }> } };

export type CreateApiTokenMutationVariables = Exact<{
  name: string;
  scopes: Array<TokenScope> | TokenScope;
}>;


export type CreateApiTokenMutation = { createApiToken: { secret: string, token: { id: string, name: string, prefix: string, scopes: Array<TokenScope>, createdAt: string } } };

export type RevokeApiTokenMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiTokenMutation = { revokeApiToken: { token: { id: string, revokedAt: string | null } | null } };

export type SweepFieldsFragment = { id: string, name: string, status: SweepStatus, algorithm: SweepAlgorithm, metric: string, greaterIsBetter: boolean, maxTrials: number, parallelism: number, seed: number, createdAt: string, finishedAt: string | null, error: { code: string, message: string } | null, earlyStopping: { rule: string, warmupEvaluations: number, minTrials: number } | null, parameters: Array<{ name: string, values: Array<unknown> | null, min: number | null, max: number | null, log: boolean, integer: boolean }>, model: { id: string, name: string }, dataset: { id: string, name: string }, bestRun: { id: string, name: string } | null };

export type SweepsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type SweepsQuery = { sweeps: { totalCount: number, pageInfo: { endCursor: string | null, hasNextPage: boolean }, nodes: Array<{ id: string, name: string, status: SweepStatus, algorithm: SweepAlgorithm, metric: string, greaterIsBetter: boolean, maxTrials: number, parallelism: number, seed: number, createdAt: string, finishedAt: string | null, trials: { totalCount: number, nodes: Array<{ number: number, state: TrialState, objective: number | null }> }, error: { code: string, message: string } | null, earlyStopping: { rule: string, warmupEvaluations: number, minTrials: number } | null, parameters: Array<{ name: string, values: Array<unknown> | null, min: number | null, max: number | null, log: boolean, integer: boolean }>, model: { id: string, name: string }, dataset: { id: string, name: string }, bestRun: { id: string, name: string } | null }> } };

export type SweepQueryVariables = Exact<{
  id: string | number;
}>;


export type SweepQuery = { sweep: { base: Record<string, unknown>, id: string, name: string, status: SweepStatus, algorithm: SweepAlgorithm, metric: string, greaterIsBetter: boolean, maxTrials: number, parallelism: number, seed: number, createdAt: string, finishedAt: string | null, trials: { totalCount: number, nodes: Array<{ number: number, params: Record<string, unknown>, state: TrialState, objective: number | null, bestSoFar: number | null, promoted: boolean, run: { id: string, name: string, status: RunStatus, lastSeq: number, progress: { step: number, totalSteps: number, epoch: number, fraction: number, etaSeconds: number | null } | null, error: { code: string, message: string } | null } }> }, error: { code: string, message: string } | null, earlyStopping: { rule: string, warmupEvaluations: number, minTrials: number } | null, parameters: Array<{ name: string, values: Array<unknown> | null, min: number | null, max: number | null, log: boolean, integer: boolean }>, model: { id: string, name: string }, dataset: { id: string, name: string }, bestRun: { id: string, name: string } | null } };

export type SweepChangedSubscriptionVariables = Exact<{
  sweepId: string | number;
}>;


export type SweepChangedSubscription = { sweepChanged: { id: string, status: SweepStatus } };

export type CancelSweepMutationVariables = Exact<{
  input: CancelSweepInput;
}>;


export type CancelSweepMutation = { cancelSweep: { sweep: { id: string, status: SweepStatus } } };

export type CreateSweepMutationVariables = Exact<{
  input: CreateSweepInput;
}>;


export type CreateSweepMutation = { createSweep: { sweep: { id: string, status: SweepStatus } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const RunSummaryFieldsFragmentDoc = new TypedDocumentString(`
    fragment RunSummaryFields on Run {
  id
  name
  status
  task
  strategy
  createdAt
  startedAt
  finishedAt
  attempt
  trainableParameters
  totalParameters
  meanStepSeconds
  peakMemoryBytes
  progress {
    step
    totalSteps
    epoch
    fraction
    etaSeconds
  }
  best {
    metric
    value
    step
  }
  error {
    code
    message
  }
  sweepTrial
  promoted
  sweep {
    id
    name
  }
}
    `, {"fragmentName":"RunSummaryFields"}) as unknown as TypedDocumentString<RunSummaryFieldsFragment, unknown>;
export const RunEventFieldsFragmentDoc = new TypedDocumentString(`
    fragment RunEventFields on RunEvent {
  seq
  type
  step
  epoch
  time
  values
  message
  code
}
    `, {"fragmentName":"RunEventFields"}) as unknown as TypedDocumentString<RunEventFieldsFragment, unknown>;
export const PredictionFieldsFragmentDoc = new TypedDocumentString(`
    fragment PredictionFields on PredictionResult {
  task
  labels {
    label
    score
  }
  value
  words {
    word
    tag
    score
  }
  answer {
    text
    start
    end
    score
  }
  fills {
    token
    score
  }
  continuation
}
    `, {"fragmentName":"PredictionFields"}) as unknown as TypedDocumentString<PredictionFieldsFragment, unknown>;
export const StrategyFieldsFragmentDoc = new TypedDocumentString(`
    fragment StrategyFields on Strategy {
  id
  name
  description
  version
  source
  tasks
  architectures
  defaults
  configSchema
}
    `, {"fragmentName":"StrategyFields"}) as unknown as TypedDocumentString<StrategyFieldsFragment, unknown>;
export const SweepFieldsFragmentDoc = new TypedDocumentString(`
    fragment SweepFields on Sweep {
  id
  name
  status
  algorithm
  metric
  greaterIsBetter
  maxTrials
  parallelism
  seed
  createdAt
  finishedAt
  error {
    code
    message
  }
  earlyStopping {
    rule
    warmupEvaluations
    minTrials
  }
  parameters {
    name
    values
    min
    max
    log
    integer
  }
  model {
    id
    name
  }
  dataset {
    id
    name
  }
  bestRun {
    id
    name
  }
}
    `, {"fragmentName":"SweepFields"}) as unknown as TypedDocumentString<SweepFieldsFragment, unknown>;
export const RunsDocument = new TypedDocumentString(`
    query Runs($filter: RunFilter, $first: Int!, $after: String) {
  runs(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      endCursor
      hasNextPage
    }
    edges {
      cursor
      node {
        ...RunSummaryFields
        model {
          id
          name
        }
        dataset {
          id
          name
        }
      }
    }
  }
  strategies(first: 100) {
    nodes {
      id
    }
  }
}
    fragment RunSummaryFields on Run {
  id
  name
  status
  task
  strategy
  createdAt
  startedAt
  finishedAt
  attempt
  trainableParameters
  totalParameters
  meanStepSeconds
  peakMemoryBytes
  progress {
    step
    totalSteps
    epoch
    fraction
    etaSeconds
  }
  best {
    metric
    value
    step
  }
  error {
    code
    message
  }
  sweepTrial
  promoted
  sweep {
    id
    name
  }
}`) as unknown as TypedDocumentString<RunsQuery, RunsQueryVariables>;
export const RunChangedDocument = new TypedDocumentString(`
    subscription RunChanged($runId: ID) {
  runChanged(runId: $runId) {
    ...RunSummaryFields
    lastSeq
  }
}
    fragment RunSummaryFields on Run {
  id
  name
  status
  task
  strategy
  createdAt
  startedAt
  finishedAt
  attempt
  trainableParameters
  totalParameters
  meanStepSeconds
  peakMemoryBytes
  progress {
    step
    totalSteps
    epoch
    fraction
    etaSeconds
  }
  best {
    metric
    value
    step
  }
  error {
    code
    message
  }
  sweepTrial
  promoted
  sweep {
    id
    name
  }
}`) as unknown as TypedDocumentString<RunChangedSubscription, RunChangedSubscriptionVariables>;
export const RunDocument = new TypedDocumentString(`
    query Run($id: ID!, $afterSeq: Int!, $limit: Int!) {
  run(id: $id) {
    ...RunSummaryFields
    strategyConfig
    hyperparameters
    seed
    device
    maxLength
    lastSeq
    testResults
    model {
      id
      name
      modelType
    }
    dataset {
      id
      name
    }
    checkpoints {
      nodes {
        step
        time
        available
      }
    }
    artifacts {
      id
      kind
      bytes
      sha256
      url
      createdAt
    }
    events(afterSeq: $afterSeq, first: $limit) {
      nodes {
        ...RunEventFields
      }
    }
  }
}
    fragment RunSummaryFields on Run {
  id
  name
  status
  task
  strategy
  createdAt
  startedAt
  finishedAt
  attempt
  trainableParameters
  totalParameters
  meanStepSeconds
  peakMemoryBytes
  progress {
    step
    totalSteps
    epoch
    fraction
    etaSeconds
  }
  best {
    metric
    value
    step
  }
  error {
    code
    message
  }
  sweepTrial
  promoted
  sweep {
    id
    name
  }
}
fragment RunEventFields on RunEvent {
  seq
  type
  step
  epoch
  time
  values
  message
  code
}`) as unknown as TypedDocumentString<RunQuery, RunQueryVariables>;
export const RunEventsDocument = new TypedDocumentString(`
    subscription RunEvents($runId: ID!, $afterSeq: Int!) {
  runEvents(runId: $runId, afterSeq: $afterSeq) {
    ...RunEventFields
  }
}
    fragment RunEventFields on RunEvent {
  seq
  type
  step
  epoch
  time
  values
  message
  code
}`) as unknown as TypedDocumentString<RunEventsSubscription, RunEventsSubscriptionVariables>;
export const CancelRunDocument = new TypedDocumentString(`
    mutation CancelRun($id: ID!) {
  cancelRun(input: {id: $id}) {
    run {
      id
      status
    }
  }
}
    `) as unknown as TypedDocumentString<CancelRunMutation, CancelRunMutationVariables>;
export const ResumeRunDocument = new TypedDocumentString(`
    mutation ResumeRun($id: ID!) {
  resumeRun(input: {id: $id}) {
    run {
      id
      status
    }
  }
}
    `) as unknown as TypedDocumentString<ResumeRunMutation, ResumeRunMutationVariables>;
export const DeleteRunDocument = new TypedDocumentString(`
    mutation DeleteRun($id: ID!) {
  deleteRun(input: {id: $id}) {
    deletedId
  }
}
    `) as unknown as TypedDocumentString<DeleteRunMutation, DeleteRunMutationVariables>;
export const ExportRunDocument = new TypedDocumentString(`
    mutation ExportRun($runId: ID!, $kind: ExportKind!) {
  exportRun(input: {runId: $runId, kind: $kind}) {
    artifact {
      id
      kind
      bytes
      sha256
      url
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<ExportRunMutation, ExportRunMutationVariables>;
export const NewRunOptionsDocument = new TypedDocumentString(`
    query NewRunOptions {
  models(first: 100) {
    nodes {
      id
      name
      modelType
      parameterCount
      supportedTasks
    }
  }
  datasets(first: 100) {
    nodes {
      id
      name
      task
      rowCount
      labels
    }
  }
  strategies(first: 100) {
    nodes {
      ...StrategyFields
    }
  }
  runSettingsSchema
}
    fragment StrategyFields on Strategy {
  id
  name
  description
  version
  source
  tasks
  architectures
  defaults
  configSchema
}`) as unknown as TypedDocumentString<NewRunOptionsQuery, NewRunOptionsQueryVariables>;
export const PreflightDocument = new TypedDocumentString(`
    query Preflight($input: CreateRunInput!) {
  preflight(input: $input) {
    trainableParameters
    totalParameters
    memoryBytes
    stepsPerEpoch
    secondsPerEpoch
    warnings
    memoryLimitBytes
    error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<PreflightQuery, PreflightQueryVariables>;
export const CreateRunDocument = new TypedDocumentString(`
    mutation CreateRun($input: CreateRunInput!) {
  createRun(input: $input) {
    run {
      id
      status
    }
  }
}
    `) as unknown as TypedDocumentString<CreateRunMutation, CreateRunMutationVariables>;
export const CompareRunsDocument = new TypedDocumentString(`
    query CompareRuns($first: Int!) {
  runs(first: $first) {
    edges {
      node {
        ...RunSummaryFields
        hyperparameters
        testResults
        model {
          id
          name
        }
        dataset {
          id
          name
        }
      }
    }
  }
}
    fragment RunSummaryFields on Run {
  id
  name
  status
  task
  strategy
  createdAt
  startedAt
  finishedAt
  attempt
  trainableParameters
  totalParameters
  meanStepSeconds
  peakMemoryBytes
  progress {
    step
    totalSteps
    epoch
    fraction
    etaSeconds
  }
  best {
    metric
    value
    step
  }
  error {
    code
    message
  }
  sweepTrial
  promoted
  sweep {
    id
    name
  }
}`) as unknown as TypedDocumentString<CompareRunsQuery, CompareRunsQueryVariables>;
export const RunCurvesDocument = new TypedDocumentString(`
    query RunCurves($id: ID!, $limit: Int!) {
  run(id: $id) {
    id
    events(first: $limit, types: [STEP, EVAL]) {
      nodes {
        ...RunEventFields
      }
    }
  }
}
    fragment RunEventFields on RunEvent {
  seq
  type
  step
  epoch
  time
  values
  message
  code
}`) as unknown as TypedDocumentString<RunCurvesQuery, RunCurvesQueryVariables>;
export const PlaygroundRunsDocument = new TypedDocumentString(`
    query PlaygroundRuns {
  runs(first: 100, filter: {status: [SUCCEEDED]}) {
    edges {
      node {
        id
        name
        task
        strategy
        createdAt
        model {
          id
          name
        }
        dataset {
          id
          name
          columns
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PlaygroundRunsQuery, PlaygroundRunsQueryVariables>;
export const PredictDocument = new TypedDocumentString(`
    mutation Predict($runId: ID!, $inputs: [PredictInputItem!]!, $compareBase: Boolean!) {
  predict(input: {runId: $runId, inputs: $inputs, compareBase: $compareBase}) {
    predictions {
      text
      tuned {
        ...PredictionFields
      }
      base {
        ...PredictionFields
      }
    }
  }
}
    fragment PredictionFields on PredictionResult {
  task
  labels {
    label
    score
  }
  value
  words {
    word
    tag
    score
  }
  answer {
    text
    start
    end
    score
  }
  fills {
    token
    score
  }
  continuation
}`) as unknown as TypedDocumentString<PredictMutation, PredictMutationVariables>;
export const GenerateDocument = new TypedDocumentString(`
    subscription Generate($input: GenerateInput!) {
  generate(input: $input) {
    type
    index
    text
    continuation
    generation {
      finishReason
      tokenIds
      promptTokens
      seed
    }
  }
}
    `) as unknown as TypedDocumentString<GenerateSubscription, GenerateSubscriptionVariables>;
export const DatasetsDocument = new TypedDocumentString(`
    query Datasets {
  datasets(first: 100) {
    nodes {
      id
      name
      task
      format
      rowCount
      bytes
      labels
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<DatasetsQuery, DatasetsQueryVariables>;
export const DatasetDocument = new TypedDocumentString(`
    query Dataset($id: ID!, $offset: Int!, $limit: Int!) {
  dataset(id: $id) {
    id
    name
    task
    format
    columns
    labels
    filename
    bytes
    rowCount
    createdAt
    statistics {
      rows
      splits {
        train
        validation
        test
      }
      labels {
        label
        count
      }
      textLength {
        min
        p50
        p95
        max
      }
    }
    preview(offset: $offset, limit: $limit) {
      row
      data
    }
  }
  models(first: 100) {
    nodes {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<DatasetQuery, DatasetQueryVariables>;
export const TokenLengthsDocument = new TypedDocumentString(`
    query TokenLengths($id: ID!, $modelId: ID!, $bins: Int!) {
  dataset(id: $id) {
    id
    tokenLengths(modelId: $modelId, bins: $bins) {
      counts
      binWidth
      max
      p50
      p95
    }
  }
}
    `) as unknown as TypedDocumentString<TokenLengthsQuery, TokenLengthsQueryVariables>;
export const CreateDatasetDocument = new TypedDocumentString(`
    mutation CreateDataset($input: CreateDatasetInput!) {
  createDataset(input: $input) {
    dataset {
      id
      name
      rowCount
    }
  }
}
    `) as unknown as TypedDocumentString<CreateDatasetMutation, CreateDatasetMutationVariables>;
export const DeleteDatasetDocument = new TypedDocumentString(`
    mutation DeleteDataset($id: ID!) {
  deleteDataset(input: {id: $id}) {
    deletedId
  }
}
    `) as unknown as TypedDocumentString<DeleteDatasetMutation, DeleteDatasetMutationVariables>;
export const ModelsDocument = new TypedDocumentString(`
    query Models {
  models(first: 100) {
    nodes {
      id
      name
      modelType
      architecture
      parameterCount
      supportedTasks
      source
      createdAt
      tokenizer {
        type
        vocabSize
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ModelsQuery, ModelsQueryVariables>;
export const ModelDocument = new TypedDocumentString(`
    query Model($id: ID!) {
  model(id: $id) {
    id
    name
    modelType
    architecture
    parameterCount
    supportedTasks
    source
    createdAt
    config
    tokenizer {
      type
      vocabSize
    }
  }
}
    `) as unknown as TypedDocumentString<ModelQuery, ModelQueryVariables>;
export const ImportModelFromUploadDocument = new TypedDocumentString(`
    mutation ImportModelFromUpload($uploadId: ID!, $name: String!) {
  importModelFromUpload(input: {uploadId: $uploadId, name: $name}) {
    model {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ImportModelFromUploadMutation, ImportModelFromUploadMutationVariables>;
export const ImportModelFromDirectoryDocument = new TypedDocumentString(`
    mutation ImportModelFromDirectory($path: String!, $name: String!) {
  importModelFromDirectory(input: {path: $path, name: $name}) {
    model {
      id
      name
    }
  }
}
    `) as unknown as TypedDocumentString<ImportModelFromDirectoryMutation, ImportModelFromDirectoryMutationVariables>;
export const DeleteModelDocument = new TypedDocumentString(`
    mutation DeleteModel($id: ID!) {
  deleteModel(input: {id: $id}) {
    deletedId
  }
}
    `) as unknown as TypedDocumentString<DeleteModelMutation, DeleteModelMutationVariables>;
export const StrategiesDocument = new TypedDocumentString(`
    query Strategies {
  strategies(first: 100) {
    nodes {
      ...StrategyFields
    }
  }
}
    fragment StrategyFields on Strategy {
  id
  name
  description
  version
  source
  tasks
  architectures
  defaults
  configSchema
}`) as unknown as TypedDocumentString<StrategiesQuery, StrategiesQueryVariables>;
export const ApiTokensDocument = new TypedDocumentString(`
    query ApiTokens {
  apiTokens(first: 100) {
    nodes {
      id
      name
      prefix
      scopes
      createdAt
      lastUsedAt
      revokedAt
    }
  }
}
    `) as unknown as TypedDocumentString<ApiTokensQuery, ApiTokensQueryVariables>;
export const CreateApiTokenDocument = new TypedDocumentString(`
    mutation CreateApiToken($name: String!, $scopes: [TokenScope!]!) {
  createApiToken(input: {name: $name, scopes: $scopes}) {
    secret
    token {
      id
      name
      prefix
      scopes
      createdAt
    }
  }
}
    `) as unknown as TypedDocumentString<CreateApiTokenMutation, CreateApiTokenMutationVariables>;
export const RevokeApiTokenDocument = new TypedDocumentString(`
    mutation RevokeApiToken($id: ID!) {
  revokeApiToken(input: {id: $id}) {
    token {
      id
      revokedAt
    }
  }
}
    `) as unknown as TypedDocumentString<RevokeApiTokenMutation, RevokeApiTokenMutationVariables>;
export const SweepsDocument = new TypedDocumentString(`
    query Sweeps($first: Int!, $after: String) {
  sweeps(first: $first, after: $after) {
    totalCount
    pageInfo {
      endCursor
      hasNextPage
    }
    nodes {
      ...SweepFields
      trials(first: 100) {
        totalCount
        nodes {
          number
          state
          objective
        }
      }
    }
  }
}
    fragment SweepFields on Sweep {
  id
  name
  status
  algorithm
  metric
  greaterIsBetter
  maxTrials
  parallelism
  seed
  createdAt
  finishedAt
  error {
    code
    message
  }
  earlyStopping {
    rule
    warmupEvaluations
    minTrials
  }
  parameters {
    name
    values
    min
    max
    log
    integer
  }
  model {
    id
    name
  }
  dataset {
    id
    name
  }
  bestRun {
    id
    name
  }
}`) as unknown as TypedDocumentString<SweepsQuery, SweepsQueryVariables>;
export const SweepDocument = new TypedDocumentString(`
    query Sweep($id: ID!) {
  sweep(id: $id) {
    ...SweepFields
    base
    trials(first: 100) {
      totalCount
      nodes {
        number
        params
        state
        objective
        bestSoFar
        promoted
        run {
          id
          name
          status
          lastSeq
          progress {
            step
            totalSteps
            epoch
            fraction
            etaSeconds
          }
          error {
            code
            message
          }
        }
      }
    }
  }
}
    fragment SweepFields on Sweep {
  id
  name
  status
  algorithm
  metric
  greaterIsBetter
  maxTrials
  parallelism
  seed
  createdAt
  finishedAt
  error {
    code
    message
  }
  earlyStopping {
    rule
    warmupEvaluations
    minTrials
  }
  parameters {
    name
    values
    min
    max
    log
    integer
  }
  model {
    id
    name
  }
  dataset {
    id
    name
  }
  bestRun {
    id
    name
  }
}`) as unknown as TypedDocumentString<SweepQuery, SweepQueryVariables>;
export const SweepChangedDocument = new TypedDocumentString(`
    subscription SweepChanged($sweepId: ID!) {
  sweepChanged(sweepId: $sweepId) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<SweepChangedSubscription, SweepChangedSubscriptionVariables>;
export const CancelSweepDocument = new TypedDocumentString(`
    mutation CancelSweep($input: CancelSweepInput!) {
  cancelSweep(input: $input) {
    sweep {
      id
      status
    }
  }
}
    `) as unknown as TypedDocumentString<CancelSweepMutation, CancelSweepMutationVariables>;
export const CreateSweepDocument = new TypedDocumentString(`
    mutation CreateSweep($input: CreateSweepInput!) {
  createSweep(input: $input) {
    sweep {
      id
      status
    }
  }
}
    `) as unknown as TypedDocumentString<CreateSweepMutation, CreateSweepMutationVariables>;