// Reading one dataset file: its format from the extension (or as given), its size checked, its rows parsed.

import { type CsvOptions, parseCsv } from './csv.ts';
import { DatasetError } from './issues.ts';
import { parseJsonl } from './jsonl.ts';
import { type DataSource, DEFAULT_MAX_BYTES, readSourceBytes, sourceName } from './source.ts';
import type { Table, TableFormat } from './table.ts';

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

/**
 * 'UTF-16LE' or 'UTF-16BE' when `bytes` start with that byte order mark, or (without one) when the first
 * characters alternate with NUL bytes as ASCII text in UTF-16 does; undefined otherwise (UTF-8 text has no NULs).
 */
export function utf16Encoding(bytes: Uint8Array): 'UTF-16LE' | 'UTF-16BE' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16LE';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16BE';
  const n = Math.min(bytes.length, 64) & ~1;
  if (n < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  if (oddNul * 2 >= n / 2 && evenNul === 0) return 'UTF-16LE';
  if (evenNul * 2 >= n / 2 && oddNul === 0) return 'UTF-16BE';
  return undefined;
}

/** Reads and parses a file. Size and format problems throw; row problems come back in `table.issues`. */
export async function readTable(source: DataSource, options: ReadOptions = {}): Promise<Table> {
  const name = sourceName(source);
  const detected = options.format === undefined ? formatFromName(name) : { format: options.format };
  const { bytes } = await readSourceBytes(source, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const utf16 = utf16Encoding(bytes);
  if (utf16) {
    // Decoded as UTF-8 it would be an issue per row; one message says what is wrong and how to fix it.
    throw new DatasetError([
      {
        file: name,
        message: `the file is ${utf16} text; save it as UTF-8 (a spreadsheet's "CSV UTF-8" format, or an editor's UTF-8 encoding) and upload it again`,
      },
    ]);
  }
  if (detected.format === 'jsonl') return parseJsonl(bytes, name, { chunkBytes: options.chunkBytes });
  const csv: CsvOptions = {
    delimiter: options.delimiter ?? ('delimiter' in detected ? detected.delimiter : undefined),
    chunkBytes: options.chunkBytes,
  };
  return parseCsv(bytes, name, csv);
}
