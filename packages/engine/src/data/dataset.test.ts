// loadDataset end to end: fixture files per task, all problems of all files in one error, and the Austen corpus.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../tokenizers/index.ts';
import { IGNORE_INDEX } from '../train/batching.ts';
import { DatasetConfigError } from './columns.ts';
import { loadDataset } from './dataset.ts';
import { DatasetError } from './issues.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/data');
const TOKENIZERS = join(import.meta.dirname, '../../fixtures/tokenizers');
const bert = Tokenizer.fromFile(join(TOKENIZERS, 'bert-uncased.json'));
const gpt2 = Tokenizer.fromFile(join(TOKENIZERS, 'gpt2-bpe.json'));
const fixture = (name: string): string => join(FIXTURES, name);
const X = IGNORE_INDEX;
/** The 9,440 labelled Austen paragraphs that ship with the repository. */
const AUSTEN_CORPUS = join(import.meta.dirname, '../../../../data/austen-paragraphs.jsonl');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuneql-dataset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(p: Promise<unknown>): Promise<DatasetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('loadDataset', () => {
  it('loads a classification CSV with the label set sorted into id2label', async () => {
    const d = await loadDataset({
      files: { train: fixture('reviews.csv') },
      task: 'sequence-classification',
      tokenizer: bert,
      maxLength: 32,
    });
    expect(d.labels).toEqual(['neg', 'pos']);
    expect(d.train.map((e) => e.label)).toEqual([1, 0, 1, 0]);
    expect(d.validation).toEqual([]);
    expect(d.test).toEqual([]);
    expect(bert.decode(d.train[2]?.inputIds as number[], { skipSpecialTokens: true })).toBe('two lines : the second one');
    expect(d.stats).toMatchObject({ rows: 4, labels: { neg: 2, pos: 2 }, truncated: 0, maxLength: 32 });
    expect(d.issues).toEqual([]);
  });

  it('loads sentence pairs for regression', async () => {
    const d = await loadDataset({
      files: { train: fixture('pairs.csv') },
      task: 'regression',
      columns: { text: 'sentence1', textPair: 'sentence2' },
      tokenizer: bert,
      maxLength: 32,
    });
    expect(d.train.map((e) => e.label)).toEqual([4.2, 0.5, 3.8]);
    expect(d.train[0]?.tokenTypeIds?.at(-1)).toBe(1);
    expect(d.labels).toBeUndefined();
    expect(d.stats.scores).toEqual({ min: 0.5, mean: (4.2 + 0.5 + 3.8) / 3, max: 4.2 });
  });

  it('loads token classification from arrays and from whitespace-separated strings', async () => {
    const d = await loadDataset({ files: { train: fixture('ner.jsonl') }, task: 'token-classification', tokenizer: bert, maxLength: 32 });
    expect(d.labels).toEqual(['O', 'B-LOC', 'B-PER', 'I-LOC', 'I-PER']);
    expect(d.train.map((e) => e.label)).toEqual([
      [X, 2, X, 4, X, 0, 1, X, 3, 0, X],
      [X, 2, X, 4, X, X, 0, X],
    ]);
    // Tags are counted per word.
    expect(d.stats.labels).toEqual({ O: 3, 'B-LOC': 1, 'B-PER': 2, 'I-LOC': 1, 'I-PER': 2 });
  });

  it('loads SQuAD-style question answering with every gold answer kept for evaluation', async () => {
    const d = await loadDataset({ files: { train: fixture('squad.jsonl') }, task: 'question-answering', tokenizer: bert, maxLength: 64 });
    const spans = d.train.map((e) => bert.decode(e.inputIds.slice(e.startPosition, (e.endPosition as number) + 1) as number[]));
    expect(spans).toEqual(['mr. darcy', 'derbyshire']);
    expect(d.train.map((e) => e.qa?.answers)).toEqual([['Mr. Darcy', 'Darcy'], ['Derbyshire']]);
  });

  it('loads prompt and completion for causal LM', async () => {
    const d = await loadDataset({
      files: { train: fixture('prompts.jsonl') },
      task: 'causal-lm',
      columns: { prompt: 'prompt', completion: 'completion' },
      tokenizer: gpt2,
      maxLength: 64,
    });
    expect((d.train[0]?.label as number[] | undefined)?.filter((l) => l !== X)).toEqual([875, 447, 1365, 274]);
  });

  it('reports the problems of every file in one error, and starts nothing', async () => {
    const err = await loadError(
      loadDataset({
        files: { train: fixture('bad-line.jsonl'), validation: fixture('ragged.csv'), test: fixture('unterminated.csv') },
        task: 'sequence-classification',
        tokenizer: bert,
        maxLength: 32,
        labels: ['neg', 'pos'],
      }),
    );
    expect(err.issues.map((i) => [i.file.replace(`${FIXTURES}/`, ''), i.row])).toEqual([
      ['bad-line.jsonl', 2],
      ['ragged.csv', 3],
      ['unterminated.csv', 3],
    ]);
    expect(err.message).toMatch(/^the dataset has 3 problems; fix them and load it again:\n {2}.*bad-line\.jsonl row 2: not valid JSON/);
  });

  it('reports invalid UTF-8 and bad values together, by row', async () => {
    const path = join(dir, 'mixed.csv');
    await writeFile(
      path,
      Buffer.concat([Buffer.from('text,label\nok,pos\ncaf'), Buffer.from([0xe9]), Buffer.from(',neg\n,pos\nfine,meh\n')]),
    );
    const err = await loadError(
      loadDataset({ files: { file: path }, task: 'sequence-classification', tokenizer: bert, maxLength: 32, labels: ['neg', 'pos'] }),
    );
    expect(err.issues.map((i) => [i.row, i.column, i.message.slice(0, 30)])).toEqual([
      [3, 'text', 'invalid UTF-8 (byte 0xE9 at by'],
      [4, 'text', 'is empty; remove the row or fi'],
      [5, 'label', "unknown label 'meh'; the label"],
    ]);
  });

  it('answers a UTF-16 file (with or without a byte order mark) with one issue saying to save it as UTF-8', async () => {
    const text = 'text,label\nok,pos\nfine,neg\nmore,pos\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    const files = [
      ['bom-le.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'UTF-16LE'],
      ['bom-be.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'UTF-16BE'],
      ['plain-le.csv', le, 'UTF-16LE'],
      ['plain-be.csv', be, 'UTF-16BE'],
    ] as const;
    for (const [name, bytes, encoding] of files) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const err = await loadError(
        loadDataset({ files: { file: path }, task: 'sequence-classification', tokenizer: bert, maxLength: 32, labels: ['neg', 'pos'] }),
      );
      expect(err.issues, name).toHaveLength(1);
      expect(err.issues[0]?.message, name).toBe(
        `the file is ${encoding} text; save it as UTF-8 (a spreadsheet's "CSV UTF-8" format, or an editor's UTF-8 encoding) and upload it again`,
      );
    }
  });

  it('refuses unclear sources and wrong column roles before reading', async () => {
    const base = { task: 'sequence-classification' as const, tokenizer: bert, maxLength: 8 };
    await expect(loadDataset({ ...base, files: { file: 'a.csv', train: 'b.csv' } as { file: string } })).rejects.toThrow(
      DatasetConfigError,
    );
    await expect(loadDataset({ ...base, files: {} as { file: string } })).rejects.toThrow(
      /either \{ train, validation\?, test\? \} or \{ file \}/,
    );
    await expect(loadDataset({ ...base, files: { file: 'missing.csv' }, columns: { tokens: 'x' } })).rejects.toThrow(
      /'tokens' does not apply/,
    );
    await expect(loadDataset({ ...base, files: { file: 'missing.csv' }, maxLength: 0 })).rejects.toThrow(
      /maxLength must be a positive integer/,
    );
  });

  it('loads the Austen corpus as 6-way classification with a stratified split', async () => {
    const d = await loadDataset({
      files: { file: AUSTEN_CORPUS },
      task: 'sequence-classification',
      tokenizer: bert,
      maxLength: 128,
      seed: 42,
    });
    expect(d.labels).toEqual(['Emma', 'Mansfield Park', 'Northanger Abbey', 'Persuasion', 'Pride & Prejudice', 'Sense & Sensibility']);
    const counts = {
      Emma: 2216,
      'Mansfield Park': 1716,
      'Northanger Abbey': 917,
      Persuasion: 973,
      'Pride & Prejudice': 1926,
      'Sense & Sensibility': 1692,
    };
    expect(d.stats.rows).toBe(9440);
    expect(d.stats.labels).toEqual(counts);
    expect([d.train.length, d.validation.length, d.test.length]).toEqual([7552, 944, 944]);
    // Each novel gives about a tenth of its paragraphs to validation and to test.
    for (const split of ['validation', 'test'] as const) {
      const byLabel = d.stats.splits[split].labels ?? {};
      for (const [label, n] of Object.entries(counts)) expect(Math.abs((byLabel[label] ?? 0) - n / 10)).toBeLessThanOrEqual(1);
    }
    // Token lengths (before truncation) as Hugging Face tokenizers counts them with the same tokenizer.json.
    expect(d.stats.tokens.min).toBe(8);
    expect(d.stats.tokens.mean).toBeCloseTo(98.8521186440678, 9);
    expect(d.stats.tokens.p50).toBe(68);
    expect(d.stats.tokens.p95).toBeCloseTo(278.05, 9);
    expect(d.stats.tokens.max).toBe(3494);
    expect(d.stats.truncated).toBe(2358);
    expect(Math.max(...d.train.map((e) => e.inputIds.length))).toBe(128);
  });
});
