// What the file readers produce: rows of values keyed by column, each with the row and line it came from.

import type { DatasetIssue } from './issues.ts';

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
