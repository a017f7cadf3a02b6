// What a run needs in memory, from shapes only (no weight is allocated to estimate it), against what a run
// may use: the bound createRun refuses on before queueing, and preflight reports.

import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import {
  type AppliedStrategy,
  applyStrategy,
  isStrategyError,
  layerCount,
  layerIndex,
  type Strategy,
  StrategyError,
} from '@tuneql/adapters';
import { instantiate, type PretrainedModel, type RawConfig, type Task } from '@tuneql/engine';
import type { RunSpec } from './run-spec.ts';

// The figures below were fitted to runs' own peaks (executeRun's peakMemoryBytes, bench/run-memory.bench.ts)
// of all five strategies on BERTs of 4 layers x 256 and x 512 at batch 32 x 128 and 8 x 32: every
// estimate came within 17% of the measured peak, which moves by up to a fifth between runs (decisions 0026, 0031).

/** What a run adds besides its model and data: the step worker, onnxruntime and its sessions' own buffers. */
const RUN_OVERHEAD_BYTES = 160 * 2 ** 20;
/**
 * Copies of the trainable parameters' size a run holds besides their values and AdamW moments: the gradients,
 * and what the update and the host hold beside them at the peak (the update's temporaries, a checkpoint's
 * copy of the parameters and moments, the best weights so far). Fitted: 7.
 */
const TRAINABLE_COPIES = 7;
/** onnxruntime's allocations for the forward and backward passes come to about this much more than the tensors the estimate counts. */
const ACTIVATION_OVERHEAD = 1.1;
/**
 * Copies of the frozen weights held while a session is built, besides the ones it keeps: the model's bytes on
 * both sides of the step worker, onnxruntime's parsed model and its packed GEMM weights, not all at once, and
 * how many at once depends on when the garbage collector runs. Fitted: 1 (decision 0031: LoRA's peak on a
 * 4 x 512 BERT moved between 419 and 553 MiB from one run to the next, bottleneck adapters' between 392 and 488).
 */
const SESSION_BUILD_COPIES = 1;

/**
 * With gradient checkpointing, the layers' worth of activations live while the backward pass recomputes one
 * layer and differentiates it: the recomputed activations and their gradients. Fitted: 3 on a 4 x 256 BERT at
 * batch 8 x 512 (decision 0031; 2 in decision 0028, before a layer kept less).
 */
const RECOMPUTED_LAYER_COPIES = 3;

/** Bytes, by what holds them, on the CPU runtime. */
export interface MemoryEstimate {
  /** What a run adds besides its model and data: the step worker, onnxruntime, its sessions (a constant, 160 MiB). */
  runtime: number;
  /** The model's parameters in the host process (the trainer's copy: the frozen ones throughout, the trainable ones when read back for checkpoints and the export). */
  weights: number;
  /** Frozen parameters, embedded as initializers in every training session (one per length bucket), and one copy the evaluation sessions share. */
  frozenInSessions: number;
  /** Trainable parameters and their two AdamW moments, held once by the runtime and updated in place, plus gradient sums when accumulating. */
  trainableState: number;
  /** The trainable parameters' gradients during a step, and the other copies of their size a run holds at its peak (TRAINABLE_COPIES). */
  gradients: number;
  /**
   * What the backward pass keeps from the forward one, at the longest bucket: batch x length x hidden x layers,
   * attention scores, and vocabulary logits for language modelling; with gradient checkpointing, each layer's
   * input and one layer's activations.
   */
  activations: number;
  /**
   * While the sessions are built, before the first step: the copies of the frozen weights that building one
   * holds for a while (SESSION_BUILD_COPIES). Not at the same time as `gradients` and `activations`: the
   * peak is the larger of the two (totalBytes).
   */
  sessionBuild: number;
}

export interface ModelShape {
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
export function modelShape(model: PretrainedModel): ModelShape {
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

/**
 * How the run's batches fall: the longest padded length, and the copies of the frozen weights onnxruntime
 * sessions hold: one per training length bucket, and one that every evaluation session shares.
 */
export interface BatchLayout {
  longest: number;
  sessions: number;
}

/** The estimate for a model (a strategy applied) under the run's settings and batch layout. */
export function estimateMemory(model: PretrainedModel, training: RunSpec['training'], layout: BatchLayout): MemoryEstimate {
  const shape = modelShape(model);
  const total = model.params.count();
  const trainable = model.params.count('trainable');
  const frozen = total - trainable;
  // Parameter and two moments, and gradient sums when accumulating, one buffer each.
  const trainableState = trainable * 4 * (3 + (training.gradient_accumulation > 1 ? 1 : 0));
  const tokens = training.batch_size * layout.longest;
  // Per token and layer: x, q, k, v, context, the norms' inputs and outputs, the heads' transposed copies and
  // the dropout masks (one byte an element) come to ~9 x hidden; the feed-forward's input and output of its
  // activation, 2 x intermediate; and per head, the attention probabilities and their dropout mask, with the
  // backward pass's temporaries at the peak, ~1.75 x length. Not kept: the scores (softmax's gradient needs its
  // output alone), the dropped probabilities (recomputed), GELU's erf (its gradient recomputes it): decision 0031.
  const perLayer = 9 * shape.hidden + 2 * shape.intermediate + 1.75 * shape.heads * layout.longest;
  // Layers below the lowest trained one keep nothing; one layer's worth is live while it runs.
  const kept = Math.max(1, shape.backpropLayers);
  // With gradient checkpointing a layer keeps its input alone (hidden per token), and while the backward pass
  // recomputes a layer, its activations and their gradients are live: RECOMPUTED_LAYER_COPIES layers' worth.
  const layers = training.gradient_checkpointing ? kept * shape.hidden + RECOMPUTED_LAYER_COPIES * perLayer : perLayer * kept;
  let activations = tokens * (layers + 3 * shape.hidden);
  if (model.task === 'masked-lm' || model.task === 'causal-lm') activations += tokens * shape.vocab * 3; // logits, softmax, their gradient
  return {
    runtime: RUN_OVERHEAD_BYTES,
    weights: total * 4,
    frozenInSessions: frozen * 4 * layout.sessions,
    trainableState,
    gradients: trainable * 4 * TRAINABLE_COPIES,
    activations: Math.round(activations * 4 * ACTIVATION_OVERHEAD),
    sessionBuild: frozen * 4 * SESSION_BUILD_COPIES,
  };
}

/** The estimated peak: what the run holds throughout, and the larger of what a step and building a session add. */
export const totalBytes = (memory: MemoryEstimate): number =>
  memory.runtime +
  memory.weights +
  memory.frozenInSessions +
  memory.trainableState +
  Math.max(memory.gradients + memory.activations, memory.sessionBuild);

/** The memory a run may use, and where that figure comes from (for messages). */
export interface MemoryLimit {
  bytes: number;
  source: string;
}

/** cgroup v2's memory.max, else v1's limit_in_bytes; undefined when neither sets a limit. */
function cgroupLimit(): number | undefined {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    if (!existsSync(file)) continue;
    const n = Number(readFileSync(file, 'utf8').trim());
    // 'max' (v2) or a page-rounded 2^63 (v1) mean no limit.
    if (Number.isFinite(n) && n > 0 && n < 2 ** 60) return n;
  }
  return undefined;
}

/**
 * What a run may use: the configured figure (what the workers have, when they run elsewhere), else this
 * machine's memory, or its cgroup's limit when lower. Total, not free, memory: a queued run starts later,
 * when what is free now says little, and a run that cannot fit in all of it can never start.
 */
export function runMemoryLimit(configured?: number): MemoryLimit {
  if (configured !== undefined) return { bytes: configured, source: 'TUNEQL_RUN_MEMORY_BYTES' };
  const machine = totalmem();
  const cgroup = cgroupLimit();
  if (cgroup !== undefined && cgroup < machine) return { bytes: cgroup, source: "this container's memory limit" };
  return { bytes: machine, source: "this machine's memory" };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** The model of a run from its config alone, the strategy applied, with shapes but no weights (ParameterSet.shapesOnly). */
export async function shapesOnlyModel(
  config: RawConfig,
  run: { task: Task; numLabels?: number; seed: number },
  strategy: Strategy,
  strategyConfig: unknown,
): Promise<{ model: PretrainedModel; applied: AppliedStrategy }> {
  const model = instantiate(config, { task: run.task, numLabels: run.numLabels, seed: run.seed, shapesOnly: true });
  const applied = await applyStrategy(strategy, model, strategyConfig);
  return { model, applied };
}

/** The most a run can need: every example as long as data.max_length, the training split in max_buckets buckets. */
export function worstLayout(spec: Pick<RunSpec, 'data' | 'training'>, splits: { validation: boolean; test: boolean }): BatchLayout {
  return { longest: spec.data.max_length, sessions: spec.training.max_buckets + Number(splits.validation || splits.test) };
}

/** What the user can lower, by the part of the estimate that dominates (`checkpointing`: the run recomputes activations already). */
function remedy(memory: MemoryEstimate, checkpointing: boolean): string {
  const parts = Object.entries(memory).sort((a, b) => b[1] - a[1]);
  switch (parts[0]?.[0]) {
    case 'activations':
      return checkpointing
        ? 'lower training.batch_size or data.max_length'
        : 'lower training.batch_size or data.max_length, or set training.gradient_checkpointing';
    case 'frozenInSessions':
      return 'lower training.max_buckets (each training length bucket holds a copy of the frozen weights)';
    case 'trainableState':
    case 'gradients':
      return 'train fewer parameters (strategy lora or partial)';
    default:
      return 'choose a smaller model, or run it where more memory is available (TUNEQL_RUN_MEMORY_BYTES says how much a run may use)';
  }
}

/** A run whose estimate exceeds what a run may use. */
export class RunTooLargeError extends Error {
  override name = 'RunTooLargeError';
  readonly estimateBytes: number;
  readonly limitBytes: number;
  readonly memory: MemoryEstimate;

  constructor(memory: MemoryEstimate, limit: MemoryLimit, shape: { batch: number; length: number; checkpointing: boolean }) {
    const estimate = totalBytes(memory);
    super(
      `the run needs about ${formatBytes(estimate)} (with batches of ${shape.batch} x ${shape.length} tokens: activations ${formatBytes(memory.activations)}, weights ${formatBytes(memory.weights + memory.frozenInSessions)}, trainable state ${formatBytes(memory.trainableState + memory.gradients)}), more than the ${formatBytes(limit.bytes)} a run may use (${limit.source}); ${remedy(memory, shape.checkpointing)}`,
    );
    this.estimateBytes = estimate;
    this.limitBytes = limit.bytes;
    this.memory = memory;
  }
}

export interface MemoryCheck {
  /** The run's model, shapes only, with its strategy applied. */
  model: PretrainedModel;
  memory: MemoryEstimate;
}

/** Whether `err` says that a hook asked for an allocation JavaScript cannot make (a typed array past its limit). */
function isAllocationFailure(err: unknown): boolean {
  return isStrategyError(err, 'STRATEGY_HOOK_FAILED') && err.cause instanceof RangeError;
}

/**
 * Checks a run's worst-case memory against `limit` from shapes alone. When the strategy's config is what
 * makes the run too large (an option that multiplies its parameters, a plugin's included), the refusal is
 * the user's config (STRATEGY_CONFIG_INVALID naming the option, found by putting each given option back to
 * its default), not the plugin's failure; otherwise RunTooLargeError says what to lower.
 */
export async function checkRunMemory(
  run: {
    spec: Pick<RunSpec, 'task' | 'data' | 'training' | 'seed' | 'strategy'>;
    modelConfig: RawConfig;
    numLabels?: number;
    splits: { validation: boolean; test: boolean };
  },
  strategy: Strategy,
  limit: MemoryLimit,
): Promise<MemoryCheck> {
  const { spec } = run;
  const layout = worstLayout(spec, run.splits);
  const estimateWith = async (config: unknown): Promise<{ model: PretrainedModel; memory: MemoryEstimate }> => {
    const { model } = await shapesOnlyModel(
      run.modelConfig,
      { task: spec.task, numLabels: run.numLabels, seed: spec.seed },
      strategy,
      config,
    );
    return { model, memory: estimateMemory(model, spec.training, layout) };
  };
  let result: { model: PretrainedModel; memory: MemoryEstimate } | undefined;
  try {
    result = await estimateWith(spec.strategy.config);
  } catch (err) {
    if (!isAllocationFailure(err)) throw err;
  }
  if (result && totalBytes(result.memory) <= limit.bytes) return result;
  const blamed = await optionAtFault(spec.strategy.config, async (config) => {
    try {
      return totalBytes((await estimateWith(config)).memory) <= limit.bytes;
    } catch {
      return false;
    }
  });
  if (blamed !== undefined) {
    const value = JSON.stringify(spec.strategy.config[blamed]);
    const need = result
      ? `makes the run need about ${formatBytes(totalBytes(result.memory))}`
      : 'asks for more memory than can be allocated';
    throw new StrategyError(
      'STRATEGY_CONFIG_INVALID',
      `strategy '${strategy.id}': config.${blamed} ${value} ${need}, more than the ${formatBytes(limit.bytes)} a run may use (${limit.source}); at its default the run fits: lower config.${blamed}`,
      { plugin: strategy.id, path: blamed },
    );
  }
  if (!result) {
    throw new StrategyError(
      'STRATEGY_CONFIG_INVALID',
      `strategy '${strategy.id}': its config asks for more memory than can be allocated; lower its size options`,
      { plugin: strategy.id },
    );
  }
  throw new RunTooLargeError(result.memory, limit, {
    batch: spec.training.batch_size,
    length: layout.longest,
    checkpointing: spec.training.gradient_checkpointing,
  });
}

/** The one option given in `config` that, put back to its default, makes `fits` hold; undefined when none does. */
async function optionAtFault(
  config: Record<string, unknown>,
  fits: (config: Record<string, unknown>) => Promise<boolean>,
): Promise<string | undefined> {
  for (const key of Object.keys(config)) {
    const { [key]: _dropped, ...rest } = config;
    if (await fits(rest)) return key;
  }
  return undefined;
}
