// CSV reader (RFC 4180): a header row, quoted fields with "" escapes, embedded commas and newlines, CRLF or LF, UTF-8 with or without BOM.

import type { DatasetIssue } from './issues.ts';
import { decodeChunks, describeInvalidByte, type InvalidByte, type TextChunk } from './source.ts';
import { collectTable, type SourceRow, type Table, type TableParser, type TableSink } from './table.ts';

export interface CsvOptions {
  /** @default ',' */
  delimiter?: string;
  /** Bytes decoded at a time (tests use small chunks to cross chunk boundaries). @default 16 MiB */
  chunkBytes?: number;
}

interface PendingInvalid {
  /** Character position in the whole decoded text. */
  at: number;
  byte: InvalidByte;
}

/** Parses CSV bytes into rows keyed by the header (see csvParser). */
export function parseCsv(bytes: Uint8Array, file: string, options: CsvOptions = {}): Table {
  return collectTable(file, 'csv', (sink) => csvParser(file, options, sink), decodeChunks(bytes, options.chunkBytes));
}

/**
 * A CSV parser fed one decoded chunk at a time, handing each row to the sink as it ends. Problems do not stop the
 * parse: a record with the wrong number of fields, text after a closing quote, an unterminated quote or bad UTF-8
 * becomes an issue naming its row, and the reading goes on so that one pass reports everything. Empty lines are
 * skipped (they still count as rows).
 */
export function csvParser(file: string, options: CsvOptions, sink: TableSink): TableParser {
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  }
  const sep = delimiter.charCodeAt(0);
  let issueCount = 0;
  const issues = {
    push: (issue: DatasetIssue): void => {
      issueCount++;
      sink.issue(issue);
    },
  };
  let header: string[] | null = null;

  let fields: string[] = [];
  let fieldStarts: number[] = [];
  let field = '';
  let fieldStart = 0;
  let atFieldStart = true;
  let inQuoted = false;
  let afterQuote = false;
  let anyQuoted = false;
  let quoteLine = 0;
  let recordError: string | null = null;
  let recordErrorColumn = 0;

  let line = 1;
  let recordLine = 1;
  let rowCount = 0;
  const pending: PendingInvalid[] = [];

  const columnName = (index: number): string | undefined => header?.[index] ?? (header === null ? undefined : `#${index + 1}`);

  const endField = (): void => {
    fields.push(field);
    fieldStarts.push(fieldStart);
    field = '';
    atFieldStart = true;
    afterQuote = false;
  };

  const endRecord = (end: number): void => {
    const row = ++rowCount;
    const bad: PendingInvalid[] = [];
    while (pending.length > 0 && (pending[0] as PendingInvalid).at < end) bad.push(pending.shift() as PendingInvalid);
    const blank = fields.length === 1 && fields[0] === '' && !anyQuoted && bad.length === 0;
    const where = { file, row, line: recordLine };
    if (blank) {
      // Nothing to keep: an empty line.
    } else if (recordError !== null) {
      issues.push({ ...where, column: columnName(recordErrorColumn), message: recordError });
    } else if (header === null) {
      header = fields;
      const seen = new Set<string>();
      // One issue for all unnamed columns: a line of a million commas is a million of them, not a million issues.
      const unnamed: number[] = [];
      const repeated = new Set<string>();
      header.forEach((name, k) => {
        if (name.trim() === '') unnamed.push(k + 1);
        else if (seen.has(name) && !repeated.has(name)) {
          repeated.add(name);
          issues.push({ ...where, message: `the header names column '${name}' more than once; column names must be unique` });
        }
        seen.add(name);
      });
      if (unnamed.length === 1) issues.push({ ...where, message: `header column ${unnamed[0]} has no name; give every column a name` });
      else if (unnamed.length > 1) {
        const shown = unnamed.slice(0, 10).join(', ');
        const more = unnamed.length > 10 ? `, ... (${unnamed.length} in all)` : '';
        issues.push({ ...where, message: `header columns ${shown}${more} have no name; give every column a name` });
      }
    } else if (fields.length !== header.length) {
      issues.push({
        ...where,
        message: `the row has ${fields.length} fields but the header has ${header.length}; quote ("...") fields that contain commas, quotes or line breaks`,
      });
    } else {
      const data: Record<string, unknown> = {};
      header.forEach((name, k) => {
        data[name] = fields[k];
      });
      sink.row({ row, line: recordLine, data } satisfies SourceRow);
    }
    if (!blank && recordError === null) {
      // Report one bad byte per field: the rest of a mis-encoded field is usually the same mistake.
      const reported = new Set<number>();
      for (const b of bad) {
        let k = 0;
        while (k + 1 < fieldStarts.length && (fieldStarts[k + 1] as number) <= b.at) k++;
        if (reported.has(k)) continue;
        reported.add(k);
        issues.push({ ...where, column: columnName(k), message: describeInvalidByte(b.byte) });
      }
    }
    fields = [];
    fieldStarts = [];
    anyQuoted = false;
    recordError = null;
  };

  const fail = (message: string): void => {
    if (recordError === null) {
      recordError = message;
      recordErrorColumn = fields.length;
    }
  };

  let base = 0;
  const push = (chunk: TextChunk): void => {
    for (const b of chunk.invalid) pending.push({ at: base + b.index, byte: b });
    const s = chunk.text;
    const n = s.length;
    let i = 0;
    while (i < n) {
      if (inQuoted) {
        const q = s.indexOf('"', i);
        const stop = q < 0 ? n : q;
        field += s.slice(i, stop);
        line += countLineBreaks(s, i, stop);
        if (q < 0) {
          i = n;
          break;
        }
        if (s.charCodeAt(q + 1) === 0x22) {
          field += '"';
          i = q + 2;
        } else {
          inQuoted = false;
          afterQuote = true;
          i = q + 1;
        }
        continue;
      }
      if (atFieldStart && s.charCodeAt(i) === 0x22) {
        inQuoted = true;
        anyQuoted = true;
        quoteLine = line;
        fieldStart = base + i;
        atFieldStart = false;
        i++;
        continue;
      }
      if (atFieldStart) fieldStart = base + i;
      let j = i;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c === sep || c === 0x0a || c === 0x0d) break;
        j++;
      }
      if (j > i) {
        if (afterQuote) {
          fail(
            `unexpected text ${JSON.stringify(s.slice(i, Math.min(j, i + 20)))} after a closing quote; a quoted field must end at the quote, and quotes inside it are written twice ("")`,
          );
        }
        field += s.slice(i, j);
      }
      atFieldStart = false;
      i = j;
      if (j === n) break;
      if (s.charCodeAt(j) === sep) {
        endField();
        i = j + 1;
        // A delimiter right before the end of the record still opens one more (empty) field.
        fieldStart = base + i;
        continue;
      }
      endField();
      endRecord(base + j);
      i = s[j] === '\r' && s[j + 1] === '\n' ? j + 2 : j + 1;
      line++;
      recordLine = line;
      fieldStart = base + i;
    }
    base += n;
  };

  const end = (): void => {
    if (inQuoted) {
      const row = rowCount + 1;
      issues.push({
        file,
        row,
        line: recordLine,
        column: columnName(fields.length),
        message: `unterminated quoted field: the quote opened on line ${quoteLine} is never closed; close it, and write quotes inside a field twice ("")`,
      });
    } else if (fields.length > 0 || !atFieldStart || field !== '') {
      // The last record has no line break after it.
      endField();
      endRecord(base);
    }
    if (header === null && issueCount === 0)
      issues.push({ file, message: 'the file is empty; a CSV dataset needs a header row and data rows' });
  };
  return { push, end, columns: () => header ?? [] };
}

/** Line breaks (CRLF, LF or a lone CR) in s[from, to). */
function countLineBreaks(s: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x0a) count++;
    else if (c === 0x0d && s.charCodeAt(k + 1) !== 0x0a) count++;
  }
  return count;
}
