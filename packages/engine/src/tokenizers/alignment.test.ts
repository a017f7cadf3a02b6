// QA span and NER label alignment, checked against transformers' char_to_token / word_ids answers (fixtures/tokenizers/alignment.json).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alignWordLabels, charSpanToTokenSpan } from './alignment.ts';
import { Tokenizer } from './tokenizer.ts';

const FIXTURES = new URL('../../fixtures/tokenizers/', import.meta.url);

interface QaCase {
  question: string;
  context: string;
  truncation: { maxLength: number; strategy: 'only_second'; stride: number };
  windowIds: number[][];
  spans: { answer: string; start: number; end: number; expected: ([number, number] | null)[] }[];
}

interface NerCase {
  text: string;
  ids: number[];
  wordIds: (number | null)[];
  wordLabels: number[];
  expected: { first: number[]; all: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('alignment.json', FIXTURES), 'utf8')) as {
  tokenizer: string;
  qa: QaCase[];
  ner: NerCase[];
};
const tok = Tokenizer.fromFile(new URL(fixture.tokenizer, FIXTURES).pathname);

describe('charSpanToTokenSpan', () => {
  for (const c of fixture.qa) {
    it(`finds answers of "${c.question}" in every ${c.truncation.maxLength}-token window`, () => {
      const enc = tok.encode(c.question, c.context, { truncation: c.truncation });
      const windows = [enc, ...enc.overflowing];
      expect(windows.map((w) => w.ids)).toEqual(c.windowIds);
      for (const span of c.spans) {
        expect(c.context.slice(span.start, span.end)).toBe(span.answer);
        const got = windows.map((w) => charSpanToTokenSpan(w, span.start, span.end, 1));
        expect(got, span.answer).toEqual(span.expected);
      }
    });
  }

  it('covers the answer text: the tokens it returns decode to the answer', () => {
    const c = fixture.qa[0]!;
    const enc = tok.encode(c.question, c.context);
    for (const span of c.spans) {
      const [first, last] = charSpanToTokenSpan(enc, span.start, span.end, 1)!;
      expect(tok.decode(enc.ids.slice(first, last + 1))).toBe(span.answer.toLowerCase());
    }
  });

  it('moves span edges that sit on whitespace inwards, and rejects empty spans', () => {
    const enc = tok.encode('The family of Dashwood');
    expect(charSpanToTokenSpan(enc, 3, 13)).toEqual([2, 3]);
    expect(charSpanToTokenSpan(enc, 0, 3, 1)).toBeNull();
    expect(() => charSpanToTokenSpan(enc, 4, 4)).toThrow(/start < end/);
  });
});

describe('alignWordLabels', () => {
  for (const c of fixture.ner) {
    it(`labels "${c.text}" like transformers' run_ner`, () => {
      const enc = tok.encode(c.text);
      expect(enc.ids).toEqual(c.ids);
      expect(enc.wordIds).toEqual(c.wordIds);
      expect(alignWordLabels(enc, c.wordLabels)).toEqual(c.expected.first);
      expect(alignWordLabels(enc, c.wordLabels, { labelAllSubtokens: true })).toEqual(c.expected.all);
    });
  }

  it('uses the given ignore index, skips padding and a second text, and names a missing label', () => {
    const [enc] = tok.encodeBatch([['New-York', 'pair text']], { padding: { length: 12 } });
    expect(alignWordLabels(enc!, [1, 2, 3], { ignoreIndex: -1 })).toEqual([-1, 1, 2, 3, -1, -1, -1, -1, -1, -1, -1, -1]);
    expect(() => alignWordLabels(enc!, [1])).toThrow(/belongs to word 1, but wordLabels has only 1 labels/);
  });
});
