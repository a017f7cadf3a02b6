// What a run will cost before it is queued: parameters that train, memory, steps and time per epoch,
// and warnings. It prepares the run exactly as executeRun does (strategy, data, model), so a run it
// accepts starts and a run it refuses fails with the same error, without training a step.

import { availableParallelism, totalmem } from 'node:os';
import { layerCount, layerIndex, type StrategyRegistry } from '@tuneql/adapters';
import { assignBuckets, chooseBuckets, type DataThreads, type Example, type OnDataProgress, type PretrainedModel } from '@tuneql/engine';
import { type DatasetCache, type PreparedRun, prepareRun } from './prepare-run.ts';
import type { RunSpec } from './run-spec.ts';
import { gemmThroughput } from './throughput.ts';

export interface PreflightOptions {
  /** Where the strategy id is looked up. @default createRegistry() (the built-in strategies) */
  registry?: StrategyRegistry;
  /** Keeps tokenized datasets between estimates (a server answering a form as it changes). */
  datasets?: DatasetCache;
  /** Where the dataset is read and tokenized. @default the process's shared DataThreads */
  data?: DataThreads;
  /** How reading and tokenizing the dataset goes. */
  onDataProgress?: OnDataProgress;
}

/** Node.js, onnxruntime and the step worker before any model: about 250 MB of resident memory, measured. */
const RUNTIME_BYTES = 256 * 2 ** 20;

/** Bytes, by what holds them, on the CPU runtime. */
export interface MemoryEstimate {
  /** The process itself: Node.js, onnxruntime, the step worker (a constant, 256 MiB). */
  runtime: number;
  /** The model's parameters in the host process (the trainer's copy). */
  weights: number;
  /** Frozen parameters, embedded as initializers in every onnxruntime session (one per length bucket for training, validation and test). */
  frozenInSessions: number;
  /** Trainable parameters and their two AdamW moments, each double-buffered by the runtime (read one buffer, write the other), plus gradient sums when accumulating. */
  trainableState: number;
  /** The trainable parameters' gradients during a step. */
  gradients: number;
  /** What the backward pass keeps from the forward one, at the longest bucket: batch x length x hidden x layers, attention scores, and vocabulary logits for language modelling. */
  activations: number;
}

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
  const prepared = await prepareRun(spec, options);
  const { model, plan } = prepared;
  const shape = modelShape(model);
  const memory = estimateMemory(prepared, shape);
  const memoryBytes = Object.values(memory).reduce((a, b) => a + b, 0);

  // Seconds = FLOPs / (GEMM FLOP/s at the model's feed-forward shape x STEP_EFFICIENCY).
  const t = spec.training;
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
    warnings: warnings(prepared, memoryBytes),
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

interface ModelShape {
  hidden: number;
  intermediate: number;
  heads: number;
  layers: number;
  vocab: number;
  /** Layers the gradient flows through: from the lowest one holding a trainable parameter up. */
  backpropLayers: number;
  lowestTrained: number;
}

/** The figures the estimates need, from config.json under each family's names and from the parameters. */
function modelShape(model: PretrainedModel): ModelShape {
  const raw = model.config.raw;
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof raw[k] === 'number') return raw[k] as number;
    return undefined;
  };
  const hidden = num('hidden_size', 'n_embd', 'dim') ?? 768;
  const layers = layerCount(model);
  const base = `${model.arch.baseModel(model.task)}.`;
  let lowest = layers;
  for (const name of model.params.trainableNames) {
    if (!name.startsWith(base)) continue; // the task head
    const i = layerIndex(name);
    // A trainable embedding takes the gradient all the way down; the pooler or a final norm sit on top.
    if (i !== undefined) lowest = Math.min(lowest, i);
    else if (/embed|(^|\.)(wte|wpe)\./.test(name)) lowest = 0;
  }
  return {
    hidden,
    intermediate: num('intermediate_size', 'n_inner', 'hidden_dim') ?? 4 * hidden,
    heads: num('num_attention_heads', 'n_head', 'n_heads') ?? Math.max(1, Math.round(hidden / 64)),
    layers,
    vocab: num('vocab_size') ?? 0,
    backpropLayers: layers - lowest,
    lowestTrained: lowest,
  };
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
    const n = p.data.length;
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

function sessionsFor(examples: readonly Example[], maxBuckets: number): number {
  if (!examples.length) return 0;
  return chooseBuckets(
    examples.map((e) => e.inputIds.length),
    maxBuckets,
  ).length;
}

function estimateMemory(prepared: PreparedRun, shape: ModelShape): MemoryEstimate {
  const { model, plan, spec, dataset } = prepared;
  const t = spec.training;
  const total = model.params.count();
  const trainable = model.params.count('trainable');
  const frozen = total - trainable;
  const sessions = plan.bucketLengths.length + sessionsFor(dataset.validation, t.max_buckets) + sessionsFor(dataset.test, t.max_buckets);
  // Parameter and two moments, two buffers each; gradient sums (two buffers) when accumulating.
  const trainableState = trainable * 4 * (3 * 2 + (t.gradient_accumulation > 1 ? 2 : 0));
  const longest = Math.max(...plan.bucketLengths);
  const tokens = t.batch_size * longest;
  // Per token and layer: x, q, k, v, context, attention output, norms, residuals, dropout masks (~14 x
  // hidden), the feed-forward's intermediate tensors (~3), and scores, probabilities and dropped
  // probabilities per head. Against peak RSS on austen-bert-mini (batch 64, length 128), the
  // estimate came within 10% for full fine-tuning and LoRA.
  const perLayer = 14 * shape.hidden + 3 * shape.intermediate + 3 * shape.heads * longest;
  // Layers below the lowest trained one keep nothing; one layer's worth is live while it runs.
  const kept = Math.max(1, shape.backpropLayers);
  let activations = tokens * (perLayer * kept + 3 * shape.hidden);
  if (model.task === 'masked-lm' || model.task === 'causal-lm') activations += tokens * shape.vocab * 3; // logits, softmax, their gradient
  return {
    runtime: RUNTIME_BYTES,
    weights: total * 4,
    frozenInSessions: frozen * 4 * sessions,
    trainableState,
    gradients: trainable * 4,
    activations: activations * 4,
  };
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function warnings(prepared: PreparedRun, memoryBytes: number): string[] {
  const { spec, dataset, applied, plan } = prepared;
  const t = spec.training;
  const out: string[] = [];
  if (spec.device !== 'cpu') out.push(`the time estimate is measured on the CPU; on ${spec.device} it can differ widely`);
  const machine = totalmem();
  if (memoryBytes > 0.8 * machine) {
    out.push(
      `the run needs about ${gib(memoryBytes)}, more than 80% of this machine's ${gib(machine)}; lower training.batch_size or data.max_length, or train fewer parameters (strategy lora)`,
    );
  }
  const usual = applied.strategy.defaults.learningRate;
  if (t.learning_rate > 10 * usual || t.learning_rate < usual / 10) {
    out.push(`strategy '${applied.strategy.id}' usually trains near learning_rate ${usual}; this run uses ${t.learning_rate}`);
  }
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
