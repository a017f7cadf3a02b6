// Runs one fine-tuning run from its RunSpec: prepares it, trains with the strategy's schedule,
// checkpoints and resumes, and exports the result. The `tuneql train` command and the server's
// worker both run training through here.

import { join } from 'node:path';
import type { StrategyRegistry } from '@tuneql/adapters';
import {
  type DataThreads,
  loadPretrained,
  metricsFor,
  type OnDataProgress,
  type PretrainedModel,
  RETENTION_TEXTS_FILE,
  type RetentionSource,
  readRetentionTexts,
  retentionTask,
  Tokenizer,
  type TrainEvent,
  type TrainResult,
  train,
} from '@tuneql/engine';
import { type ModelCard, ONNX_FILE, writeModelFolder } from '../predict/model-folder.ts';
import { startPeakMeter } from './peak-memory.ts';
import { type DatasetCache, prepareRun, trainerConfig } from './prepare-run.ts';
import type { RunSpec } from './run-spec.ts';

export interface ExecuteRunOptions {
  /** The run's folder: checkpoints go to `${outDir}/checkpoints`. */
  outDir: string;
  /** Where `model/` and `adapter/` are written. @default `${outDir}/export` */
  exportDir?: string;
  /** Continue from the newest checkpoint under outDir (the strategy is applied again, then the checkpoint's values restored). */
  resume?: boolean;
  /** Aborting stops the run within one step, after writing a checkpoint. */
  signal?: AbortSignal;
  /** Every training event, numbered by seq across resumes. */
  onEvent?: (e: TrainEvent) => void;
  /** Where the strategy id is looked up. @default createRegistry() (the built-in strategies) */
  registry?: StrategyRegistry;
  /** Lines for the user: data and model figures, what was saved. @default none */
  log?: (line: string) => void;
  /** Tokenized datasets to reuse (a server's, shared with its preflight estimates). */
  datasets?: DatasetCache;
  /** Where the dataset is read and tokenized. @default the process's shared DataThreads */
  data?: DataThreads;
  /** How reading and tokenizing the dataset goes. */
  onDataProgress?: OnDataProgress;
}

export interface RunExports {
  /**
   * The adapted model as a model folder: config.json + model.safetensors (merged into the base
   * weights when the strategy can merge), tokenizer.json, tuneql.json and model.onnx.
   */
  model: string;
  /** The strategy's own artifact (PEFT's adapter_config.json + adapter_model.safetensors for LoRA), for strategies that add parameters and can export. */
  adapter?: string;
}

export interface RunOutcome extends TrainResult {
  /** Written when the run finished or stopped early; absent when it failed or was cancelled. */
  exports?: RunExports;
  trainableParameters: number;
  totalParameters: number;
  /**
   * The run's own peak memory in bytes: how far the process's resident memory rose above what it held when
   * the run started, from preparing the data to the exports (see peak-memory.ts).
   */
  peakMemoryBytes: number;
}

/**
 * The base model under its pre-training head (the checkpoint the run starts from, loaded again without the
 * strategy) and the tokenizer's mask and special tokens, for the retention check.
 */
async function retentionSource(spec: RunSpec, model: PretrainedModel, tokenizerFile: string): Promise<RetentionSource> {
  const task = retentionTask(model);
  if (!task) throw new Error(`${model.arch.modelType} has neither a masked- nor a causal-LM head to measure retention with`);
  const base = await loadPretrained(spec.model, { task });
  const tokenizer = Tokenizer.fromFile(tokenizerFile);
  // Unset texts: the trainer draws from the validation split.
  const texts =
    spec.training.retention?.texts === 'model'
      ? readRetentionTexts(join(spec.model, RETENTION_TEXTS_FILE), tokenizer, spec.data.max_length)
      : undefined;
  if (task === 'causal-lm') return { base, texts };
  const maskTokenId = ['[MASK]', '<mask>'].map((t) => tokenizer.tokenToId(t)).find((id) => id !== undefined);
  if (maskTokenId === undefined)
    throw new Error(`${tokenizerFile} has no mask token ([MASK] or <mask>) to measure a masked-LM retention with`);
  return { base, texts, maskTokenId, specialIds: tokenizer.specialTokenIds() };
}

export async function executeRun(spec: RunSpec, options: ExecuteRunOptions): Promise<RunOutcome> {
  const meter = startPeakMeter();
  try {
    const outcome = await trainAndExport(spec, options);
    return { ...outcome, peakMemoryBytes: meter.stop() };
  } finally {
    meter.stop();
  }
}

async function trainAndExport(spec: RunSpec, options: ExecuteRunOptions): Promise<Omit<RunOutcome, 'peakMemoryBytes'>> {
  const log = options.log ?? (() => {});
  const prepared = await prepareRun(spec, {
    registry: options.registry,
    log,
    datasets: options.datasets,
    data: options.data,
    onDataProgress: options.onDataProgress,
  });
  const { model, applied, dataset, labels } = prepared;
  const trainableParameters = model.params.count('trainable');
  const totalParameters = model.params.count();

  const result = await train({
    model,
    data: dataset,
    outDir: options.outDir,
    resume: options.resume,
    signal: options.signal,
    onEvent: options.onEvent,
    metrics: metricsFor(spec.task, { labels }),
    trainableSchedule: applied.trainableSchedule,
    config: {
      ...trainerConfig(spec),
      // The range test's fallback, should the loss not fall in its sweep: the strategy's suggestion, which the
      // settings leave out when the range test is asked for (it would read as a rate given by the user).
      ...(spec.training.find_learning_rate ? { learningRate: applied.strategy.defaults.learningRate } : {}),
    },
    retention: spec.training.retention ? await retentionSource(spec, model, prepared.tokenizerFile) : undefined,
  });
  const outcome: Omit<RunOutcome, 'peakMemoryBytes'> = { ...result, trainableParameters, totalParameters };
  if (result.status === 'failed' || result.status === 'cancelled') return outcome;

  const exportDir = options.exportDir ?? join(options.outDir, 'export');
  const modelDir = join(exportDir, 'model');
  const card: ModelCard = { task: spec.task, labels, max_length: spec.data.max_length };
  // A merged model runs as fast as the base one and loads anywhere; otherwise the model keeps its hooks.
  const exported = applied.canMerge ? await applied.merge() : model;
  await writeModelFolder(modelDir, exported, { tokenizerFile: prepared.tokenizerFile, card });
  log(
    `saved ${modelDir} (Hugging Face layout${applied.canMerge && applied.report.added.length ? ', merged' : ''}) and ${join(modelDir, ONNX_FILE)}`,
  );
  outcome.exports = { model: modelDir };
  // Strategies that add no parameters (full, partial) export the whole model: model/ already is that.
  // An adapter trained on freshly initialized weights is worthless on the base model its export names: model/ holds the whole result.
  if (applied.canExport && applied.report.added.length > 0 && spec.training.init === 'random') {
    log('no adapter export: the adapter was trained on randomly initialized weights, not on the base model it would name');
  } else if (applied.canExport && applied.report.added.length > 0) {
    const adapterDir = join(exportDir, 'adapter');
    const report = await applied.export(adapterDir);
    log(`saved ${adapterDir} (${report.format})`);
    outcome.exports.adapter = adapterDir;
  }
  return outcome;
}
