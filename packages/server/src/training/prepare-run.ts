// Everything a run needs before its first step: the strategy and its config, tokenizer, dataset,
// model with the strategy applied, and the batch plan. executeRun and preflight share it, so a run
// that preflight accepts starts, and one it refuses fails the same way.

import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type AppliedStrategy,
  applyStrategy,
  createRegistry,
  inputEmbeddings,
  parseStrategyConfig,
  type StrategyRegistry,
} from '@tuneql/adapters';
import {
  architectureFor,
  assignBuckets,
  camelKeys,
  chooseBuckets,
  type DatasetStats,
  type DataThreads,
  dataThreads,
  type Example,
  type LoadedDataset,
  loadPretrained,
  type OnDataProgress,
  type PackedDataset,
  type PretrainedModel,
  packExamples,
  RETENTION_TEXTS_FILE,
  readChatTemplate,
  readModelConfig,
  retentionTask,
  Tokenizer,
  type TrainerConfig,
  unpackDataset,
  unpackExamples,
} from '@tuneql/engine';
import { formatFigure } from './figures.ts';
import { checkMaxLength, sequenceLimits, tokenizerLimit } from './model-limits.ts';
import { checkRunSpec, type RunSpec, RunSpecError } from './run-spec.ts';

export interface PrepareOptions {
  /** Where the strategy id is looked up. @default createRegistry() (the built-in strategies) */
  registry?: StrategyRegistry;
  /** Lines for the user (data and model figures, dataset warnings). @default none */
  log?: (line: string) => void;
  /** Reuses tokenized datasets across calls (preflight as a form changes, then the run it leads to). */
  datasets?: DatasetCache;
  /** Parameters new to the checkpoint (the head, the strategy's) get shapes but no values: for estimates. @default false */
  shapesOnly?: boolean;
  /** Where the dataset is read and tokenized. @default the process's shared DataThreads */
  data?: DataThreads;
  /** How reading and tokenizing the dataset goes (a thread reports it every 250 ms at most). */
  onDataProgress?: OnDataProgress;
}

/**
 * Tokenized datasets, packed (a few typed arrays each), by everything that decides them: the files',
 * tokenizer's and chat template's paths, sizes and times, the task, columns, labels, max_length and seed. The most
 * recently used are kept. Each user unpacks its own examples (the trainer re-masks masked-LM ones in place).
 */
export class DatasetCache {
  private readonly entries = new Map<string, Promise<PackedDataset>>();
  private readonly size: number;

  constructor(size = 8) {
    this.size = size;
  }

  get(key: string, load: () => Promise<PackedDataset>): Promise<PackedDataset> {
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else {
      entry = load();
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.size) break;
      this.entries.delete(old);
    }
    return entry;
  }
}

function fileStamp(path: string | undefined): string {
  if (!path) return '';
  try {
    const s = statSync(path);
    return `${path}:${s.size}:${s.mtimeMs}`;
  } catch {
    return path;
  }
}

/** How the training set falls into batches, as the trainer will batch it. */
export interface BatchPlan {
  /** Sequence lengths of the training programs (one per bucket). */
  bucketLengths: number[];
  /** Each bucket's length, examples and full batches per epoch. */
  buckets: { length: number; examples: number; batches: number }[];
  /** Full batches per epoch (a bucket's last, incomplete batch is dropped). */
  batchesPerEpoch: number;
  /** Optimizer steps per epoch: batches / gradient accumulation, rounded (at least 1; steps run on across epochs). */
  stepsPerEpoch: number;
  /** Optimizer steps of the whole run (epochs, or max_steps if sooner). */
  totalSteps: number;
  /** Token positions per epoch, padding included: what the steps compute on. */
  tokensPerEpoch: number;
}

export interface PreparedRun {
  spec: RunSpec;
  tokenizerFile: string;
  dataset: LoadedDataset;
  labels: string[] | undefined;
  model: PretrainedModel;
  applied: AppliedStrategy;
  plan: BatchPlan;
}

export async function prepareRun(spec: RunSpec, options: PrepareOptions = {}): Promise<PreparedRun> {
  const log = options.log ?? (() => {});
  checkRunSpec(spec);
  // The strategy and its config first: a bad one fails before any data is read.
  const strategy = (options.registry ?? createRegistry()).get(spec.strategy.id);
  parseStrategyConfig(strategy, spec.strategy.config);

  const tokenizerFile = checkModelFolder(spec.model);
  const modelName = spec.model_name ?? basename(resolve(spec.model));
  // Before any data is read: a sequence longer than the model takes fails here, not at the first step.
  checkMaxLength(spec, modelName, sequenceLimits(await readModelConfig(spec.model), tokenizerLimit(spec.model)));
  const dataset = await unpackDataset(await loadRunData(spec, tokenizerFile, options));
  const labels = dataset.labels;
  const { stats } = dataset;
  log(
    `data: ${dataset.train.length} train, ${dataset.validation.length} validation, ${dataset.test.length} test examples${labels ? `; ${labels.length} labels` : ''}`,
  );
  log(
    `tokens per example: median ${formatFigure(stats.tokens.p50)}, 95th percentile ${formatFigure(stats.tokens.p95)}, max ${stats.tokens.max}; ` +
      `${stats.truncated} of ${stats.rows} cut to max_length ${stats.maxLength}`,
  );
  if (stats.labels)
    log(
      `labels: ${Object.entries(stats.labels)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ')}`,
    );
  for (const issue of dataset.issues) log(`warning: ${issue.file} row ${issue.row}: ${issue.message}`);
  for (const kind of dataset.issueKinds) {
    if (kind.count > kind.listed) log(`warning: ${kind.count - kind.listed} more rows of ${kind.file} like the above: ${kind.message}`);
  }
  const plan = planBatches(dataset.train, spec);

  const model = await loadPretrained(spec.model, {
    task: spec.task,
    numLabels: labels?.length,
    seed: spec.seed,
    shapesOnly: options.shapesOnly,
    init: spec.training.init,
  });
  if (spec.training.init === 'random') log(`init: random (the architecture of ${modelName} with fresh weights, seed ${spec.seed})`);
  if (labels) {
    Object.assign(model.config.raw as Record<string, unknown>, {
      id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    });
  }
  if (model.initialized.length) log(`new parameters (initialized): ${model.initialized.join(', ')}`);
  if (spec.training.retention) checkRetention(model, tokenizerFile, dataset.validation.length, spec);
  const applied = await applyStrategy(strategy, model, spec.strategy.config, { baseModel: modelName });
  const frozen = frozenMarkupWarning(spec, model, dataset.stats, tokenizerFile);
  if (frozen) log(`warning: ${frozen}`);
  log(`model: ${model.arch.modelType}, ${model.params.count()} parameters, ${model.params.count('trainable')} trainable`);
  log(
    `strategy: ${strategy.id}${applied.report.added.length ? `, ${applied.report.added.length} new parameter tensors` : ''}${applied.report.modules?.length ? ` on ${applied.report.modules.length} modules` : ''}`,
  );
  return { spec, tokenizerFile, dataset, labels, model, applied, plan };
}

/** What decides a run's tokenized data: its DatasetCache key. */
export function runDataKey(spec: RunSpec, tokenizerFile: string): string {
  const d = spec.data;
  return JSON.stringify([
    // tokenizer_config.json holds the chat template conversations are rendered with.
    [d.file, d.train, d.validation, d.test, tokenizerFile, join(dirname(tokenizerFile), 'tokenizer_config.json')].map(fileStamp),
    d.format,
    spec.task,
    d.columns,
    d.max_length,
    spec.seed,
    d.labels,
  ]);
}

/**
 * The run's dataset, read and tokenized in a worker thread (a large file never stalls this event loop: an API,
 * a progress bar), kept in `options.datasets` by everything that decides it, so a run queued after createRun's
 * or preflight's check does not tokenize again in this process.
 */
function loadRunData(
  spec: RunSpec,
  tokenizerFile: string,
  options: Pick<PrepareOptions, 'datasets' | 'data' | 'onDataProgress'>,
): Promise<PackedDataset> {
  const d = spec.data;
  const load = () =>
    (options.data ?? dataThreads()).loadPacked(
      {
        files: d.file ? { file: d.file } : { train: d.train as string, validation: d.validation, test: d.test },
        format: d.format,
        task: spec.task,
        columns: d.columns,
        tokenizerFile,
        maxLength: d.max_length,
        seed: spec.seed,
        labels: d.labels,
      },
      options.onDataProgress,
    );
  const key = runDataKey(spec, tokenizerFile);
  return options.datasets ? options.datasets.get(key, load) : load();
}

/**
 * The checks of a run's inputs that need its data tokenized, for createRun before it queues the run: the
 * model's chat template parses (CHAT_TEMPLATE_INVALID) and renders every conversation, no conversation is
 * longer than max_length (both DATASET_INVALID issues naming the row), the training set fills a batch, and
 * the retention check has what it needs. The tokenized data is kept in `options.datasets` for the run.
 */
export async function checkRunData(
  spec: RunSpec,
  options: Pick<PrepareOptions, 'datasets' | 'data' | 'onDataProgress'> = {},
): Promise<void> {
  const tokenizerFile = checkModelFolder(spec.model);
  const packed = await loadRunData(spec, tokenizerFile, options);
  // Lengths are all the batch plan reads; unpacked 1,024 examples at a time between turns of the loop.
  planBatches(await unpackExamples(packed.train), spec);
  if (spec.training.retention) {
    checkRetention({ arch: architectureFor(await readModelConfig(spec.model)) }, tokenizerFile, packed.validation.count, spec);
  }
}

/** The default template's markup, as text the tokenizer splits into ordinary tokens. */
const CHAT_MARKUP = ['<|im_start|>', '<|im_end|>'];

/**
 * Why a chat run may never learn to end its turn (decision 0022), or undefined: the conversations are rendered
 * with the default template, whose markup (`<|im_end|>`) the base model never learned to write, and the strategy
 * leaves every row of the input embeddings (and of an LM head tied to them) frozen, so nothing but the blocks can
 * move towards those tokens. Says which token ids to train.
 */
export function frozenMarkupWarning(
  spec: Pick<RunSpec, 'task' | 'model' | 'strategy'>,
  model: PretrainedModel,
  stats: Pick<DatasetStats, 'conversations'>,
  tokenizerFile: string,
): string | undefined {
  if (spec.task !== 'causal-lm' || !stats.conversations) return undefined;
  if (!readChatTemplate(spec.model).isDefault) return undefined;
  const embeddings = inputEmbeddings(model);
  if (!embeddings) return undefined;
  const module = embeddings.slice(0, -'.weight'.length);
  if (model.params.trainableNames.some((n) => n === embeddings || n.startsWith(`${module}.`))) return undefined;
  const tokenizer = Tokenizer.fromFile(tokenizerFile);
  const ids = [
    ...new Set(
      CHAT_MARKUP.flatMap((m) => tokenizer.encode(m, undefined, { addSpecialTokens: false, truncation: null, padding: null }).ids),
    ),
  ];
  const short = module.slice(module.lastIndexOf('.') + 1);
  const fix =
    spec.strategy.id === 'lora'
      ? `set the strategy's trainableTokenIndices: [${ids.join(', ')}] (those tokens' rows train; PEFT's trainable_token_indices), or modulesToSave: ['${short}'] (the whole embedding matrix)`
      : `train the embeddings (modulesToSave: ['${short}'] where the strategy takes it)`;
  return `the default chat template's markup (${CHAT_MARKUP.join(', ')}) is written with tokens ${ids.join(', ')}, whose rows of ${embeddings} stay frozen under strategy '${spec.strategy.id}': the model may never learn to end its turn; ${fix}`;
}

/** What the retention check needs before anything trains: a pre-training head to score with, a mask token, held-back texts. */
function checkRetention(
  model: Pick<PretrainedModel, 'arch'>,
  tokenizerFile: string,
  validation: number,
  spec: Pick<RunSpec, 'model' | 'training'>,
): void {
  const refuse = (message: string, path = 'training.retention'): never => {
    throw new RunSpecError(message, [{ path, message }]);
  };
  const task = retentionTask(model);
  if (!task)
    refuse(`${model.arch.modelType} has neither a masked- nor a causal-LM head to measure retention with; unset training.retention`);
  if (task === 'masked-lm' && ['[MASK]', '<mask>'].every((t) => Tokenizer.fromFile(tokenizerFile).tokenToId(t) === undefined))
    refuse(`${tokenizerFile} has no mask token ([MASK] or <mask>) to hide tokens with for the masked-LM retention check`);
  const general = join(spec.model, RETENTION_TEXTS_FILE);
  if (spec.training.retention?.texts === 'model' && !existsSync(general))
    refuse(
      `retention.texts 'model' reads general text from the model folder's ${RETENTION_TEXTS_FILE}, and ${general} does not exist; add it (JSON lines with a 'text' field) or use texts: validation`,
      'training.retention.texts',
    );
  if (validation === 0)
    refuse(
      'the retention check scores held-back texts at each evaluation, and this run has no validation split; give data.validation, or unset training.retention',
    );
}

/** The model folder's tokenizer.json; a folder that is missing, or lacks the file, is reported as such. */
function checkModelFolder(dir: string): string {
  const refuse = (message: string): never => {
    throw new RunSpecError(message, [{ path: 'model', message }]);
  };
  const layout = 'a Hugging Face model folder holds config.json, model.safetensors and tokenizer.json';
  if (!existsSync(dir)) refuse(`the model folder ${dir} does not exist; ${layout}`);
  if (!statSync(dir).isDirectory()) refuse(`the model ${dir} is a file, not a folder; ${layout}`);
  const tokenizerFile = join(dir, 'tokenizer.json');
  if (!existsSync(tokenizerFile)) refuse(`the model folder ${dir} has no tokenizer.json; ${layout}`);
  return tokenizerFile;
}

/** The trainer's batching, counted ahead (same buckets, same dropped batches); refuses a set too small for one batch. */
export function planBatches(examples: readonly Example[], spec: Pick<RunSpec, 'training'>): BatchPlan {
  const t = spec.training;
  // The trainer packs training rows itself when asked; counted here the same way.
  const train = t.packing ? packExamples(examples) : examples;
  if (train.length < t.batch_size) {
    throw new RunSpecError(
      `the training set has ${train.length} examples, fewer than one batch of ${t.batch_size}; lower training.batch_size or add data`,
      [{ path: 'training.batch_size', message: `more than the ${train.length} training examples` }],
    );
  }
  const bucketLengths = chooseBuckets(
    train.map((e) => e.inputIds.length),
    t.max_buckets,
  );
  const buckets = assignBuckets(train, bucketLengths);
  const counted = buckets.map((b) => ({
    length: b.length,
    examples: b.members.length,
    batches: Math.floor(b.members.length / t.batch_size),
  }));
  let batchesPerEpoch = 0;
  let tokensPerEpoch = 0;
  for (const b of counted) {
    batchesPerEpoch += b.batches;
    tokensPerEpoch += b.batches * t.batch_size * b.length;
  }
  if (batchesPerEpoch === 0) {
    throw new RunSpecError(`no length bucket holds a full batch of ${t.batch_size}; lower training.batch_size or training.max_buckets`, [
      { path: 'training.batch_size', message: 'no length bucket holds a full batch' },
    ]);
  }
  const k = t.gradient_accumulation;
  const totalSteps = Math.min(t.max_steps ?? Number.POSITIVE_INFINITY, Math.floor((batchesPerEpoch * t.epochs) / k));
  return {
    bucketLengths: counted.map((b) => b.length),
    buckets: counted,
    batchesPerEpoch,
    stepsPerEpoch: Math.max(1, Math.round(batchesPerEpoch / k)),
    totalSteps,
    tokensPerEpoch,
  };
}

/** The run's training settings as the engine's trainer takes them: the same settings under camelCase names. */
export function trainerConfig(spec: RunSpec): Partial<TrainerConfig> {
  // init is the model loader's (prepareRun), not the trainer's.
  const { init: _init, ...training } = camelKeys(spec.training);
  return { ...training, seed: spec.seed, provider: spec.device, threads: spec.threads };
}
