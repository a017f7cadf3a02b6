// Reading one dataset file: its format from the extension (or as given), its size checked, its rows parsed as they are read.

import { csvParser } from './csv.ts';
import { DatasetError, type DatasetIssue } from './issues.ts';
import { jsonlParser } from './jsonl.ts';
import { type DataSource, DEFAULT_MAX_BYTES, sourceChunks, sourceName } from './source.ts';
import type { SourceRow, Table, TableFormat, TableSink } from './table.ts';

export interface ReadOptions {
  /** @default from the extension: .csv, .tsv (tab-separated), .jsonl or .ndjson */
  format?: TableFormat;
  /** Files larger than this are refused before they are read. @default 1 GiB */
  maxBytes?: number;
  /** CSV field separator. @default ',' (tab for .tsv) */
  delimiter?: string;
  /** Bytes decoded at a time. @default 16 MiB */
  chunkBytes?: number;
}

const EXTENSIONS: Record<string, { format: TableFormat; delimiter?: string }> = {
  csv: { format: 'csv' },
  tsv: { format: 'csv', delimiter: '\t' },
  jsonl: { format: 'jsonl' },
  ndjson: { format: 'jsonl' },
};

/** The format named by a file's extension, or a DatasetError saying how to name it. */
export function formatFromName(name: string): { format: TableFormat; delimiter?: string } {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase();
  const known = ext === undefined ? undefined : EXTENSIONS[ext];
  if (!known) {
    throw new DatasetError([
      {
        file: name,
        message: `cannot tell the format from the name (${ext === undefined ? 'no extension' : `.${ext}`}); name the file .csv, .tsv or .jsonl, or pass format: 'csv' or 'jsonl'`,
      },
    ]);
  }
  return known;
}

/** Reads and parses a file into one table. Size and format problems throw; row problems come back in `table.issues`. */
export async function readTable(source: DataSource, options: ReadOptions = {}): Promise<Table> {
  const rows: SourceRow[] = [];
  const issues: DatasetIssue[] = [];
  const read = await streamTable(source, options, { row: (r) => rows.push(r), issue: (i) => issues.push(i) });
  return { ...read, rows, issues };
}

/** What streamTable read: the file's name, format and columns. */
export type TableHead = Omit<Table, 'rows' | 'issues'>;

export interface StreamHooks {
  /** Returning true ends the reading after the current chunk (a preview that has its rows). */
  stop?: () => boolean;
  /** After each chunk: the bytes of the source read so far. */
  onChunk?: (bytesRead: number) => void;
}

/**
 * Reads a file a block at a time and hands each row and issue to the sink as the parser finds them, so no whole
 * table is held. Size and format problems throw a DatasetError.
 */
export async function streamTable(source: DataSource, options: ReadOptions, sink: TableSink, hooks: StreamHooks = {}): Promise<TableHead> {
  const name = sourceName(source);
  const detected = options.format === undefined ? formatFromName(name) : { format: options.format };
  const parser =
    detected.format === 'jsonl'
      ? jsonlParser(name, sink)
      : csvParser(name, { delimiter: options.delimiter ?? ('delimiter' in detected ? detected.delimiter : undefined) }, sink);
  for await (const chunk of sourceChunks(source, options.maxBytes ?? DEFAULT_MAX_BYTES, options.chunkBytes)) {
    parser.push(chunk);
    hooks.onChunk?.(chunk.end);
    if (hooks.stop?.()) return { file: name, format: detected.format, columns: parser.columns() };
  }
  parser.end();
  return { file: name, format: detected.format, columns: parser.columns() };
}
