// CSV reading: RFC 4180 quoting, line endings, BOM, chunk boundaries, malformed records and bad UTF-8 named by row.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';
import { DatasetError } from './issues.ts';
import { readTable } from './read.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/data');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const data = (t: { rows: { data: Readonly<Record<string, unknown>> }[] }) => t.rows.map((r) => r.data);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuneql-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseCsv', () => {
  it('reads quoted fields, "" escapes, embedded commas and newlines, with row and line numbers', async () => {
    const t = await readTable(join(FIXTURES, 'reviews.csv'));
    expect(t.issues).toEqual([]);
    expect(t.columns).toEqual(['text', 'label']);
    expect(data(t)).toEqual([
      { text: 'A truly delightful novel, full of wit.', label: 'pos' },
      { text: 'She said "never again" and meant it.', label: 'neg' },
      { text: 'Two lines:\nthe second one', label: 'pos' },
      { text: 'Plain unquoted text', label: 'neg' },
    ]);
    // Row counts records (header = row 1); line counts physical lines, so it runs ahead after the two-line field.
    expect(t.rows.map((r) => [r.row, r.line])).toEqual([
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 6],
    ]);
  });

  it('handles CRLF, a UTF-8 BOM, a missing final newline, empty fields and blank lines', () => {
    const t = parseCsv(bytes('\uFEFFa,b,c\r\n1,,"x\r\ny"\r\n\r\n"",2,\r\n3,"4","é"'), 'mem.csv');
    expect(t.issues).toEqual([]);
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(data(t)).toEqual([
      { a: '1', b: '', c: 'x\r\ny' },
      { a: '', b: '2', c: '' },
      { a: '3', b: '4', c: 'é' },
    ]);
    expect(t.rows.map((r) => r.row)).toEqual([2, 4, 5]);
    expect(t.rows.map((r) => r.line)).toEqual([2, 5, 6]);
  });

  it('gives the same rows whatever the decoding chunk size', () => {
    const text = 'text,label\n"multi\nline, with ""quotes""",a\nplain,b\n"é😀",c\n';
    const whole = parseCsv(bytes(text), 'x.csv');
    for (const chunkBytes of [1, 2, 3, 7, 16]) {
      const t = parseCsv(bytes(text), 'x.csv', { chunkBytes });
      expect(t.issues).toEqual([]);
      expect(t.rows).toEqual(whole.rows);
    }
    expect(whole.rows.map((r) => r.data.text)).toEqual(['multi\nline, with "quotes"', 'plain', 'é😀']);
  });

  it('reads tab-separated files by extension', async () => {
    const path = join(dir, 'x.tsv');
    await writeFile(path, 'text\tlabel\na, b\tc\n');
    expect(data(await readTable(path))).toEqual([{ text: 'a, b', label: 'c' }]);
  });

  it('reports a ragged row by its row number and keeps reading', async () => {
    const t = await readTable(join(FIXTURES, 'ragged.csv'));
    expect(data(t).map((d) => d.text)).toEqual(['fine row', 'another fine row']);
    expect(t.issues).toHaveLength(1);
    expect(t.issues[0]).toMatchObject({ file: join(FIXTURES, 'ragged.csv'), row: 3 });
    expect(t.issues[0]?.message).toMatch(/3 fields but the header has 2; quote/);
  });

  it('reports an unterminated quote at the row where it opens', async () => {
    const t = await readTable(join(FIXTURES, 'unterminated.csv'));
    expect(data(t)).toEqual([{ text: 'fine row', label: 'pos' }]);
    expect(t.issues).toEqual([
      expect.objectContaining({ row: 3, line: 3, column: 'text', message: expect.stringMatching(/unterminated quoted field.*line 3/) }),
    ]);
  });

  it('reports text after a closing quote', () => {
    const t = parseCsv(bytes('text,label\n"quoted"tail,x\nok,y\n'), 'q.csv');
    expect(data(t)).toEqual([{ text: 'ok', label: 'y' }]);
    expect(t.issues).toEqual([
      expect.objectContaining({ row: 2, column: 'text', message: expect.stringMatching(/after a closing quote/) }),
    ]);
  });

  it('reports duplicate header names and an empty file', () => {
    expect(parseCsv(bytes('a,a\n1,2\n'), 'd.csv').issues[0]?.message).toMatch(/names column 'a' more than once/);
    expect(parseCsv(bytes(''), 'e.csv').issues[0]?.message).toMatch(/the file is empty/);
  });

  // Found by the fuzz suite with TUNEQL_FUZZ_SEED=3: a header of 378,219 commas was 378,219 issues (2 s here, and
  // gigabytes for a file near the upload limit); unnamed and repeated columns are now one issue each.
  it('reports a header of many unnamed or repeated columns in one issue each', () => {
    const t = parseCsv(bytes(`${','.repeat(400_000)}a,a,a,b,b\n`), 'wide.csv');
    expect(t.issues.map((i) => i.message)).toEqual([
      "the header names column 'a' more than once; column names must be unique",
      "the header names column 'b' more than once; column names must be unique",
      'header columns 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ... (400000 in all) have no name; give every column a name',
    ]);
    expect(parseCsv(bytes('a,,b\n'), 'one.csv').issues[0]?.message).toBe('header column 2 has no name; give every column a name');
  });

  it('reports invalid UTF-8 with the row and column, the byte and its offset', () => {
    // Row 3's text holds a lone 0xFF; row 4's label a truncated 3-byte sequence (E2 82 without its last byte).
    const head = bytes('text,label\nok,a\n');
    const row3 = Uint8Array.of(...bytes('bad '), 0xff, ...bytes(' byte,b\n'));
    const row4 = Uint8Array.of(...bytes('fine,'), 0xe2, 0x82, ...bytes('\n'));
    const all = Uint8Array.of(...head, ...row3, ...row4, ...bytes('last,c\n'));
    for (const chunkBytes of [undefined, 5]) {
      const t = parseCsv(all, 'enc.csv', { chunkBytes });
      expect(t.issues).toEqual([
        {
          file: 'enc.csv',
          row: 3,
          line: 3,
          column: 'text',
          message: expect.stringContaining(`byte 0xFF at byte offset ${head.length + 4}`),
        },
        {
          file: 'enc.csv',
          row: 4,
          line: 4,
          column: 'label',
          message: expect.stringContaining(`byte 0xE2 at byte offset ${head.length + row3.length + 5}`),
        },
      ]);
      expect(t.issues[0]?.message).toMatch(/save the file with UTF-8 encoding/);
      // The rows are kept (with U+FFFD) so that every other check still runs on them.
      expect(data(t).map((d) => d.text)).toEqual(['ok', 'bad \uFFFD byte', 'fine', 'last']);
    }
  });
});

describe('readTable', () => {
  it('refuses a file over the size limit before reading it', async () => {
    const path = join(dir, 'big.csv');
    await writeFile(path, 'text,label\n'.padEnd(2048, 'x'));
    const err = await readTable(path, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).message).toMatch(
      /big\.csv: the file is 2\.0 KiB \(2048 bytes\), over the 1\.0 KiB limit; split it .* or raise maxBytes/,
    );
  });

  it('names the missing file and an unknown extension', async () => {
    await expect(readTable(join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: cannot read the file \(ENOENT\)/);
    await expect(readTable(join(dir, 'data.txt'))).rejects.toThrow(/cannot tell the format .*\.txt.*format: 'csv' or 'jsonl'/);
  });

  it('reads uploads held in memory', async () => {
    const t = await readTable({ name: 'upload.csv', content: 'text,label\nhi,x\n' });
    expect(t.file).toBe('upload.csv');
    expect(data(t)).toEqual([{ text: 'hi', label: 'x' }]);
  });
});
