// `tuneql train CONFIG --out DIR [--resume]`: fine-tunes a model as the configuration says, with a
// progress bar, every event in DIR/metrics.jsonl, checkpoints, and the result saved in the Hugging
// Face layout plus an ONNX inference export.

import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportOnnx,
  loadDataset,
  loadPretrained,
  metricsFor,
  savePretrained,
  Tokenizer,
  type TrainEvent,
  type TrainResult,
  train,
} from '@tuneql/engine';
import { readTrainConfig, type TrainConfigFile } from './config.ts';
import { MetricsLog } from './metrics-log.ts';
import { Progress } from './progress.ts';

export interface TrainCommandOptions {
  config: string;
  out: string;
  resume?: boolean;
  /** Stops the run (the command wires it to Ctrl-C). */
  signal?: AbortSignal;
  /** Where lines for the user go. @default stderr */
  log?: (line: string) => void;
}

/** What `tuneql.json` in a saved model says, so `tuneql predict` knows how to use it. */
export interface ModelCard {
  task: TrainConfigFile['task'];
  labels?: string[];
  max_length: number;
}

export async function trainCommand(options: TrainCommandOptions): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cfg = await readTrainConfig(options.config);
  const metricsFile = join(options.out, 'metrics.jsonl');
  if (!options.resume && existsSync(metricsFile)) {
    throw new Error(`${options.out} already holds a run (metrics.jsonl); pass --resume to continue it, or choose another --out`);
  }
  mkdirSync(options.out, { recursive: true });

  const tokenizerFile = join(cfg.model, 'tokenizer.json');
  const tokenizer = Tokenizer.fromFile(tokenizerFile);
  const d = cfg.data;
  const dataset = await loadDataset({
    files: d.file ? { file: d.file } : { train: d.train as string, validation: d.validation, test: d.test },
    format: d.format,
    task: cfg.task,
    columns: d.columns,
    tokenizer,
    maxLength: d.max_length,
    seed: cfg.seed,
    labels: d.labels,
  });
  const labels = dataset.labels;
  const { stats } = dataset;
  log(
    `data: ${dataset.train.length} train, ${dataset.validation.length} validation, ${dataset.test.length} test examples${labels ? `; ${labels.length} labels` : ''}`,
  );
  log(
    `tokens per example: median ${stats.tokens.p50}, 95th percentile ${stats.tokens.p95}, max ${stats.tokens.max}; ` +
      `${stats.truncated} of ${stats.rows} cut to max_length ${stats.maxLength}`,
  );
  if (stats.labels)
    log(
      `labels: ${Object.entries(stats.labels)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ')}`,
    );
  for (const issue of dataset.issues) log(`warning: ${issue.file} row ${issue.row}: ${issue.message}`);

  const model = await loadPretrained(cfg.model, { task: cfg.task, numLabels: labels?.length, seed: cfg.seed });
  if (labels) {
    Object.assign(model.config.raw as Record<string, unknown>, {
      id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    });
  }
  if (model.initialized.length) log(`new parameters (initialized): ${model.initialized.join(', ')}`);
  log(`model: ${model.arch.modelType}, ${model.params.count()} parameters, ${model.params.count('trainable')} trainable`);

  const t = cfg.training;
  const metricsLog = new MetricsLog(metricsFile);
  let progress: Progress | undefined;
  const onEvent = (e: TrainEvent): void => {
    metricsLog.write(e);
    if (e.type === 'started') progress = new Progress(e.values.total_steps as number, e.step);
    else if (e.type === 'step') progress?.update(e.step, e.values);
    else if (e.type === 'eval') progress?.log(`step ${e.step}: ${formatValues(e.values)}`);
    else if (e.type === 'test') progress?.log(`test: ${formatValues(e.values)}`);
    else if (e.type === 'early_stop' || e.type === 'failed' || e.type === 'cancelled') progress?.log(`${e.type}: ${e.message ?? ''}`);
  };
  const result = await train({
    model,
    data: dataset,
    outDir: options.out,
    resume: options.resume,
    signal: options.signal,
    onEvent,
    metrics: metricsFor(cfg.task, { labels }),
    config: {
      epochs: t.epochs,
      maxSteps: t.max_steps,
      batchSize: t.batch_size,
      evalBatchSize: t.eval_batch_size,
      gradientAccumulation: t.gradient_accumulation,
      learningRate: t.learning_rate,
      schedule: t.schedule,
      warmupRatio: t.warmup_ratio,
      warmupSteps: t.warmup_steps,
      weightDecay: t.weight_decay,
      clipGradNorm: t.clip_grad_norm ?? undefined,
      labelSmoothing: t.label_smoothing,
      evalEvery: t.eval_every,
      metric: t.metric,
      earlyStopping: t.early_stopping ? { patience: t.early_stopping.patience, minDelta: t.early_stopping.min_delta } : undefined,
      maxBuckets: t.max_buckets,
      keepCheckpoints: t.keep_checkpoints,
      seed: cfg.seed,
      provider: cfg.device,
      threads: cfg.threads,
    },
  });
  progress?.end();

  if (result.status !== 'failed' && result.status !== 'cancelled') {
    const dir = join(options.out, 'model');
    await savePretrained(dir, model);
    copyFileSync(tokenizerFile, join(dir, 'tokenizer.json'));
    const card: ModelCard = { task: cfg.task, labels, max_length: d.max_length };
    writeFileSync(join(dir, 'tuneql.json'), `${JSON.stringify(card, null, 2)}\n`);
    await exportOnnx(model, join(dir, 'model.onnx'));
    log(`saved ${dir} (Hugging Face layout) and ${join(dir, 'model.onnx')}`);
  }
  const summary = [`${result.status} after ${result.steps} steps`];
  if (result.best) summary.push(`best ${result.best.metric} ${result.best.value.toFixed(4)} at step ${result.best.step}`);
  if (result.test) summary.push(`test ${formatValues(result.test)}`);
  if (result.reason) summary.push(result.reason);
  log(summary.join('; '));
  return result;
}

function formatValues(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(', ');
}
