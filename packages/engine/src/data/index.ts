// Datasets for fine-tuning: CSV and JSONL readers, column mapping, row validation, splits, statistics and tokenization.

export { type ColumnMap, type ColumnRole, DatasetConfigError, parsePath, resolveColumns, resolvePath } from './columns.ts';
export { type CsvOptions, parseCsv } from './csv.ts';
export type { LoadInThreadOptions } from './data-protocol.ts';
export { DataThreads, type DataThreadsOptions, dataThreads, type OnDataProgress } from './data-thread.ts';
export {
  type DataProgress,
  type DatasetFiles,
  type LoadDatasetOptions,
  type LoadedDataset,
  loadDataset,
  readRecords,
  type SingleFile,
} from './dataset.ts';
export {
  DatasetError,
  type DatasetIssue,
  formatIssue,
  ISSUES_IN_MESSAGE,
  ISSUES_PER_KIND,
  type IssueKind,
  IssueLog,
  MAX_KINDS,
} from './issues.ts';
export { type JsonlOptions, parseJsonl } from './jsonl.ts';
export { type PackedDataset, type PackedExamples, packDataset, unpackDataset, unpackExamples } from './packed.ts';
export { formatFromName, type ReadOptions, readTable, streamTable } from './read.ts';
export { type DataSource, DEFAULT_MAX_BYTES } from './source.ts';
export { type SplitOptions, type Splits, shuffled, splitDataset } from './split.ts';
export { type DatasetStats, type LengthStats, lengthStats, percentile, type SplitStats } from './stats.ts';
export { type DatasetSummary, recordText, summarizeRecords, tokenLengths } from './summary.ts';
export type { SourceRow, Table, TableFormat } from './table.ts';
export { type TokenizedRecords, type TokenizeOptions, tokenizeRecords } from './tokenize.ts';
export {
  type Answer,
  type DatasetRecord,
  type RecordOf,
  type RecordSource,
  sortLabels,
  type ValidatedData,
  type ValidateOptions,
  validateTables,
} from './validate.ts';
