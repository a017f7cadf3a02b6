// Tokenization per task against hand-checked ids and positions (ids from Hugging Face tokenizers on the same fixture files).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../tokenizers/index.ts';
import { IGNORE_INDEX } from '../train/batching.ts';
import { tokenizeRecords } from './tokenize.ts';
import type { DatasetRecord } from './validate.ts';

/** The 9,440 labelled Austen paragraphs that ship with the repository. */
const AUSTEN_CORPUS = join(import.meta.dirname, '../../../../data/austen-paragraphs.jsonl');

const TOKENIZERS = join(import.meta.dirname, '../../fixtures/tokenizers');
const bert = Tokenizer.fromFile(join(TOKENIZERS, 'bert-uncased.json'));
const gpt2 = Tokenizer.fromFile(join(TOKENIZERS, 'gpt2-bpe.json'));
const at = { file: 'mem', row: 1, line: 1 };
const X = IGNORE_INDEX;

const QUESTION = 'Who owned Pemberley?';
const CONTEXT = 'Pemberley was owned by Mr. Darcy, a wealthy gentleman of Derbyshire.';

describe('tokenizeRecords', () => {
  it('encodes sentence pairs with segment ids, truncating the longest first', () => {
    const record: DatasetRecord = { ...at, task: 'sequence-classification', text: QUESTION, textPair: CONTEXT, label: 1 };
    const whole = tokenizeRecords([record], { tokenizer: bert, maxLength: 64 });
    expect(whole.examples[0]?.inputIds).toEqual([
      101, 2040, 3079, 21877, 21784, 3051, 1029, 102, 21877, 21784, 3051, 2001, 3079, 2011, 2720, 1012, 17685, 1010, 1037, 7272, 10170,
      1997, 15207, 1012, 102,
    ]);
    expect(whole.examples[0]?.tokenTypeIds).toEqual([...new Array(8).fill(0), ...new Array(17).fill(1)]);
    expect(whole.examples[0]?.label).toBe(1);
    expect(whole.truncated).toBe(0);

    const cut = tokenizeRecords([record], { tokenizer: bert, maxLength: 12 });
    // 23 text tokens into 9: longest_first keeps 4 of the question and 5 of the context.
    expect(cut.examples[0]?.inputIds).toEqual([101, 2040, 3079, 21877, 21784, 102, 21877, 21784, 3051, 2001, 3079, 102]);
    expect(cut.examples[0]?.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(cut.lengths).toEqual([25]);
    expect(cut.truncated).toBe(1);
  });

  it('gives regression examples their score', () => {
    const t = tokenizeRecords([{ ...at, task: 'regression', text: 'the cat sat on the mat', score: 4.25 }], {
      tokenizer: bert,
      maxLength: 16,
    });
    expect(t.examples).toEqual([
      { inputIds: [101, 1996, 4937, 2938, 2006, 1996, 13523, 102], tokenTypeIds: [0, 0, 0, 0, 0, 0, 0, 0], label: 4.25 },
    ]);
  });

  it('puts each tag on the first sub-token of its word and ignores the rest', () => {
    // Tag ids: O 0, B-LOC 1, B-PER 2, I-LOC 3, I-PER 4.
    const words = ['Elinor', 'Dashwood', 'visited', 'Northanger', 'Abbey', '.'];
    const t = tokenizeRecords([{ ...at, task: 'token-classification', words, tags: [2, 4, 0, 1, 3, 0] }], {
      tokenizer: bert,
      maxLength: 32,
    });
    // [CLS] eli ##nor dash ##wood visited north ##anger abbey . [SEP]
    expect(t.examples[0]?.inputIds).toEqual([101, 12005, 12131, 11454, 3702, 4716, 2167, 25121, 6103, 1012, 102]);
    expect(t.examples[0]?.label).toEqual([X, 2, X, 4, X, 0, 1, X, 3, 0, X]);

    // BERT's pre-tokenizer splits "Mr." and "Darcy's" further; the offsets still tie every piece to its word.
    const split = tokenizeRecords([{ ...at, task: 'token-classification', words: ['Mr.', "Darcy's", 'estate'], tags: [2, 4, 0] }], {
      tokenizer: bert,
      maxLength: 32,
    });
    // [CLS] mr . darcy ' s estate [SEP]
    expect(split.examples[0]?.inputIds).toEqual([101, 2720, 1012, 17685, 1005, 1055, 3776, 102]);
    expect(split.examples[0]?.label).toEqual([X, 2, X, 4, X, X, 0, X]);

    const cut = tokenizeRecords([{ ...at, task: 'token-classification', words, tags: [2, 4, 0, 1, 3, 0] }], {
      tokenizer: bert,
      maxLength: 6,
    });
    expect(cut.examples[0]?.label).toEqual([X, 2, X, 4, X, X]);
    expect(cut.truncated).toBe(1);
  });

  it('warns when a word yields no tokens and its tag would be lost', () => {
    // BERT's normalizer drops control characters, so the second word vanishes.
    const t = tokenizeRecords([{ ...at, task: 'token-classification', words: ['Emma', '\u0007', 'smiled'], tags: [2, 1, 0] }], {
      tokenizer: bert,
      maxLength: 32,
    });
    expect(t.examples[0]?.label).toEqual([X, 2, 0, X]);
    expect(t.issues).toEqual([
      expect.objectContaining({ level: 'warning', message: expect.stringMatching(/^word 2 \("\\u0007"\) produced no tokens/) }),
    ]);
  });

  it('finds the answer tokens of a question, which decode back to the answer', () => {
    const record: DatasetRecord = {
      ...at,
      task: 'question-answering',
      question: QUESTION,
      context: CONTEXT,
      answers: [
        { text: 'Mr. Darcy', start: 23 },
        { text: 'Darcy', start: 27 },
      ],
    };
    const t = tokenizeRecords([record], { tokenizer: bert, maxLength: 64 });
    const e = t.examples[0];
    // [CLS] who owned pe ##mber ##ley ? [SEP] pe ##mber ##ley was owned by mr . darcy , ...
    expect([e?.startPosition, e?.endPosition]).toEqual([14, 16]);
    expect(bert.decode(e?.inputIds.slice(14, 17) as number[])).toBe('mr. darcy');
    expect(e?.qa?.contextTokenRange).toEqual([8, 23]);
    const [s, end] = [e?.qa?.offsets[14]?.[0], e?.qa?.offsets[16]?.[1]];
    expect(CONTEXT.slice(s, end)).toBe('Mr. Darcy');
    expect(e?.qa?.answers).toEqual(['Mr. Darcy', 'Darcy']);
    // Question and special tokens have no place in the context.
    expect(e?.qa?.offsets.slice(0, 9)).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 2],
    ]);
  });

  it('points unanswerable questions at [CLS] with the empty string as their gold answer', () => {
    const t = tokenizeRecords([{ ...at, task: 'question-answering', question: QUESTION, context: CONTEXT, answers: [] }], {
      tokenizer: bert,
      maxLength: 64,
    });
    expect([t.examples[0]?.startPosition, t.examples[0]?.endPosition, t.examples[0]?.qa?.answers]).toEqual([0, 0, ['']]);
    expect(t.issues).toEqual([]);
  });

  it('truncates only the context, pointing answers that were cut off at [CLS]', () => {
    const ask = (text: string, start: number): DatasetRecord => ({
      ...at,
      task: 'question-answering',
      question: QUESTION,
      context: CONTEXT,
      answers: [{ text, start }],
    });
    // 20 tokens: [CLS] + 6 question + [SEP] + 11 context (pe .. a) + [SEP].
    const t = tokenizeRecords([ask('Mr. Darcy', 23), ask('Derbyshire', 57)], { tokenizer: bert, maxLength: 20 });
    expect(t.examples.map((e) => e.inputIds.length)).toEqual([20, 20]);
    expect(t.examples.map((e) => e.inputIds.slice(0, 8))).toEqual([0, 1].map(() => [101, 2040, 3079, 21877, 21784, 3051, 1029, 102]));
    expect(t.examples.map((e) => [e.startPosition, e.endPosition])).toEqual([
      [14, 16],
      [0, 0],
    ]);
    expect(t.examples[1]?.qa?.contextTokenRange).toEqual([8, 18]);
    expect(t.truncated).toBe(2);
    expect(t.issues).toEqual([
      expect.objectContaining({ level: 'warning', message: expect.stringMatching(/cuts the answer out of the context/) }),
    ]);
  });

  it('reports a question too long to leave room for the context as the row’s problem', () => {
    const t = tokenizeRecords(
      [{ ...at, task: 'question-answering', question: QUESTION, context: CONTEXT, answers: [{ text: 'Mr. Darcy', start: 23 }] }],
      {
        tokenizer: bert,
        maxLength: 8,
      },
    );
    expect(t.examples).toEqual([]);
    expect(t.issues).toEqual([{ file: 'mem', row: 1, line: 1, message: expect.stringMatching(/^cannot tokenize: /) }]);
  });

  it('labels causal LM text with its own ids, and only the completion after a prompt', () => {
    const prompt = 'Question: who wrote Emma? Answer:';
    const plain = tokenizeRecords([{ ...at, task: 'causal-lm', text: 'who wrote Emma?' }], { tokenizer: gpt2, maxLength: 32 });
    expect(plain.examples[0]?.label).toEqual(plain.examples[0]?.inputIds);

    const t = tokenizeRecords([{ ...at, task: 'causal-lm', text: `${prompt} Jane Austen`, promptLength: prompt.length }], {
      tokenizer: gpt2,
      maxLength: 32,
    });
    const promptIds = [49, 85, 435, 315, 26, 464, 862, 298, 69, 766, 31, 907, 83, 1257, 26];
    const completionIds = [875, 447, 1365, 274]; // Jane, A, ust, en
    expect(t.examples[0]?.inputIds).toEqual([...promptIds, ...completionIds]);
    expect(t.examples[0]?.label).toEqual([...promptIds.map(() => X), ...completionIds]);

    const cut = tokenizeRecords([{ ...at, task: 'causal-lm', text: `${prompt} Jane Austen`, promptLength: prompt.length }], {
      tokenizer: gpt2,
      maxLength: 10,
    });
    expect(cut.examples[0]?.label).toEqual(new Array(10).fill(X));
    expect(cut.issues[0]).toMatchObject({ level: 'warning', message: expect.stringMatching(/cuts off the whole completion/) });
  });

  it('masks 15% of the non-special tokens, 80/10/10, the same for the same seed', () => {
    const texts = readFileSync(AUSTEN_CORPUS, 'utf8')
      .split('\n')
      .slice(0, 300)
      .map((l) => (JSON.parse(l) as { text: string }).text);
    const records: DatasetRecord[] = texts.map((text, k) => ({ ...at, row: k + 1, task: 'masked-lm', text }));
    const t = tokenizeRecords(records, { tokenizer: bert, maxLength: 128, seed: 5 });
    const plain = texts.map((text) => bert.encode(text, undefined, { truncation: { maxLength: 128 } }).ids);
    let candidates = 0;
    let chosen = 0;
    let masked = 0;
    let kept = 0;
    t.examples.forEach((e, k) => {
      const ids = plain[k] as number[];
      const labels = e.label as number[];
      ids.forEach((id, i) => {
        const special = i === 0 || i === ids.length - 1;
        if (special) {
          expect([e.inputIds[i], labels[i]]).toEqual([id, X]);
          return;
        }
        candidates++;
        if (labels[i] === X) {
          expect(e.inputIds[i]).toBe(id);
          return;
        }
        chosen++;
        expect(labels[i]).toBe(id);
        if (e.inputIds[i] === 103) masked++;
        else if (e.inputIds[i] === id) kept++;
      });
    });
    // About 25,000 candidates: the shares are within a few standard errors of 15%, 80% and 10%.
    expect(candidates).toBeGreaterThan(20_000);
    expect(chosen / candidates).toBeCloseTo(0.15, 1);
    expect(Math.abs(chosen / candidates - 0.15)).toBeLessThan(0.01);
    expect(Math.abs(masked / chosen - 0.8)).toBeLessThan(0.02);
    expect(Math.abs(kept / chosen - 0.1)).toBeLessThan(0.02);

    const again = tokenizeRecords(records.slice(0, 20), { tokenizer: bert, maxLength: 128, seed: 5 });
    expect(again.examples).toEqual(t.examples.slice(0, 20));
    const other = tokenizeRecords(records.slice(0, 20), { tokenizer: bert, maxLength: 128, seed: 6 });
    expect(other.examples).not.toEqual(t.examples.slice(0, 20));
  });

  it('caps the predictions per example at maxPredictions', () => {
    const text =
      'the family of dashwood had long been settled in sussex and their estate was large and their residence was at norland park';
    const records: DatasetRecord[] = Array.from({ length: 20 }, (_, k) => ({ ...at, row: k + 1, task: 'masked-lm', text }));
    const free = tokenizeRecords(records, { tokenizer: bert, maxLength: 64, maskProbability: 0.5 });
    const capped = tokenizeRecords(records, { tokenizer: bert, maxLength: 64, maskProbability: 0.5, maxPredictions: 3 });
    const labelled = (e: { label?: number | readonly number[] }) => (e.label as number[]).filter((l) => l !== X).length;
    expect(Math.min(...free.examples.map(labelled))).toBeGreaterThan(3);
    expect(capped.examples.map(labelled)).toEqual(new Array(20).fill(3));
    // Unchosen positions keep their token.
    for (const e of capped.examples) {
      const plain = bert.encode(text).ids;
      e.inputIds.forEach((id, i) => {
        if ((e.label as number[])[i] === X) expect(id).toBe(plain[i]);
      });
    }
  });

  it('refuses masked LM with a vocabulary that has no mask token', () => {
    expect(() => tokenizeRecords([{ ...at, task: 'masked-lm', text: 'hi' }], { tokenizer: gpt2, maxLength: 8 })).toThrow(/no mask token/);
  });
});
