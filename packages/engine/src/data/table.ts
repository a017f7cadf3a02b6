// What the file readers produce: rows of values keyed by column, each with the row and line it came from.

import type { DatasetIssue } from './issues.ts';
import type { TextChunk } from './source.ts';

export type TableFormat = 'csv' | 'jsonl';

/** One data row as read, before any column mapping. */
export interface SourceRow {
  /** 1-based: the JSONL line, or the CSV record counting the header as row 1. */
  row: number;
  /** 1-based line the row starts on (CSV records with quoted newlines span several). */
  line: number;
  /** CSV: every header column as a string; JSONL: the parsed object. */
  data: Readonly<Record<string, unknown>>;
}

export interface Table {
  file: string;
  format: TableFormat;
  /** CSV: the header; JSONL: the top-level keys in the order they first appear. */
  columns: string[];
  /** Rows that parsed; rows with problems are left out and described in `issues`. */
  rows: SourceRow[];
  issues: DatasetIssue[];
}

/** Where a parser hands rows and issues as it finds them. */
export interface TableSink {
  row(row: SourceRow): void;
  issue(issue: DatasetIssue): void;
}

/** A file format's parser: fed decoded chunks in order, then ended once. */
export interface TableParser {
  push(chunk: TextChunk): void;
  /** Reports what the end of the file leaves open (an unterminated quote, an empty file). */
  end(): void;
  /** CSV: the header; JSONL: the top-level keys seen so far. */
  columns(): string[];
}

/** A whole table from a parser and its chunks, for callers that want every row at once (tests, small files). */
export function collectTable(
  file: string,
  format: TableFormat,
  parser: (sink: TableSink) => TableParser,
  chunks: Iterable<TextChunk>,
): Table {
  const rows: SourceRow[] = [];
  const issues: DatasetIssue[] = [];
  const p = parser({ row: (r) => rows.push(r), issue: (i) => issues.push(i) });
  for (const chunk of chunks) p.push(chunk);
  p.end();
  return { file, format, columns: p.columns(), rows, issues };
}
