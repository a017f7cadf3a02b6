// Extractive QA: SQuAD v1.1 scores against the official script, and span search against run_qa's loop.

import { describe, expect, it } from 'vitest';
import { MetricInputError } from './errors.ts';
import { bestSpan, exactMatch, nBestSpans, normalizeAnswer, SquadAccumulator, squadScores, tokenF1 } from './qa.ts';
import { expectClose, reference } from './reference-fixture.ts';

describe('SQuAD v1.1 scores', () => {
  it('normalizes as the official script does', () => {
    expect(normalizeAnswer('The  Cat!')).toBe('cat');
    expect(normalizeAnswer('an apple, a day')).toBe('apple day');
    expect(normalizeAnswer('theater')).toBe('theater');
    expect(normalizeAnswer("Don't")).toBe('dont');
    // Python's \b is Unicode-aware: "the" inside "éthe" is not a word of its own.
    expect(normalizeAnswer('éthe')).toBe('éthe');
  });

  it('scores by hand', () => {
    expect(exactMatch('The cat', 'cat')).toBe(1);
    // Prediction "big cat" against "cat": precision 1/2, recall 1, F1 2/3.
    expect(tokenF1('a big cat', 'the cat')).toBeCloseTo(2 / 3, 15);
    expect(tokenF1('', '')).toBe(0);
    expect(squadScores(['cat', 'dog'], [['the cat', 'cat!'], ['a cat']])).toEqual({ exact_match: 50, f1: 50 });
  });

  it('matches the official evaluate-v1.1.py per example and overall', () => {
    const { examples } = reference.squad;
    for (const [i, e] of examples.entries()) {
      const where = `example ${i} ${JSON.stringify(e.prediction)} vs ${JSON.stringify(e.answers)}`;
      expect(normalizeAnswer(e.prediction), where).toBe(e.normalizedPrediction);
      expect(e.answers.map(normalizeAnswer), where).toEqual(e.normalizedAnswers);
      for (const [j, g] of e.answers.entries()) expectClose(tokenF1(e.prediction, g), e.pairF1[j]!, `${where} answer ${j}`);
    }
    const acc = new SquadAccumulator();
    for (let i = 0; i < examples.length; i += 13) {
      const batch = examples.slice(i, i + 13);
      acc.add(
        batch.map((e) => e.prediction),
        batch.map((e) => e.answers),
      );
    }
    const scores = acc.compute();
    expectClose(scores.exact_match, reference.squad.exact_match, 'exact_match');
    expectClose(scores.f1, reference.squad.f1, 'f1');
  });

  it('refuses an example with no gold answers', () => {
    expect(() => squadScores(['x'], [[]])).toThrow(MetricInputError);
    expect(new SquadAccumulator().compute().f1).toBeNaN();
  });
});

describe('bestSpan', () => {
  it('picks the best valid pair by hand', () => {
    // The best start (2) comes after the best end (0), so the answer is the best pair with start <= end.
    const start = [0, 1, 5, 2];
    const end = [4, 0, 1, 3];
    expect(bestSpan(start, end)).toEqual({ start: 2, end: 3, score: 8 });
    expect(bestSpan(start, end, { maxAnswerLength: 1 })).toEqual({ start: 2, end: 2, score: 6 });
    expect(bestSpan(start, end, { validMask: [1, 1, 0, 1] })).toEqual({ start: 3, end: 3, score: 5 });
    expect(bestSpan([0, 1], [1, 0], { validMask: [false, false] })).toBeUndefined();
  });

  for (const c of reference.spans) {
    it(`matches run_qa postprocessing: ${c.name}`, () => {
      const got = nBestSpans(c.startLogits, c.endLogits, { maxAnswerLength: c.maxAnswerLength, nBest: c.nBest, validMask: c.validMask });
      expect(got.map((s) => [s.start, s.end])).toEqual(c.expected.map((s) => [s.start, s.end]));
      for (const [i, s] of got.entries()) expectClose(s.score, c.expected[i]!.score, `span ${i}`);
    });
  }

  it('with nBest at the sequence length, finds the exhaustive best', () => {
    for (const c of reference.spans) {
      const n = c.startLogits.length;
      let best = Number.NEGATIVE_INFINITY;
      for (let s = 0; s < n; s++)
        for (let e = s; e < n && e - s + 1 <= c.maxAnswerLength; e++)
          if (c.validMask[s] && c.validMask[e]) best = Math.max(best, c.startLogits[s]! + c.endLogits[e]!);
      const got = bestSpan(c.startLogits, c.endLogits, { maxAnswerLength: c.maxAnswerLength, nBest: n, validMask: c.validMask });
      if (best === Number.NEGATIVE_INFINITY) expect(got).toBeUndefined();
      else expect(got?.score, c.name).toBe(best);
    }
  });

  it('refuses mismatched inputs', () => {
    expect(() => bestSpan([1, 2], [1])).toThrow(/2 start logits but 1 end logits/);
    expect(() => bestSpan([1], [1], { validMask: [true, true] })).toThrow(/validMask/);
    expect(() => bestSpan([1], [1], { maxAnswerLength: 0 })).toThrow(/maxAnswerLength/);
  });
});
