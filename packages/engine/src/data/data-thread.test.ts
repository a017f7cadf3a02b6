// Dataset work in a data thread: the same examples as loading in-process (every task's label form survives the
// packing), hostile files answered with capped issues and exact counts while the main loop stays free, files read
// in blocks parsed exactly as whole, and errors that keep their class.

import { statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../tokenizers/index.ts';
import { DatasetConfigError } from './columns.ts';
import { parseCsv } from './csv.ts';
import { DataThreads } from './data-thread.ts';
import { type DataProgress, type LoadDatasetOptions, loadDataset } from './dataset.ts';
import { DatasetError, ISSUES_PER_KIND } from './issues.ts';
import { readTable } from './read.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/data');
const BERT = join(import.meta.dirname, '../../fixtures/tokenizers/bert-uncased.json');
const GPT2 = join(import.meta.dirname, '../../fixtures/tokenizers/gpt2-bpe.json');
const threads = new DataThreads({ threads: 2 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuneql-data-thread-'));
});
afterAll(async () => {
  await threads.close();
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('DataThreads', () => {
  it.each([
    ['reviews.csv', 'sequence-classification', BERT, {}],
    ['pairs.csv', 'regression', BERT, { columns: { text: 'sentence1', textPair: 'sentence2' } }],
    ['ner.jsonl', 'token-classification', BERT, {}],
    ['squad.jsonl', 'question-answering', BERT, {}],
    ['prompts.jsonl', 'causal-lm', GPT2, { columns: { prompt: 'prompt', completion: 'completion' } }],
  ] as const)('loads %s for %s exactly as loading in-process does', async (file, task, tokenizerFile, extra) => {
    const options = { files: { train: join(FIXTURES, file) }, task, maxLength: 24, ...extra } as const;
    const here = await loadDataset({ ...(options as Omit<LoadDatasetOptions, 'tokenizer'>), tokenizer: Tokenizer.fromFile(tokenizerFile) });
    const there = await threads.load({ ...options, tokenizerFile });
    expect(there).toEqual(here);
    expect(there.train.length).toBeGreaterThan(0);
  });

  it('answers 200,000 empty rows with 20 issues of each kind and exact counts, and the main loop stays free', async () => {
    const path = join(dir, 'empty.csv');
    writeFileSync(path, `text,label\n${',\n'.repeat(200_000)}`);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = performance.now();
    const err = await rejection(
      threads.summarize({ name: 'empty.csv', path }, {}, { task: 'sequence-classification' }, { validation: 0.1, test: 0.1, seed: 42 }),
    );
    const elapsed = performance.now() - t0;
    delay.disable();
    expect(err).toBeInstanceOf(DatasetError);
    const e = err as DatasetError;
    expect(e.total).toBe(400_000);
    expect(e.kinds.map((k) => [k.file, k.column, k.count, k.listed])).toEqual([
      ['empty.csv', 'text', 200_000, ISSUES_PER_KIND],
      ['empty.csv', 'label', 200_000, ISSUES_PER_KIND],
    ]);
    expect(e.issues).toHaveLength(2 * ISSUES_PER_KIND);
    expect(e.issues[0]).toEqual({
      file: 'empty.csv',
      row: 2,
      line: 2,
      column: 'text',
      message: 'is empty; remove the row or fill in the text',
    });
    expect(e.message.length).toBeLessThan(1500);
    // A blocked loop would show the whole validation as one delay; in a thread the loop only waits for its turn on a core.
    expect(delay.max / 1e6).toBeLessThan(elapsed / 2);
  });

  it('says a column no row has once, with the row count', async () => {
    const path = join(dir, 'nolabel.csv');
    writeFileSync(path, `text,category\n${'some text,a\n'.repeat(5000)}`);
    const err = (await rejection(
      threads.summarize(path, {}, { task: 'sequence-classification' }, { validation: 0.1, test: 0.1, seed: 42 }),
    )) as DatasetError;
    expect(err.issues).toEqual([
      {
        file: path,
        column: 'label',
        code: 'COLUMN_MISSING',
        message: "is missing on all 5,000 rows (the file's columns are text, category); check the file or columns.label",
      },
    ]);
    expect(err.total).toBe(1);
  });

  it('answers a UTF-16 file with one issue', async () => {
    const path = join(dir, 'utf16.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('text,label\nok,pos\n'.repeat(50), 'utf16le')]));
    const err = (await rejection(
      threads.summarize(path, {}, { task: 'sequence-classification' }, { validation: 0.1, test: 0.1, seed: 42 }),
    )) as DatasetError;
    expect(err.issues.map((i) => i.message)).toEqual([
      `the file is UTF-16LE text; save it as UTF-8 (a spreadsheet's "CSV UTF-8" format, or an editor's UTF-8 encoding) and upload it again`,
    ]);
  });

  it('summarizes a valid file, previews rows and measures tokens', async () => {
    const path = join(FIXTURES, 'reviews.csv');
    const { summary, labels } = await threads.summarize(
      path,
      {},
      { task: 'sequence-classification' },
      { validation: 0.1, test: 0.1, seed: 42 },
    );
    const table = await readTable(path);
    expect(summary.rows).toBe(table.rows.length);
    expect(summary.splits.train + summary.splits.validation + summary.splits.test).toBe(table.rows.length);
    expect(Object.keys(summary.labels ?? {}).sort()).toEqual([...(labels ?? [])].sort());
    expect(await threads.preview(path, {}, 1, 2)).toEqual(table.rows.slice(1, 3));
    const lengths = await threads.tokenLengths(path, {}, { task: 'sequence-classification' }, BERT);
    const bert = Tokenizer.fromFile(BERT);
    const expected = table.rows.map((r) => bert.encode(String(r.data.text)).ids.length).sort((a, b) => a - b);
    expect(Array.from(lengths)).toEqual(expected);
  });

  it('reports how far reading and tokenizing have come', async () => {
    const path = join(dir, 'progress.jsonl');
    writeFileSync(path, '{"text": "a short line", "label": "x"}\n'.repeat(3000));
    const seen: DataProgress[] = [];
    await threads.load({ files: { train: path }, task: 'sequence-classification', maxLength: 8, tokenizerFile: BERT }, (p) => seen.push(p));
    // The first report of each kind goes out at once, later ones at most every 250 ms.
    expect(seen[0]).toEqual({ phase: 'reading', done: statSync(path).size, total: statSync(path).size });
    const tokenizing = seen.filter((p) => p.phase === 'tokenizing');
    for (const p of tokenizing) expect(p.total).toBe(3000);
    expect(tokenizing.map((p) => p.done)).toEqual([...tokenizing.map((p) => p.done)].sort((a, b) => a - b));
  });

  it('fails a request that outgrows the heap limit with a DatasetError, and the process goes on', async () => {
    const path = join(dir, 'big.jsonl');
    writeFileSync(path, '{"text": "some words of a paragraph long enough to matter", "label": "x"}\n'.repeat(150_000));
    const small = new DataThreads({ maxMemoryMb: 24, memorySetting: 'TUNEQL_DATA_MEMORY_MB' });
    const err = await rejection(small.summarize(path, {}, { task: 'sequence-classification' }, { validation: 0.1, test: 0.1, seed: 42 }));
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as DatasetError).issues).toEqual([
      { file: path, message: 'reading it needed more than 24 MiB; split the file, or raise TUNEQL_DATA_MEMORY_MB' },
    ]);
    const { summary } = await threads.summarize(path, {}, { task: 'sequence-classification' }, { validation: 0.1, test: 0.1, seed: 42 });
    expect(summary.rows).toBe(150_000);
  });

  it('keeps the class of a mapping error', async () => {
    const err = await rejection(
      threads.load({
        files: { train: join(FIXTURES, 'reviews.csv') },
        task: 'regression',
        columns: { label: 'x' },
        maxLength: 8,
        tokenizerFile: BERT,
      }),
    );
    expect(err).toBeInstanceOf(DatasetConfigError);
  });
});

describe('reading in blocks', () => {
  it('parses a file read a few bytes at a time exactly as the whole file (quotes across blocks, BOM, bad bytes)', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('text,label\n"a, quoted\nline",pos\nplain,neg\n'),
      Buffer.from([0x62, 0xe9, 0x64, 0x2c, 0x70, 0x6f, 0x73, 0x0a]),
      Buffer.from('"x ""y""",neg\nlast,pos'),
    ]);
    const path = join(dir, 'blocks.csv');
    writeFileSync(path, bytes);
    const whole = parseCsv(bytes, path);
    for (const chunkBytes of [3, 7, 16, 1 << 20]) expect(await readTable(path, { chunkBytes }), `chunkBytes ${chunkBytes}`).toEqual(whole);
    const offset = bytes.indexOf(0xe9);
    expect(whole.issues.map((i) => [i.row, i.message])).toEqual([
      [4, `invalid UTF-8 (byte 0xE9 at byte offset ${offset}); save the file with UTF-8 encoding`],
    ]);
  });
});
