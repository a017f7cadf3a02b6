// `tuneql train CONFIG --out DIR [--resume]`: fine-tunes a model as the configuration says, with a
// progress bar, every event in DIR/metrics.jsonl, checkpoints, and the result saved in DIR/model (the
// Hugging Face layout plus an ONNX inference export) and, for adapter strategies, DIR/adapter.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LrFinderResult, TrainEvent } from '@tuneql/engine';
import { progressLogger } from '../training/data-progress.ts';
import { executeRun, type RunOutcome } from '../training/execute-run.ts';
import { formatFigure, formatFigures } from '../training/figures.ts';
import { preflightLearningRate } from '../training/preflight.ts';
import { readTrainConfig } from './config.ts';
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

export async function trainCommand(options: TrainCommandOptions): Promise<RunOutcome> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cfg = await readTrainConfig(options.config);
  const metricsFile = join(options.out, 'metrics.jsonl');
  if (!options.resume && existsSync(metricsFile)) {
    throw new Error(`${options.out} already holds a run (metrics.jsonl); pass --resume to continue it, or choose another --out`);
  }
  mkdirSync(options.out, { recursive: true });

  const metricsLog = new MetricsLog(metricsFile);
  let progress: Progress | undefined;
  const onEvent = (e: TrainEvent): void => {
    metricsLog.write(e);
    if (e.type === 'started') {
      // The range test's finding, when the config asked for it.
      if (e.message) log(e.message);
      progress = new Progress(e.values.total_steps as number, e.step);
    } else if (e.type === 'step') progress?.update(e.step, e.values);
    else if (e.type === 'eval') progress?.log(`step ${e.step}: ${formatFigures(e.values)}`);
    else if (e.type === 'test') progress?.log(`test: ${formatFigures(e.values)}`);
    else if (e.type === 'warning') (progress ? progress.log.bind(progress) : log)(`warning (${e.code}): ${e.message ?? ''}`);
    else if (e.type === 'early_stop' || e.type === 'failed' || e.type === 'cancelled') progress?.log(`${e.type}: ${e.message ?? ''}`);
    // The run's last event: what follows (the exports, the summary) prints below the bar.
    if (e.type === 'finished' || e.type === 'failed' || e.type === 'cancelled') {
      progress?.end();
      progress = undefined;
    }
  };
  // The command's results sit in DIR itself: DIR/model and DIR/adapter.
  const result = await executeRun(cfg, {
    outDir: options.out,
    exportDir: options.out,
    resume: options.resume,
    signal: options.signal,
    onEvent,
    log,
    onDataProgress: progressLogger('data', log),
  });

  const summary = [`${result.status} after ${result.steps} steps`];
  if (result.best) summary.push(`best ${result.best.metric} ${formatFigure(result.best.value)} at step ${result.best.step}`);
  if (result.test) summary.push(`test ${formatFigures(result.test)}`);
  if (result.reason) summary.push(result.reason);
  log(summary.join('; '));
  return result;
}

/**
 * `tuneql train CONFIG --find-lr`: the range test find_learning_rate runs, alone: a line per tenth of the
 * sweep (rate, smoothed loss), then the rate it picks and the cautious alternative. Nothing is written.
 */
export async function findLearningRateCommand(options: {
  config: string;
  log?: (line: string) => void;
  steps?: number;
}): Promise<LrFinderResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const spec = await readTrainConfig(options.config);
  const found = await preflightLearningRate(spec, {
    steps: options.steps,
    onDataProgress: progressLogger('data', (line) => process.stderr.write(`${line}\n`)),
  });
  const every = Math.max(1, Math.floor(found.rates.length / 10));
  log('learning rate   smoothed loss');
  for (let i = 0; i < found.rates.length; i += every) {
    log(`${(found.rates[i] as number).toExponential(2).padEnd(15)} ${(found.smoothed[i] as number).toFixed(4)}`);
  }
  if (found.stoppedEarly) log(`the sweep stopped early: ${found.stoppedEarly}`);
  if (!found.descent) {
    log("the loss did not fall in the sweep: no rate to suggest; a run with find_learning_rate keeps the strategy's rate");
    return found;
  }
  log(
    `suggested learning_rate: ${formatFigure(found.suggested)} (the steepest fall of the loss); cautious: ${formatFigure(found.minimumOverTen)} (the lowest loss's rate / 10)`,
  );
  return found;
}
