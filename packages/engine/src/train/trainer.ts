// The fine-tuning loop: bucketed batches, gradient accumulation, warm-up and decay, evaluation with
// the task's metrics, early stopping, the best weights kept and restored, checkpoints to resume
// from, cancellation, and one event stream for everything.

import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors.ts';
import { DROPOUT_HASH } from '../graph/ops.ts';
import { greaterIsBetter } from '../metrics/index.ts';
import type { Task } from '../models/config.ts';
import { modelBuilder, type PretrainedModel } from '../models/pretrained.ts';
import { DROPOUT_SEED } from '../nn/layers.ts';
import { adamw } from '../optim/optimizers.ts';
import { constantSchedule, cosineSchedule, type LrSchedule, linearSchedule } from '../optim/schedule.ts';
import { NonFiniteLossError } from '../runtime/protocol.ts';
import type { Provider } from '../runtime/providers.ts';
import { dropoutSeed, type LoadedProgram, Runtime } from '../runtime/runtime.ts';
import { compileAccumulatedStep, compileInference, compileTrainStep, type TrainStepSpec } from '../step/compile.ts';
import {
  type Bucket,
  type CollateOptions,
  collate,
  type Example,
  epochBatches,
  evalBatches,
  IGNORE_INDEX,
  lengthBuckets,
  type Remask,
} from './batching.ts';
import { loadLoopCheckpoint, type SlotValues, saveLoopCheckpoint } from './checkpoint.ts';
import { DivergenceWatch } from './divergence.ts';
import type { EventSink, TrainEvent, TrainEventType, WarningCode } from './events.ts';
import { findLearningRate } from './lr-finder.ts';
import { packExamples } from './packing.ts';
import { missingHead, type RetentionProbe, type RetentionSettings, type RetentionSource, startRetentionProbe } from './retention.ts';
import { type CamelKeys, camelKeys, DEFAULT_SEED, TRAINER_SETTINGS_DEFAULTS, type TrainerSettings } from './settings.ts';
import { metricProblem, metricsFor } from './task-metrics.ts';

/**
 * The trainer's configuration: the settings of TrainerSettingsSchema (settings.ts, where each one's bounds,
 * default and description live) under camelCase names, and what a caller adds in code.
 */
// `init` is the model's, read where it is loaded (LoadOptions.init), not the trainer's.
export interface TrainerConfig extends Omit<CamelKeys<TrainerSettings>, 'earlyStopping' | 'retention' | 'init'> {
  /**
   * Stop when the monitored value (`metric`, or the validation loss with monitor 'loss') has not improved by
   * more than `minDelta` (@default 0) for `patience` evaluations.
   */
  earlyStopping?: { patience: number; minDelta?: number; monitor?: 'metric' | 'loss' };
  /** Score the tuned backbone against the base model at every evaluation (needs TrainOptions.retention). */
  retention?: RetentionSettings;
  /** @default 42 (SeedSchema) */
  seed: number;
  /** Sequences are cut to this many tokens before batching. */
  maxLength?: number;
  /**
   * Masked LM: compute vocabulary logits only at this many masked positions per sequence (BERT's
   * max_predictions_per_seq), which saves most of the decoder's cost. @default every position
   */
  mlmPredictions?: number;
  /** Masked LM: fresh masks every epoch (dynamic masking), given the tokenizer's mask and special ids. */
  mlmDynamicMasking?: Omit<Remask, 'seed' | 'epoch'>;
  /** @default 'cpu' */
  provider: Provider;
  threads?: number;
}

export const DEFAULT_TRAINER_CONFIG: TrainerConfig = { ...camelKeys(TRAINER_SETTINGS_DEFAULTS), seed: DEFAULT_SEED, provider: 'cpu' };

/** What a model produced for one evaluation example. */
export interface ExampleOutputs {
  logits?: Float32Array;
  startLogits?: Float32Array;
  endLogits?: Float32Array;
}

/** Task metrics from the outputs for each example (in the order of the examples). */
export type MetricsFn = (examples: readonly Example[], outputs: readonly ExampleOutputs[]) => Record<string, number>;

export interface TrainerData {
  train: readonly Example[];
  validation?: readonly Example[];
  test?: readonly Example[];
}

export interface TrainOptions {
  model: PretrainedModel;
  data: TrainerData;
  config?: Partial<TrainerConfig>;
  /** Checkpoints go to `${outDir}/checkpoints`, the best weights to the runtime until the end. */
  outDir?: string;
  /** Continue from the newest checkpoint under outDir. */
  resume?: boolean;
  /** Aborting stops the run within one step; a checkpoint of the completed work is written. */
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Task metrics for evaluation; loss (and perplexity for language modelling) are always reported. */
  metrics?: MetricsFn;
  /**
   * The parameters that train in each epoch (0-based), a subset of the trainable ones: gradual
   * unfreezing. The others keep their exact values (and optimizer state) until their epoch comes.
   */
  trainableSchedule?: (epoch: number) => ReadonlySet<string>;
  /**
   * The base model with its pre-training head (and for masked LM the mask token), for the retention check that
   * config.retention turns on. Without it a config asking for retention is refused.
   */
  retention?: RetentionSource;
}

export interface TrainResult {
  status: 'finished' | 'early_stopped' | 'cancelled' | 'failed';
  steps: number;
  best?: { metric: string; value: number; step: number };
  validation?: Record<string, number>;
  test?: Record<string, number>;
  /** Why the run failed. */
  reason?: string;
  /** Number of events emitted, equal to the last seq. */
  events: number;
}

export function defaultMetric(task: Task): string {
  switch (task) {
    case 'sequence-classification':
      return 'accuracy';
    case 'regression':
      return 'mse';
    case 'token-classification':
      return 'entity_f1';
    case 'question-answering':
      return 'f1';
    default:
      return 'loss';
  }
}

/** What a batch's labels are for the task (classes, values, spans or tokens). */
export function labelKind(task: Task): CollateOptions['labels'] {
  switch (task) {
    case 'sequence-classification':
      return 'class';
    case 'regression':
      return 'value';
    case 'question-answering':
      return 'span';
    default:
      return 'tokens';
  }
}

/** Rows that fill a short evaluation batch carry labels the loss ignores. */
function ignoreFillers(feeds: Record<string, unknown>, real: number, batch: number, length: number): void {
  const labels = feeds.labels;
  if (labels instanceof BigInt64Array) {
    const per = labels.length / batch;
    labels.fill(BigInt(IGNORE_INDEX), real * per);
  }
  for (const key of ['start_positions', 'end_positions']) {
    const v = feeds[key];
    if (v instanceof BigInt64Array) v.fill(BigInt(length), real);
  }
}

/** How many label positions a batch's loss averages over (to combine batch means exactly). */
function lossWeight(task: Task, feeds: Record<string, unknown>, real: number, length: number): number {
  if (task === 'token-classification' || task === 'masked-lm' || task === 'causal-lm') {
    const labels = feeds.labels as BigInt64Array;
    let n = 0;
    for (let i = 0; i < labels.length; i++) {
      // Causal LM predicts position t + 1 from t: the first label of each row is never a target.
      if (task === 'causal-lm' && i % length === 0) continue;
      if (labels[i] !== BigInt(IGNORE_INDEX)) n++;
    }
    return n;
  }
  return real;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const cfg: TrainerConfig = { ...DEFAULT_TRAINER_CONFIG, ...options.config };
  const { model, data } = options;
  const task = model.task;
  const metric = cfg.metric ?? defaultMetric(task);
  // Checked before the first step: a name no evaluation reports would otherwise fail the run at its first evaluation.
  const metricError = options.metrics ? undefined : metricProblem(task, metric);
  if (metricError) throw new Error(metricError);
  const evalBatch = cfg.evalBatchSize ?? cfg.batchSize;
  const k = cfg.gradientAccumulation;
  if (cfg.packing && task !== 'causal-lm') throw new Error(`packing applies to causal-lm; this model's task is ${task}`);
  if (cfg.retention && !options.retention)
    throw new Error('the retention check needs the base model with its language-modelling head (TrainOptions.retention)');
  // Retention is measured at evaluations, which need a validation split: measuring nothing in silence would mislead.
  if (cfg.retention && !data.validation?.length)
    throw new Error('the retention check runs at evaluations, and this run has no validation split; give one, or unset retention');
  // Only training rows are packed: evaluation losses stay comparable with unpacked runs.
  const trainExamples = cfg.packing ? packExamples(data.train) : data.train;
  if (trainExamples.length < cfg.batchSize)
    throw new Error(
      `the training set has ${trainExamples.length} ${cfg.packing ? 'packed rows' : 'examples'}, fewer than one batch of ${cfg.batchSize}`,
    );

  const padTokenId = Number(model.config.raw.pad_token_id ?? 0);
  const predictions = task === 'masked-lm' ? cfg.mlmPredictions : undefined;
  const collateFor = (batchSize: number, length: number): CollateOptions => ({
    batchSize,
    length,
    padTokenId,
    tokenTypes: model.arch.tokenTypes,
    labels: predictions ? 'positions' : labelKind(task),
    predictions,
  });
  const trainBuckets = lengthBuckets(trainExamples, cfg.maxBuckets);
  const batchesPerEpoch = epochBatches(trainBuckets, cfg.batchSize, cfg.seed, 0).length;
  if (batchesPerEpoch === 0) throw new Error(`no length bucket holds a full batch of ${cfg.batchSize}; lower the batch size or maxBuckets`);
  const totalSteps = Math.min(cfg.maxSteps ?? Number.POSITIVE_INFINITY, Math.floor((batchesPerEpoch * cfg.epochs) / k));
  // The range test trains a throwaway copy of the weights from the same start; a resumed run repeats it
  // and, being deterministic (same weights, batches and seed), finds the same rate.
  let rateFound: string | undefined;
  if (cfg.findLearningRate) {
    const sweep = await findLearningRate({ model, train: data.train, config: cfg });
    const early = sweep.stoppedEarly ? `; the sweep stopped early: ${sweep.stoppedEarly}` : '';
    if (sweep.descent) {
      cfg.learningRate = sweep.suggested;
      rateFound = `learning rate ${sweep.suggested.toPrecision(3)} from a range test over ${sweep.rates.length} steps (the steepest fall of the loss; the lowest loss's rate / 10 is ${sweep.minimumOverTen.toPrecision(3)})${early}`;
    } else {
      // Nothing to read off the curve: the rate the caller gave (the strategy's suggestion) stands.
      rateFound = `learning rate ${cfg.learningRate.toPrecision(3)}: the range test over ${sweep.rates.length} steps found no fall of the loss, so the given rate stands${early}`;
    }
  }
  const warmup = cfg.warmupSteps ?? Math.ceil(cfg.warmupRatio * totalSteps);
  const schedule: LrSchedule =
    cfg.schedule === 'constant'
      ? constantSchedule(cfg.learningRate)
      : (cfg.schedule === 'cosine' ? cosineSchedule : linearSchedule)({ peak: cfg.learningRate, warmupSteps: warmup, totalSteps });
  const fingerprint = createHash('sha256')
    .update(
      JSON.stringify([
        model.arch.modelType,
        task,
        model.params.trainableNames,
        trainBuckets.map((b) => [b.length, b.members.length]),
        cfg.batchSize,
        k,
        cfg.seed,
        cfg.epochs,
        cfg.maxSteps ?? null,
      ]),
    )
    .digest('hex');

  // One training program per bucket, all sharing the runtime's slots.
  const spec = (length: number): TrainStepSpec => ({
    params: model.params,
    optimizer: adamw({ weightDecay: cfg.weightDecay }),
    clipGradNorm: cfg.clipGradNorm ?? undefined,
    build: modelBuilder(model, {
      batch: cfg.batchSize,
      length,
      train: true,
      labelSmoothing: cfg.labelSmoothing,
      predictions,
      packed: cfg.packing,
    }),
    gated: options.trainableSchedule !== undefined,
    precision: cfg.precision,
    gradientCheckpointing: cfg.gradientCheckpointing,
  });
  const rt = await Runtime.start({ provider: cfg.provider, threads: cfg.threads });
  let seq = 0;
  let step = 0;
  let micro = 0;
  let epoch = 0;
  let position = 0;
  let pendingLoss = 0;
  let best: TrainResult['best'];
  let sinceBest = 0;
  let stopBest: number | undefined;
  const monitor = cfg.earlyStopping?.monitor ?? 'metric';
  const monitored = monitor === 'loss' ? 'loss' : metric;
  let bestWeights: SlotValues | undefined;
  const emit = (type: TrainEventType, values: Record<string, number> = {}, message?: string, code?: WarningCode): void => {
    const event: TrainEvent = { seq: ++seq, type, step, epoch: epoch + position / batchesPerEpoch, time: new Date().toISOString(), values };
    if (message) event.message = message;
    if (code) event.code = code;
    options.onEvent?.(event);
  };
  // Warnings are events of their own (not checkpoint events), so the server keeps every one.
  const warn = (code: WarningCode, message: string): void => emit('warning', {}, message, code);
  let synced = false;

  try {
    const micros: LoadedProgram[] = [];
    let apply: LoadedProgram | undefined;
    // The trainable weights move to the runtime (one copy, updated in place); finish() reads them back.
    const move = { move: true };
    for (const b of trainBuckets) {
      if (k === 1) {
        micros.push(await rt.load(compileTrainStep(spec(b.length)), model.params, move));
      } else {
        const { accumulate, apply: applyProgram } = compileAccumulatedStep(spec(b.length), k);
        micros.push(await rt.load(accumulate, model.params, move));
        apply ??= await rt.load(applyProgram, model.params, move);
      }
    }
    const programs = [...micros, ...(apply ? [apply] : [])].map((p) => p.program);
    // Every program of the run counts each parameter's steps in one map (gradual unfreezing's bias corrections).
    const paramSteps = new Map<string, number>();
    for (const p of [...micros, ...(apply ? [apply] : [])]) p.paramSteps = paramSteps;
    // Float16: one loss scale for the run, whichever bucket's program takes the step.
    const lossScale = micros[0]?.lossScale;
    for (const p of micros) p.lossScale = lossScale;
    const slotNames = [...new Set(programs.flatMap((p) => p.slots.map((s) => s.slot)))];
    const slotShapes = new Map(programs.flatMap((p) => p.slots.map((s) => [s.slot, s.shape] as const)));
    const trainable = model.params.trainableNames;
    const readSlots = async (names: readonly string[]): Promise<SlotValues> => {
      const values = await rt.read(names);
      return Object.fromEntries(
        names.map((n) => [n, { shape: slotShapes.get(n) ?? model.params.get(n).shape, data: values[n] as Float32Array }]),
      );
    };

    const evaluator = await evaluationPrograms(rt, model, data.validation, evalBatch, cfg.maxBuckets, predictions);
    const tester = data.test ? await evaluationPrograms(rt, model, data.test, evalBatch, cfg.maxBuckets, predictions) : undefined;
    const runEval = (e: EvalSet) => evaluate(e, task, collateFor, options.metrics);
    // The base model is measured on the sample here, before a resume restores trained weights.
    const retentionSettings = cfg.retention ? { sampleSize: 64, threshold: 0.5, action: 'warn' as const, ...cfg.retention } : undefined;
    let retention: RetentionProbe | undefined;
    let headMissing: string | undefined;
    if (retentionSettings && options.retention && evaluator) {
      headMissing = missingHead(options.retention.base);
      retention = await startRetentionProbe(rt, model, options.retention, {
        sampleSize: retentionSettings.sampleSize,
        seed: cfg.seed,
        batchSize: evalBatch,
        maxBuckets: cfg.maxBuckets,
        texts: data.validation ?? data.train,
      });
    }

    const checkpointRoot = options.outDir ? join(options.outDir, 'checkpoints') : undefined;
    const bestFile = options.outDir ? join(options.outDir, 'checkpoints', 'best.safetensors') : undefined;
    const saveCheckpoint = async (): Promise<void> => {
      if (!checkpointRoot) return;
      const dir = await saveLoopCheckpoint(
        checkpointRoot,
        {
          step,
          micro,
          epoch,
          position,
          seq: seq + 1,
          best,
          sinceBest,
          ...(stopBest !== undefined ? { stopBest } : {}),
          pendingLoss,
          fingerprint,
          ...(options.trainableSchedule ? { paramSteps: Object.fromEntries(paramSteps) } : {}),
        },
        await readSlots(slotNames),
        cfg.keepCheckpoints,
      );
      emit('checkpoint', {}, dir);
    };

    if (options.resume) {
      if (!checkpointRoot) throw new Error('resuming needs the output folder that holds the checkpoints');
      const found = await loadLoopCheckpoint(checkpointRoot);
      if (!found) throw new Error(`no checkpoint to resume from in ${checkpointRoot}`);
      if (found.state.fingerprint !== fingerprint) {
        throw new Error(
          `${found.dir} was written by a run with other settings (model, data, batch size, seed or length); start a new run or restore those settings`,
        );
      }
      await rt.write(found.slots);
      ({ step, micro, epoch, position, pendingLoss, sinceBest } = found.state);
      // A checkpoint from before per-parameter counts were kept: every parameter counted the run's steps.
      const counted = found.state.paramSteps ?? Object.fromEntries(trainable.map((n) => [n, step]));
      for (const [n, s] of Object.entries(counted)) paramSteps.set(n, s);
      best = found.state.best;
      stopBest = found.state.stopBest ?? (monitor === 'metric' ? best?.value : undefined);
      // Events after this checkpoint were lost with the interrupted run; numbering continues from it.
      seq = found.state.seq;
      for (const s of found.skipped) warn('CHECKPOINT_DAMAGED', `skipped a damaged checkpoint (${s}); resuming from ${found.dir}`);
      const drawnWith = found.state.dropoutHash ?? 1;
      if (drawnWith !== DROPOUT_HASH) {
        warn(
          'DROPOUT_CHANGED',
          `${found.dir} was written by an engine that drew dropout masks with function ${drawnWith}; this one uses function ${DROPOUT_HASH}, so from here on dropout (where the model has any) differs from an uninterrupted run's. Weights and optimizer state carry on unchanged`,
        );
      }
      if (best && bestFile) {
        const file = await readSafetensors(bestFile);
        bestWeights = Object.fromEntries([...file.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }]));
      }
    }

    emit(
      'started',
      {
        total_steps: totalSteps,
        learning_rate: cfg.learningRate,
        batches_per_epoch: batchesPerEpoch,
        trainable_parameters: model.params.count('trainable'),
        parameters: model.params.count(),
        ...(retention ? { retention_sample: retention.size } : {}),
        ...(retention?.baseLoss !== undefined ? { retention_base_loss: retention.baseLoss } : {}),
      },
      rateFound,
    );
    if (headMissing) {
      warn(
        'RETENTION_HEAD_MISSING',
        `${headMissing}: retention is measured as the mean cosine similarity of the backbone's last hidden states to the base model's on the ${retention?.size} held-back texts instead of by its language-modelling loss`,
      );
    }

    const divergence = new DivergenceWatch(cfg.divergenceFactor);
    /** Set when the retention check stops the run: why. */
    let forgotten: string | undefined;
    /** Whether the run should stop: early stopping's patience ran out, or retention fell below its threshold with action `stop`. */
    const evaluateAndTrack = async (): Promise<boolean> => {
      if (!evaluator) return false;
      const values = await runEval(evaluator);
      const reading = retention ? await retention.read() : undefined;
      if (reading)
        Object.assign(values, { retention: reading.retention }, reading.loss === undefined ? {} : { retention_loss: reading.loss });
      emit('eval', Object.fromEntries(Object.entries(values).map(([key, v]) => [`eval_${key}`, v])));
      const value = values[metric];
      if (value === undefined) throw new Error(`the validation metrics have no '${metric}'; they are ${Object.keys(values).join(', ')}`);
      const below = reading && retentionSettings && reading.retention < retentionSettings.threshold;
      if (below) {
        const how =
          reading.loss === undefined
            ? `the mean cosine similarity of the backbone's hidden states to the base model's on the ${retention?.size} held-back texts`
            : `the base model's loss on the ${retention?.size} held-back texts was ${retention?.baseLoss?.toFixed(3)}, the tuned backbone's is ${reading.loss.toFixed(3)}`;
        const what = `retention ${reading.retention.toFixed(3)} at step ${step} is below the threshold ${retentionSettings.threshold} (${how})`;
        if (retentionSettings.action === 'stop') {
          // Weights that forgot this much are not kept as the best: the run ends on the best weights above the threshold.
          forgotten = `${what}; stopped, keeping the best weights ${best ? `(step ${best.step})` : '(none scored above the threshold: the last ones)'}`;
          await saveCheckpoint();
          return true;
        }
        warn(
          'RETENTION_LOW',
          `${what}; the model is forgetting what it learned in pre-training: lower the learning rate, or train fewer parameters (LoRA, adapters)`,
        );
      }
      // The best weights follow any gain of the metric; stopping needs a gain of more than min_delta on the
      // monitored value over its reference (which moves only then), so a tie, or a slow creep of small gains
      // until they add up to more than min_delta, is no improvement (Keras's and Lightning's EarlyStopping).
      const higher = greaterIsBetter(metric);
      if (!best || (higher ? value > best.value : value < best.value)) {
        best = { metric, value, step };
        bestWeights = await readSlots(trainable);
        if (bestFile) {
          await mkdir(join(bestFile, '..'), { recursive: true });
          await writeSafetensors(bestFile, bestWeights);
        }
      }
      const watched = values[monitored] as number;
      const delta = cfg.earlyStopping?.minDelta ?? 0;
      const gain = stopBest === undefined ? Number.POSITIVE_INFINITY : (greaterIsBetter(monitored) ? 1 : -1) * (watched - stopBest);
      if (gain > delta) {
        stopBest = watched;
        sinceBest = 0;
      } else sinceBest++;
      await saveCheckpoint();
      return cfg.earlyStopping !== undefined && sinceBest >= cfg.earlyStopping.patience;
    };

    const finish = async (status: TrainResult['status'], reason?: string): Promise<TrainResult> => {
      if (bestWeights) await rt.write(bestWeights);
      await rt.syncTo(model.params);
      synced = true;
      const result: TrainResult = { status, steps: step, best, events: seq };
      if (reason) result.reason = reason;
      // A cancelled run is scored when it finishes after a resume, not now: stopping stays quick
      // (a worker draining on SIGTERM) and the test split is scored once.
      const complete = status === 'finished' || status === 'early_stopped';
      if (evaluator && best && complete) result.validation = await runEval(evaluator);
      if (tester && complete) {
        result.test = await runEval(tester);
        emit('test', Object.fromEntries(Object.entries(result.test).map(([key, v]) => [`test_${key}`, v])));
      }
      if (status === 'failed') emit('failed', {}, reason);
      else if (status === 'cancelled') emit('cancelled', {}, reason);
      else emit('finished', best ? { [`best_${best.metric}`]: best.value, best_step: best.step } : {});
      result.events = seq;
      return result;
    };

    const stopEarly = async (): Promise<TrainResult> => {
      const values: Record<string, number> = { [metric]: best?.value ?? Number.NaN, best_step: best?.step ?? 0 };
      if (forgotten) {
        emit('early_stop', values, forgotten);
        return await finish('early_stopped', forgotten);
      }
      if (monitor === 'loss') values.loss = stopBest ?? Number.NaN;
      emit(
        'early_stop',
        values,
        `${monitored} did not improve by more than ${cfg.earlyStopping?.minDelta ?? 0} for ${cfg.earlyStopping?.patience} evaluations`,
      );
      return await finish('early_stopped');
    };

    let t0 = performance.now();
    let tokens = 0;
    while (step < totalSteps) {
      const batches = epochBatches(trainBuckets, cfg.batchSize, cfg.seed, epoch);
      if (options.trainableSchedule) {
        const active = options.trainableSchedule(epoch);
        for (const p of [...micros, ...(apply ? [apply] : [])]) p.active = active;
      }
      while (position < batches.length && step < totalSteps) {
        if (options.signal?.aborted) {
          await saveCheckpoint();
          return await finish('cancelled', 'cancelled by the caller');
        }
        const batch = batches[position] as (typeof batches)[number];
        const bucket = trainBuckets[batch.bucket] as (typeof trainBuckets)[number];
        const remask = cfg.mlmDynamicMasking && task === 'masked-lm' ? { ...cfg.mlmDynamicMasking, seed: cfg.seed, epoch } : undefined;
        const feeds = collate(trainExamples, batch.members, { ...collateFor(cfg.batchSize, bucket.length), remask, packed: cfg.packing });
        feeds[DROPOUT_SEED] = BigInt64Array.of(BigInt(dropoutSeed(cfg.seed, micro + 1)));
        let loss: number;
        let gradNorm = Number.NaN;
        try {
          // Each bucket has its own program; AdamW's bias correction must count the run's steps, not the bucket's.
          const program = micros[batch.bucket] as LoadedProgram;
          program.step = step;
          const r = await program.run(feeds, { lr: schedule(step) });
          loss = r.loss;
          gradNorm = r.gradNorm;
          micro++;
          position++;
          // Float16 gradients overflowed: nothing was updated and the loss scale backed off; not a step.
          if (r.skipped) continue;
          pendingLoss += loss;
          tokens += batch.members.length * bucket.length;
          if (k > 1 && micro % k !== 0) continue;
          if (apply) {
            apply.step = step;
            gradNorm = (await apply.run({}, { lr: schedule(step) })).gradNorm;
          }
        } catch (err) {
          if (!(err instanceof NonFiniteLossError)) throw err;
          await saveCheckpoint();
          return await finish(
            'failed',
            `the loss became ${err.value} at step ${step + 1} (epoch ${epoch + 1}); lower the learning rate or enable gradient clipping`,
          );
        }
        const lr = schedule(step);
        step++;
        const meanLoss = pendingLoss / k;
        pendingLoss = 0;
        const seconds = (performance.now() - t0) / 1000;
        emit('step', {
          loss: meanLoss,
          learning_rate: lr,
          grad_norm: gradNorm,
          tokens_per_s: tokens / seconds,
          ...(lossScale ? { skipped_steps: lossScale.skipped, loss_scale: lossScale.scale } : {}),
        });
        t0 = performance.now();
        tokens = 0;
        const diverged = divergence.push(meanLoss);
        if (diverged !== undefined) {
          await saveCheckpoint();
          return await finish(
            'failed',
            `the loss diverged: ${diverged.toPrecision(4)} at step ${step} (smoothed over about ten steps; this step's ${meanLoss.toPrecision(4)}), over ${cfg.divergenceFactor}x the lowest so far (${divergence.lowest.toPrecision(4)})`,
          );
        }
        if (cfg.evalEvery && step % cfg.evalEvery === 0 && step < totalSteps) {
          if (await evaluateAndTrack()) return await stopEarly();
        }
      }
      if (position >= batches.length) {
        epoch++;
        position = 0;
        let stop = false;
        if (evaluator) stop = await evaluateAndTrack();
        else await saveCheckpoint();
        if (stop) return await stopEarly();
      }
    }
    if (position !== 0) {
      // maxSteps ended the run inside an epoch.
      if (evaluator && (await evaluateAndTrack()) && forgotten) return await stopEarly();
      if (!evaluator) await saveCheckpoint();
    }
    return await finish('finished');
  } finally {
    // A run that threw hands the moved weights back as they are, where the runtime still can.
    if (!synced) await rt.syncTo(model.params).catch(() => {});
    await rt.close();
  }
}

interface EvalSet {
  examples: readonly Example[];
  buckets: Bucket[];
  programs: LoadedProgram[];
  batchSize: number;
}

async function evaluationPrograms(
  rt: Runtime,
  model: PretrainedModel,
  examples: readonly Example[] | undefined,
  batchSize: number,
  maxBuckets: number,
  predictions: number | undefined,
): Promise<EvalSet | undefined> {
  if (!examples?.length) return undefined;
  const buckets = lengthBuckets(examples, maxBuckets);
  const programs: LoadedProgram[] = [];
  for (const b of buckets) {
    const program = compileInference({
      params: model.params,
      build: modelBuilder(model, {
        batch: batchSize,
        length: b.length,
        train: false,
        labels: true,
        outputs: model.task !== 'masked-lm' && model.task !== 'causal-lm',
        predictions,
      }),
      // The frozen weights are read from slots, which every evaluation program shares, rather than embedded in
      // each (one per length bucket of the validation and test splits): parameter-efficient strategies freeze
      // nearly all of them.
      frozenInputs: true,
    });
    programs.push(await rt.load(program, model.params));
  }
  return { examples, buckets, programs, batchSize };
}

async function evaluate(
  set: EvalSet,
  task: Task,
  collateFor: (b: number, t: number) => CollateOptions,
  metrics: MetricsFn | undefined,
): Promise<Record<string, number>> {
  const outputs: ExampleOutputs[] = new Array(set.examples.length);
  let lossSum = 0;
  let weight = 0;
  const lm = task === 'masked-lm' || task === 'causal-lm';
  for (const batch of evalBatches(set.buckets, set.batchSize)) {
    const length = (set.buckets[batch.bucket] as (typeof set.buckets)[number]).length;
    const feeds = collate(set.examples, batch.members, collateFor(set.batchSize, length));
    ignoreFillers(feeds, batch.members.length, set.batchSize, length);
    const r = await (set.programs[batch.bucket] as LoadedProgram).run(feeds);
    const w = lossWeight(task, feeds, batch.members.length, length);
    if (w > 0) {
      lossSum += r.loss * w;
      weight += w;
    }
    if (lm) continue; // vocabulary-sized logits are not kept
    batch.members.forEach((index, row) => {
      // Per-token outputs are cut to the example's own tokens: (T, ...) -> (tokens, ...).
      const tokens = (set.examples[index] as Example).inputIds.length;
      const pick = (name: string) => {
        const t = r.outputs[name];
        if (!t) return undefined;
        const per = t.data.length / set.batchSize;
        const keep = task === 'sequence-classification' || task === 'regression' ? per : (per / length) * tokens;
        return (t.data as Float32Array).slice(row * per, row * per + keep);
      };
      outputs[index] = { logits: pick('logits'), startLogits: pick('start_logits'), endLogits: pick('end_logits') };
    });
  }
  const loss = weight > 0 ? lossSum / weight : Number.NaN;
  const values: Record<string, number> = { loss };
  if (lm) values.perplexity = Math.exp(loss);
  else Object.assign(values, (metrics ?? metricsFor(task))(set.examples, outputs));
  return values;
}

export interface EvaluateModelOptions {
  model: PretrainedModel;
  examples: readonly Example[];
  /** @default 16 */
  batchSize?: number;
  /** Length buckets (static shapes) at most. @default 4 */
  maxBuckets?: number;
  /** Label names by id, which token classification's metrics need to find entities. */
  labels?: readonly string[];
  /** The task's metrics (metricsFor with `labels`) unless given. */
  metrics?: MetricsFn;
  /** @default 'cpu' */
  provider?: Provider;
  threads?: number;
}

/**
 * Scores a model as it stands (inference mode) on examples, exactly as a run's evaluation does: the loss and the
 * task's metrics. What an untrained head scores, say, to show that fine-tuning learned something.
 */
export async function evaluateModel(options: EvaluateModelOptions): Promise<Record<string, number>> {
  const { model, examples } = options;
  const batchSize = options.batchSize ?? 16;
  const rt = await Runtime.start({ provider: options.provider ?? 'cpu', threads: options.threads });
  try {
    const predictions = model.task === 'masked-lm' ? DEFAULT_TRAINER_CONFIG.mlmPredictions : undefined;
    const set = await evaluationPrograms(rt, model, examples, batchSize, options.maxBuckets ?? 4, predictions);
    if (!set) throw new Error('evaluateModel needs at least one example');
    const collateFor = (b: number, length: number): CollateOptions => ({
      batchSize: b,
      length,
      padTokenId: Number(model.config.raw.pad_token_id ?? 0),
      tokenTypes: model.arch.tokenTypes,
      labels: predictions ? 'positions' : labelKind(model.task),
      predictions,
    });
    return await evaluate(set, model.task, collateFor, options.metrics ?? metricsFor(model.task, { labels: options.labels }));
  } finally {
    await rt.close();
  }
}
