// JSONL reading: one object per line, blank lines skipped, bad lines and bad UTF-8 named by line number.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from './jsonl.ts';
import { readTable } from './read.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/data');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseJsonl', () => {
  it('reads objects with their line numbers, skipping blank lines, with CRLF and BOM', () => {
    const t = parseJsonl(bytes('\uFEFF{"a": 1}\r\n\r\n   \n{"b": {"c": [2]}}'), 'x.jsonl');
    expect(t.issues).toEqual([]);
    expect(t.rows).toEqual([
      { row: 1, line: 1, data: { a: 1 } },
      { row: 4, line: 4, data: { b: { c: [2] } } },
    ]);
    expect(t.columns).toEqual(['a', 'b']);
  });

  it('names a bad line and the JSON error, and keeps reading', async () => {
    const path = join(FIXTURES, 'bad-line.jsonl');
    const t = await readTable(path);
    expect(t.rows.map((r) => r.data.text)).toEqual(['good', 'good again']);
    expect(t.issues).toHaveLength(1);
    expect(t.issues[0]).toMatchObject({ file: path, row: 2 });
    expect(t.issues[0]?.message).toMatch(/^not valid JSON \(.+\); each line must hold one JSON object$/);
  });

  it('refuses lines that are JSON but not objects', () => {
    const t = parseJsonl(bytes('[1, 2]\n"text"\nnull\n{"ok": true}\n'), 'x.jsonl');
    expect(t.rows).toHaveLength(1);
    expect(t.issues.map((i) => [i.row, i.message.replace(/.*, got /, '')])).toEqual([
      [1, 'an array'],
      [2, 'a string'],
      [3, 'null'],
    ]);
  });

  it('reports invalid UTF-8 on the line that holds it, across chunk boundaries too', () => {
    const first = bytes('{"text": "fine"}\n');
    const all = Uint8Array.of(...first, ...bytes('{"text": "caf'), 0xe9, ...bytes('"}\n{"text": "ok"}\n'));
    for (const chunkBytes of [undefined, 3]) {
      const t = parseJsonl(all, 'latin1.jsonl', { chunkBytes });
      expect(t.rows.map((r) => [r.row, r.data.text])).toEqual([
        [1, 'fine'],
        [3, 'ok'],
      ]);
      expect(t.issues).toEqual([
        { file: 'latin1.jsonl', row: 2, message: expect.stringContaining(`invalid UTF-8 (byte 0xE9 at byte offset ${first.length + 13})`) },
      ]);
    }
  });

  it('reports an empty file', () => {
    expect(parseJsonl(bytes('\n\n'), 'e.jsonl').issues[0]?.message).toMatch(/no rows/);
  });
});
