// The learning-rate range test (Smith 2015, as fastai's lr_find and Lightning's Tuner.lr_find run it): a
// short sweep of exponentially rising rates, one optimizer step each, the smoothed loss recorded, and a
// rate picked from the curve. It trains a throwaway copy of the weights: the model's own never change.

import { modelBuilder, type PretrainedModel } from '../models/pretrained.ts';
import { DROPOUT_SEED } from '../nn/layers.ts';
import { adamw } from '../optim/optimizers.ts';
import { NonFiniteLossError } from '../runtime/protocol.ts';
import { dropoutSeed, type LoadedProgram, Runtime } from '../runtime/runtime.ts';
import { compileTrainStep } from '../step/compile.ts';
import { collate, type Example, epochBatches, lengthBuckets } from './batching.ts';
import { DEFAULT_TRAINER_CONFIG, labelKind, type TrainerConfig } from './trainer.ts';

/** The sweep's bounds and length; fastai sweeps 1e-7 to 10 in 100 steps, Lightning 1e-8 to 1 in 100. */
export const LR_FINDER_DEFAULTS = { minLr: 1e-7, maxLr: 1, steps: 100 } as const;
/** Fewer steps leave too few points per decade for a slope to stand out of single batches' noise. */
export const LR_FINDER_MIN_STEPS = 20;

/** The sweep stops once the smoothed loss passes this multiple of its lowest value (fastai's stop_div). */
const DIVERGED = 4;
/** Weight of the past in the loss's exponential moving average (fastai's and Lightning's 0.98). */
const SMOOTHING = 0.98;

export interface LrFinderOptions {
  model: PretrainedModel;
  train: readonly Example[];
  /** Batch size, seed, weight decay, clipping, label smoothing, buckets, provider and threads as the run has them. */
  config?: Partial<TrainerConfig>;
  /** @default 1e-7 */
  minLr?: number;
  /** @default 1 */
  maxLr?: number;
  /** Optimizer steps of the sweep. @default 100 */
  steps?: number;
}

export interface LrFinderResult {
  /** The rate a run uses: the steepest descent (see suggestLearningRate). */
  suggested: number;
  /**
   * Whether the loss fell at all after the sweep's first tenth (its lowest point lies at least two steps in).
   * When it did not, `suggested` means nothing, and a run keeps the rate it was given (the strategy's).
   */
  descent: boolean;
  /** The rate of the lowest smoothed loss, divided by ten (fastai's 'minimum'). */
  minimumOverTen: number;
  /** Each step's rate, loss and smoothed loss, up to where the sweep stopped. */
  rates: number[];
  losses: number[];
  smoothed: number[];
  /** Why the sweep ended before its last step: the loss diverged or became NaN. */
  stoppedEarly?: string;
}

/**
 * Runs the range test on a copy of the model's trainable weights (in a runtime of its own, closed at the
 * end), so the model comes back exactly as it was. One micro-batch per step, no gradient accumulation and
 * no warm-up: the sweep is the schedule.
 */
export async function findLearningRate(options: LrFinderOptions): Promise<LrFinderResult> {
  const cfg: TrainerConfig = { ...DEFAULT_TRAINER_CONFIG, ...options.config };
  const minLr = options.minLr ?? LR_FINDER_DEFAULTS.minLr;
  const maxLr = options.maxLr ?? LR_FINDER_DEFAULTS.maxLr;
  const steps = options.steps ?? LR_FINDER_DEFAULTS.steps;
  if (!(minLr > 0 && maxLr > minLr && steps >= LR_FINDER_MIN_STEPS)) {
    throw new Error(`the range test needs 0 < minLr < maxLr and at least ${LR_FINDER_MIN_STEPS} steps (got ${minLr}, ${maxLr}, ${steps})`);
  }
  const { model } = options;
  const task = model.task;
  if (model.task === 'masked-lm') throw new Error('the range test does not run masked-LM pre-training; give a learning rate');
  if (options.train.length < cfg.batchSize) {
    throw new Error(`the training set has ${options.train.length} examples, fewer than one batch of ${cfg.batchSize}`);
  }
  const buckets = lengthBuckets(options.train, cfg.maxBuckets);
  const padTokenId = Number(model.config.raw.pad_token_id ?? 0);
  const rt = await Runtime.start({ provider: cfg.provider, threads: cfg.threads });
  const rates: number[] = [];
  const losses: number[] = [];
  const smoothed: number[] = [];
  let stoppedEarly: string | undefined;
  try {
    const programs: LoadedProgram[] = [];
    for (const b of buckets) {
      const program = compileTrainStep({
        params: model.params,
        optimizer: adamw({ weightDecay: cfg.weightDecay }),
        clipGradNorm: cfg.clipGradNorm ?? undefined,
        build: modelBuilder(model, { batch: cfg.batchSize, length: b.length, train: true, labelSmoothing: cfg.labelSmoothing }),
        gradientCheckpointing: cfg.gradientCheckpointing,
      });
      programs.push(await rt.load(program, model.params));
    }
    let average = 0;
    let lowest = Number.POSITIVE_INFINITY;
    let epoch = 0;
    let batches = epochBatches(buckets, cfg.batchSize, cfg.seed, epoch);
    let position = 0;
    for (let i = 0; i < steps; i++) {
      if (position >= batches.length) {
        batches = epochBatches(buckets, cfg.batchSize, cfg.seed, ++epoch);
        position = 0;
      }
      const batch = batches[position++] as (typeof batches)[number];
      const length = (buckets[batch.bucket] as (typeof buckets)[number]).length;
      const feeds = collate(options.train, batch.members, {
        batchSize: cfg.batchSize,
        length,
        padTokenId,
        tokenTypes: model.arch.tokenTypes,
        labels: labelKind(task),
      });
      feeds[DROPOUT_SEED] = BigInt64Array.of(BigInt(dropoutSeed(cfg.seed, i + 1)));
      // Geometric steps: the same number of steps per decade.
      const lr = minLr * (maxLr / minLr) ** (i / (steps - 1));
      const program = programs[batch.bucket] as LoadedProgram;
      program.step = i;
      let loss: number;
      try {
        loss = (await program.run(feeds, { lr })).loss;
      } catch (err) {
        if (!(err instanceof NonFiniteLossError)) throw err;
        stoppedEarly = `the loss became ${err.value} at rate ${lr.toPrecision(3)}`;
        break;
      }
      average = SMOOTHING * average + (1 - SMOOTHING) * loss;
      const value = average / (1 - SMOOTHING ** (i + 1));
      rates.push(lr);
      losses.push(loss);
      smoothed.push(value);
      lowest = Math.min(lowest, value);
      if (i > 0 && value > DIVERGED * lowest) {
        stoppedEarly = `the smoothed loss ${value.toPrecision(4)} passed ${DIVERGED}x its lowest (${lowest.toPrecision(4)}) at rate ${lr.toPrecision(3)}`;
        break;
      }
    }
  } finally {
    // The swept weights stay in the runtime and go with it; the model's parameters were never written.
    await rt.close();
  }
  if (rates.length < 5) throw new Error(`the range test stopped after ${rates.length} steps (${stoppedEarly}); give a learning rate`);
  return { ...suggestLearningRate(rates, smoothed), rates, losses, smoothed, ...(stoppedEarly ? { stoppedEarly } : {}) };
}

/**
 * Picks a rate from a sweep's smoothed losses by the steepest-descent rule (Lightning's suggestion, fastai's
 * 'steep'): the rate where the loss falls fastest over log-rate. The first tenth of the sweep, where the
 * moving average still settles, is left out, and so is everything past the lowest loss, where a diverging
 * tail can dip steeply between spikes. The rate of the lowest loss divided by ten (fastai's 'minimum') is
 * reported beside it, as the cautious choice.
 */
export function suggestLearningRate(
  rates: readonly number[],
  smoothed: readonly number[],
): Pick<LrFinderResult, 'suggested' | 'minimumOverTen' | 'descent'> {
  // The first tenth is left out of both searches: the moving average still follows single batches there,
  // and a lucky first batch would otherwise be the 'lowest loss' of a sweep that never went below it.
  const skip = Math.max(1, Math.floor(smoothed.length / 10));
  let min = skip;
  for (let i = skip + 1; i < smoothed.length; i++) if ((smoothed[i] as number) < (smoothed[min] as number)) min = i;
  const minimumOverTen = (rates[min] as number) / 10;
  // Slopes by central differences over the log-spaced points (numpy.gradient, as Lightning takes them).
  const end = Math.max(skip + 1, Math.min(min + 1, smoothed.length - 1));
  let steep = skip;
  let steepestSlope = Number.POSITIVE_INFINITY;
  for (let i = skip; i < end; i++) {
    const lo = Math.max(0, i - 1);
    const hi = Math.min(smoothed.length - 1, i + 1);
    const slope = ((smoothed[hi] as number) - (smoothed[lo] as number)) / (hi - lo);
    if (slope < steepestSlope) {
      steepestSlope = slope;
      steep = i;
    }
  }
  return { suggested: rates[steep] as number, minimumOverTen, descent: min >= skip + 2 };
}
