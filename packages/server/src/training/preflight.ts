// What a run will cost before it is queued: parameters that train, memory, steps and time per epoch,
// and warnings. It prepares the run exactly as executeRun does (strategy, data, model), so a run it
// accepts starts and a run it refuses fails with the same error, without training a step.

import { availableParallelism } from 'node:os';
import { layerIndex, type StrategyRegistry } from '@tuneql/adapters';
import {
  assignBuckets,
  chooseBuckets,
  type DataThreads,
  type Example,
  findLearningRate,
  type LrFinderResult,
  type OnDataProgress,
  type PretrainedModel,
} from '@tuneql/engine';
import { type DatasetCache, frozenMarkupWarning, type PreparedRun, prepareRun, trainerConfig } from './prepare-run.ts';
import {
  checkRunMemory,
  estimateMemory,
  formatBytes,
  type MemoryEstimate,
  type MemoryLimit,
  type ModelShape,
  modelShape,
  RunTooLargeError,
  runMemoryLimit,
  totalBytes,
} from './run-memory.ts';
import type { RunSpec } from './run-spec.ts';
import { gemmThroughput } from './throughput.ts';

export interface PreflightOptions {
  /** Where the strategy id is looked up. @default createRegistry() (the built-in strategies) */
  registry?: StrategyRegistry;
  /** Keeps tokenized datasets between estimates (a server answering a form as it changes). */
  datasets?: DatasetCache;
  /** What a run may use. @default runMemoryLimit() (this machine's memory) */
  memoryLimit?: MemoryLimit;
  /** Where the dataset is read and tokenized. @default the process's shared DataThreads */
  data?: DataThreads;
  /** How reading and tokenizing the dataset goes. */
  onDataProgress?: OnDataProgress;
}

export type { MemoryEstimate } from './run-memory.ts';

export interface PreflightEstimate {
  totalParameters: number;
  trainableParameters: number;
  /** Peak memory of training (estimate): the sum of `memory`. */
  memoryBytes: number;
  memory: MemoryEstimate;
  /** Optimizer steps per epoch (full batches / gradient accumulation, rounded; at least 1). */
  stepsPerEpoch: number;
  /** Optimizer steps of the whole run (epochs, or max_steps if sooner). */
  totalSteps: number;
  /** Training and evaluation of one epoch (estimate, for the CPU). */
  secondsPerEpoch: number;
  warnings: string[];
  /** What a run may use (see runMemoryLimit). */
  memoryLimitBytes: number;
  /** Why createRun would refuse the run (its worst case, every example at data.max_length, exceeds the limit); undefined when it fits. */
  error?: { code: 'RUN_TOO_LARGE'; message: string };
}

/**
 * The share of a GEMM's measured speed that a whole training step reaches: the step also runs
 * softmax, normalizations, GELU, dropout, the embedding gradient's scatter and AdamW, which move
 * memory more than they compute, and its GEMMs are smaller. Measured on austen-bert-mini (2 cores,
 * batch 16, length 96, median of steps 7-30, session 3): full 0.28-0.30, partial 0.31, LoRA 0.27 and
 * bottleneck 0.36 of the figure stepThroughput gives on the same machine, so estimates are good to
 * about a factor of 1.2 there (the epoch's estimate was 8.4 s of training; 8.0-8.7 s were measured).
 */
const STEP_EFFICIENCY = 0.3;

export async function preflight(spec: RunSpec, options: PreflightOptions = {}): Promise<PreflightEstimate> {
  // Shapes only: estimating allocates no weights, so a config too large to train is reported, not met.
  const prepared = await prepareRun(spec, {
    registry: options.registry,
    datasets: options.datasets,
    data: options.data,
    onDataProgress: options.onDataProgress,
    shapesOnly: true,
  });
  const { model, plan, dataset } = prepared;
  const shape = modelShape(model);
  const t = spec.training;
  const memory = estimateMemory(model, t, {
    longest: Math.max(...plan.bucketLengths),
    // The evaluation sessions share one copy of the frozen weights (slots).
    sessions: plan.bucketLengths.length + Number(dataset.validation.length > 0 || dataset.test.length > 0),
  });
  const memoryBytes = totalBytes(memory);
  const limit = options.memoryLimit ?? runMemoryLimit();
  // createRun's own check, so that preflight says what createRun would refuse: a strategy option at fault
  // throws (STRATEGY_CONFIG_INVALID) as there; a run too large is reported beside the estimate.
  let error: PreflightEstimate['error'];
  try {
    await checkRunMemory(
      {
        spec,
        modelConfig: model.config.raw,
        numLabels: prepared.labels?.length,
        splits: { validation: dataset.validation.length > 0, test: dataset.test.length > 0 },
      },
      prepared.applied.strategy,
      limit,
    );
  } catch (err) {
    if (!(err instanceof RunTooLargeError)) throw err;
    error = { code: 'RUN_TOO_LARGE', message: err.message };
  }

  // Seconds = FLOPs / (GEMM FLOP/s at the model's feed-forward shape x STEP_EFFICIENCY).
  const longest = Math.max(...plan.bucketLengths);
  const threads = spec.threads ?? availableParallelism();
  const speed = (await stepThroughput(t.batch_size * longest, shape.hidden, shape.intermediate, threads)) * STEP_EFFICIENCY;
  const flops = stepFlops(model, shape);
  let epochFlops = 0;
  for (const b of plan.buckets) epochFlops += b.batches * t.batch_size * b.length * flops.train(b.length);
  const validation = prepared.dataset.validation;
  if (validation.length) {
    const evals = 1 + (t.eval_every ? Math.floor(plan.stepsPerEpoch / t.eval_every) : 0);
    epochFlops += evals * evalFlops(validation, t.eval_batch_size ?? t.batch_size, t.max_buckets, flops.forward);
  }
  const secondsPerEpoch = epochFlops / speed;

  return {
    totalParameters: model.params.count(),
    trainableParameters: model.params.count('trainable'),
    memoryBytes,
    memory,
    stepsPerEpoch: plan.stepsPerEpoch,
    totalSteps: plan.totalSteps,
    secondsPerEpoch,
    warnings: warnings(prepared, memoryBytes, limit),
    memoryLimitBytes: limit.bytes,
    error,
  };
}

/**
 * GEMM FLOP/s at a feed-forward layer's three products in a step, (tokens, hidden) x (hidden,
 * intermediate) forward, its input gradient and its weight gradient, combined as one step spends
 * its time (equal FLOPs each: the harmonic mean).
 */
async function stepThroughput(tokens: number, hidden: number, intermediate: number, threads: number): Promise<number> {
  const speeds = [
    await gemmThroughput(tokens, hidden, intermediate, threads),
    await gemmThroughput(tokens, intermediate, hidden, threads),
    await gemmThroughput(hidden, tokens, intermediate, threads),
  ];
  return speeds.length / speeds.reduce((a, s) => a + 1 / s, 0);
}

const EMBEDDING_TABLE = /(^|\.)(word_embeddings|position_embeddings|token_type_embeddings|wte|wpe|embed_tokens)\./;

/**
 * FLOPs per token: forward 2 x (weight-matrix parameters) + attention (4 x length x hidden per
 * layer); backward the input gradients through the layers above the lowest trained one (as much
 * again, attention twice) and 2 x the trained matrices' parameters for their weight gradients. Full
 * fine-tuning comes to the usual 6 x parameters. Embedding tables are lookups, not products.
 */
function stepFlops(model: PretrainedModel, shape: ModelShape): { forward: (length: number) => number; train: (length: number) => number } {
  let all = 0;
  let above = 0;
  let trained = 0;
  for (const name of model.params.names) {
    const p = model.params.get(name);
    if (p.shape.length !== 2 || EMBEDDING_TABLE.test(name)) continue;
    const n = p.shape.reduce((a, b) => a * b, 1);
    all += n;
    const layer = layerIndex(name);
    if (layer === undefined || layer >= shape.lowestTrained) above += n;
    if (p.trainable) trained += n;
  }
  const lm = model.task === 'masked-lm' || model.task === 'causal-lm' ? 2 * shape.vocab * shape.hidden : 0;
  const forward = (length: number) => 2 * all + 4 * shape.layers * length * shape.hidden + lm;
  const backward = (length: number) => 2 * above + 8 * shape.backpropLayers * length * shape.hidden + 2 * trained + 2 * lm;
  return { forward, train: (length) => forward(length) + backward(length) };
}

/** One evaluation pass: every example once, padded to its bucket, short batches filled up. */
function evalFlops(examples: readonly Example[], batch: number, maxBuckets: number, forward: (length: number) => number): number {
  const lengths = chooseBuckets(
    examples.map((e) => e.inputIds.length),
    maxBuckets,
  );
  let flops = 0;
  for (const b of assignBuckets(examples, lengths)) flops += Math.ceil(b.members.length / batch) * batch * b.length * forward(b.length);
  return flops;
}

function warnings(prepared: PreparedRun, memoryBytes: number, limit: MemoryLimit): string[] {
  const { spec, dataset, applied, plan } = prepared;
  const t = spec.training;
  const out: string[] = [];
  if (spec.device !== 'cpu') out.push(`the time estimate is measured on the CPU; on ${spec.device} it can differ widely`);
  if (memoryBytes > 0.8 * limit.bytes) {
    out.push(
      `the run needs about ${formatBytes(memoryBytes)}, more than 80% of the ${formatBytes(limit.bytes)} a run may use (${limit.source}); lower training.batch_size or data.max_length, or train fewer parameters (strategy lora)`,
    );
  }
  const usual = applied.strategy.defaults.learningRate;
  if (!t.find_learning_rate && (t.learning_rate > 10 * usual || t.learning_rate < usual / 10)) {
    out.push(`strategy '${applied.strategy.id}' usually trains near learning_rate ${usual}; this run uses ${t.learning_rate}`);
  }
  const frozen = frozenMarkupWarning(spec, prepared.model, dataset.stats, prepared.tokenizerFile);
  if (frozen) out.push(frozen);
  if (!dataset.validation.length) {
    out.push(
      `there is no validation data: no evaluation during training${t.early_stopping ? ', so early_stopping never triggers' : ''}, and the last weights are kept rather than the best`,
    );
  }
  const { stats } = dataset;
  if (stats.rows && stats.truncated / stats.rows > 0.25) {
    out.push(
      `${stats.truncated} of ${stats.rows} examples (${Math.round((100 * stats.truncated) / stats.rows)}%) are longer than data.max_length ${stats.maxLength} and are cut (the 95th percentile is ${Math.round(stats.tokens.p95)} tokens); raise data.max_length if the ends matter`,
    );
  }
  const used = plan.batchesPerEpoch * t.batch_size;
  const dropped = dataset.train.length - used;
  if (dropped > 0.1 * dataset.train.length) {
    out.push(
      `${dropped} of ${dataset.train.length} training examples fall outside full batches each epoch (incomplete batches per length bucket are dropped); lower training.batch_size or training.max_buckets`,
    );
  }
  const warned = dataset.issueKinds.reduce((n, k) => n + k.count, 0);
  if (warned) out.push(`${warned} rows have warnings (e.g. ${dataset.issues[0]?.message})`);
  return out;
}

/**
 * The learning-rate range test a run with find_learning_rate would run, on the run's model with its strategy
 * applied and its training split: for choosing a rate before queueing. The model is loaded with its weights
 * (unlike the estimate) and dropped afterwards; nothing is trained for real.
 */
export async function preflightLearningRate(
  spec: RunSpec,
  options: Omit<PreflightOptions, 'memoryLimit'> & { steps?: number } = {},
): Promise<LrFinderResult> {
  const prepared = await prepareRun(spec, {
    registry: options.registry,
    datasets: options.datasets,
    data: options.data,
    onDataProgress: options.onDataProgress,
  });
  return findLearningRate({ model: prepared.model, train: prepared.dataset.train, config: trainerConfig(spec), steps: options.steps });
}
