// One call from dataset files to the trainer's examples: read, validate every row, split, tokenize, and describe.

import type { ChatTemplate } from '../chat/template.ts';
import type { Task } from '../models/config.ts';
import type { Tokenizer } from '../tokenizers/index.ts';
import type { Example } from '../train/batching.ts';
import { type ColumnMap, DatasetConfigError, resolveColumns } from './columns.ts';
import { DatasetError, type DatasetIssue, type IssueKind, IssueLog } from './issues.ts';
import { type ReadOptions, streamTable } from './read.ts';
import { type DataSource, sourceName, sourceSize } from './source.ts';
import { splitDataset } from './split.ts';
import { type DatasetStats, datasetStats, type SplitPart } from './stats.ts';
import type { TableSink } from './table.ts';
import { tokenizeRecords } from './tokenize.ts';
import { type DatasetRecord, RecordValidator, type ValidateOptions } from './validate.ts';

export interface DatasetFiles {
  train: DataSource;
  validation?: DataSource;
  test?: DataSource;
}

/** One file, split into train, validation and test by LoadDatasetOptions.split. */
export interface SingleFile {
  file: DataSource;
}

export interface LoadDatasetOptions extends ReadOptions {
  /** Separate files per split, none split further (a missing validation or test file means an empty split), or one file to split. */
  files: DatasetFiles | SingleFile;
  task: Task;
  /** Which columns hold what; each task has defaults (text, label, score, tokens, tags, context, question, answers.*). */
  columns?: ColumnMap;
  tokenizer: Tokenizer;
  /** Most tokens per example, special tokens included. */
  maxLength: number;
  /** Seeds the split and masked-LM masking. @default 42 */
  seed?: number;
  /** Label names in id order; collected from the data when absent (see ValidateOptions.labels). */
  labels?: readonly string[];
  /** Shares of a single file for validation and test (stratified by label for classification). @default { validation: 0.1, test: 0.1 } */
  split?: { validation?: number; test?: number };
  /** Question answering: accept questions with no answer (SQuAD v2). @default false */
  allowUnanswerable?: boolean;
  /** Masked LM. @default 0.15 */
  maskProbability?: number;
  /** Masked LM. @default '[MASK]' or '<mask>' */
  maskToken?: string;
  /** Masked LM: most predictions per example; set it to the trainer's mlmPredictions. @default no limit */
  maxPredictions?: number;
  /**
   * Causal LM conversations: the model's chat template (readChatTemplate of its folder). In a data thread it defaults
   * to the template of the tokenizer file's folder. @default DEFAULT_CHAT_TEMPLATE
   */
  chatTemplate?: ChatTemplate;
  /** Called as the files are read (bytes) and the records tokenized (records), at most once per chunk or 1,000 records. */
  onProgress?: (progress: DataProgress) => void;
}

/** How far a load has come: `done` of `total` bytes read, or records tokenized. */
export interface DataProgress {
  phase: 'reading' | 'tokenizing';
  done: number;
  total: number;
}

export interface LoadedDataset {
  train: Example[];
  validation: Example[];
  test: Example[];
  /** id2label (classification, token classification). */
  labels?: string[];
  stats: DatasetStats;
  /** Warnings only (answers or completions cut off by truncation), up to ISSUES_PER_KIND of each kind; errors throw a DatasetError instead. */
  issues: DatasetIssue[];
  /** The warnings counted by kind. */
  issueKinds: IssueKind[];
}

type SplitName = 'train' | 'validation' | 'test';
const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

/**
 * Loads a dataset for a task. Every row of every file is checked before anything is tokenized, and all problems
 * (missing columns, empty texts, unknown labels, bad numbers, tag counts, answer spans, bad encoding, malformed
 * CSV or JSON) come back together in one DatasetError; rows that cannot be tokenized likewise. Only a clean
 * dataset is returned.
 */
export async function loadDataset(options: LoadDatasetOptions): Promise<LoadedDataset> {
  const { task, tokenizer, maxLength } = options;
  const seed = options.seed ?? 42;
  const files = options.files as Partial<DatasetFiles & SingleFile> | undefined;
  const single = files?.file !== undefined;
  if (files === undefined || single === (files.train !== undefined)) {
    throw new DatasetConfigError('files must be either { train, validation?, test? } or { file } (one file to split)');
  }
  // A wrong mapping or length is refused before any reading.
  resolveColumns(task, options.columns);
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new DatasetConfigError(`maxLength must be a positive integer, got ${maxLength}`);
  const sources: Partial<Record<SplitName, DataSource>> = single
    ? { train: files.file }
    : { train: files.train, validation: files.validation, test: files.test };

  const names = SPLITS.filter((s) => sources[s] !== undefined);
  const validated = await readRecords(
    names.map((s) => sources[s] as DataSource),
    options,
    { task, columns: options.columns, labels: options.labels, allowUnanswerable: options.allowUnanswerable },
    options.onProgress,
  );

  const records: Record<SplitName, DatasetRecord[]> = { train: [], validation: [], test: [] };
  if (single) {
    const all = validated.records[0] ?? [];
    const split = splitDataset(all, {
      validation: options.split?.validation ?? 0.1,
      test: options.split?.test ?? 0.1,
      seed,
      stratifyBy: task === 'sequence-classification' ? (r) => (r.task === 'sequence-classification' ? r.label : 0) : undefined,
    });
    Object.assign(records, split);
  } else {
    names.forEach((s, k) => {
      records[s] = validated.records[k] ?? [];
    });
  }

  const examples: Record<SplitName, Example[]> = { train: [], validation: [], test: [] };
  const parts: Record<SplitName, SplitPart> = {
    train: { records: [], lengths: [], truncated: 0 },
    validation: { records: [], lengths: [], truncated: 0 },
    test: { records: [], lengths: [], truncated: 0 },
  };
  const warnings = new IssueLog();
  const total = records.train.length + records.validation.length + records.test.length;
  let done = 0;
  SPLITS.forEach((s, k) => {
    const t = tokenizeRecords(records[s], {
      tokenizer,
      maxLength,
      // Each split draws its own masks.
      seed: (seed + k * 0x9e3779b9) >>> 0,
      maskProbability: options.maskProbability,
      maskToken: options.maskToken,
      maxPredictions: options.maxPredictions,
      chatTemplate: options.chatTemplate,
      onProgress: options.onProgress && ((n) => options.onProgress?.({ phase: 'tokenizing', done: done + n, total })),
    });
    done += records[s].length;
    examples[s] = t.examples;
    parts[s] = { records: records[s], lengths: t.lengths, truncated: t.truncated };
    // One by one: a spread of a million warnings would overflow the call stack.
    for (const issue of t.issues) warnings.add(issue);
  });
  warnings.throwOnErrors();
  if (examples.train.length === 0) {
    throw new DatasetError([
      { file: sourceName(sources.train as DataSource), message: 'no training rows; the train file needs at least one' },
    ]);
  }

  const result: LoadedDataset = {
    train: examples.train,
    validation: examples.validation,
    test: examples.test,
    stats: datasetStats(parts, maxLength, validated.labels),
    issues: warnings.issues('warning'),
    issueKinds: warnings.kinds('warning'),
  };
  if (validated.labels) result.labels = validated.labels;
  return result;
}

/**
 * Reads and validates files a block at a time (a row is checked as soon as it is parsed, so no whole table is
 * held), every problem going to one capped IssueLog; throws its DatasetError when any problem is an error. The
 * records come back one list per source, in order.
 */
export async function readRecords(
  sources: readonly DataSource[],
  read: ReadOptions,
  validate: ValidateOptions,
  onProgress?: (progress: DataProgress) => void,
): Promise<{ records: DatasetRecord[][]; labels?: string[] }> {
  const log = new IssueLog();
  const validator = new RecordValidator(validate, log);
  const sizes = await Promise.all(sources.map(sourceSize));
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  for (const [k, source] of sources.entries()) {
    const name = sourceName(source);
    const check = validator.table(name);
    let rows = 0;
    let problems = 0;
    let columns: string[] = [];
    const sink: TableSink = {
      row: (r) => {
        rows++;
        check(r);
      },
      issue: (i) => {
        problems++;
        log.add(i);
      },
    };
    const onChunk = onProgress && ((end: number) => onProgress({ phase: 'reading', done: before + end, total }));
    try {
      columns = (await streamTable(source, read, sink, { onChunk })).columns;
    } catch (err) {
      if (!(err instanceof DatasetError)) throw err;
      problems += err.issues.length;
      log.push(...err.issues);
    }
    before += sizes[k] ?? 0;
    validator.endTable(columns);
    if (rows === 0 && problems === 0) log.add({ file: name, message: 'the file has a header but no data rows' });
  }
  const result = validator.finish();
  log.throwOnErrors();
  return result;
}
