// JSON Lines reader: one JSON object per line, blank lines skipped, each bad line reported with its number and the JSON error.

import type { DatasetIssue } from './issues.ts';
import { decodeChunks, describeInvalidByte, type InvalidByte, type TextChunk } from './source.ts';
import { collectTable, type Table, type TableParser, type TableSink } from './table.ts';

export interface JsonlOptions {
  /** Bytes decoded at a time (tests use small chunks to cross chunk boundaries). @default 16 MiB */
  chunkBytes?: number;
}

/** Parses JSONL bytes (see jsonlParser). */
export function parseJsonl(bytes: Uint8Array, file: string, options: JsonlOptions = {}): Table {
  return collectTable(file, 'jsonl', (sink) => jsonlParser(file, sink), decodeChunks(bytes, options.chunkBytes));
}

/** A JSONL parser fed one decoded chunk at a time. A line that is not JSON, or is JSON but not an object, becomes an issue; reading goes on. */
export function jsonlParser(file: string, sink: TableSink): TableParser {
  const columns = new Map<string, true>();
  let line = 0;
  let rows = 0;
  let issueCount = 0;
  const issues = {
    push: (issue: DatasetIssue): void => {
      issueCount++;
      sink.issue(issue);
    },
  };
  const push = (chunk: TextChunk): void => {
    const s = chunk.text;
    const bad: InvalidByte[] = chunk.invalid;
    let b = 0;
    let start = 0;
    while (start < s.length) {
      const lf = s.indexOf('\n', start);
      const end = lf < 0 ? s.length : lf;
      line++;
      let firstBad: InvalidByte | undefined;
      while (b < bad.length && (bad[b] as InvalidByte).index < end) {
        firstBad ??= bad[b];
        b++;
      }
      const text = s.charCodeAt(end - 1) === 0x0d ? s.slice(start, end - 1) : s.slice(start, end);
      start = end + 1;
      if (firstBad) {
        issues.push({ file, row: line, message: describeInvalidByte(firstBad) });
        continue;
      }
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        issues.push({ file, row: line, message: `not valid JSON (${(err as Error).message}); each line must hold one JSON object` });
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
        issues.push({ file, row: line, message: `expected a JSON object ({"column": value, ...}) on each line, got ${got}` });
        continue;
      }
      for (const key of Object.keys(value)) columns.set(key, true);
      rows++;
      sink.row({ row: line, line, data: value as Record<string, unknown> });
    }
  };
  const end = (): void => {
    if (rows === 0 && issueCount === 0)
      issues.push({ file, message: 'the file has no rows; a JSONL dataset needs one JSON object per line' });
  };
  return { push, end, columns: () => [...columns.keys()] };
}
