// Token classification: seqeval's documented examples by hand, and its default-mode decoder on random tags.

import { describe, expect, it } from 'vitest';
import { MetricInputError } from './errors.ts';
import { expectClose, reference } from './reference-fixture.ts';
import { EntityCounter, entityReport, getEntities, tagsFromIds } from './tokens.ts';

const spans = (tags: string[], scheme?: 'IOB2' | 'IOBES' | 'BILOU') => getEntities(tags, scheme).map((e) => [e.type, e.start, e.end]);

describe('getEntities (seqeval default mode)', () => {
  it('decodes the seqeval docstring example', () => {
    expect(spans(['B-PER', 'I-PER', 'O', 'B-LOC'])).toEqual([
      ['PER', 0, 1],
      ['LOC', 3, 3],
    ]);
  });

  it('starts an entity at an I- tag with no B- before it, and splits on a type change', () => {
    expect(spans(['O', 'I-PER', 'I-PER', 'O'])).toEqual([['PER', 1, 2]]);
    expect(spans(['I-PER'])).toEqual([['PER', 0, 0]]);
    expect(spans(['B-PER', 'I-LOC', 'I-LOC'])).toEqual([
      ['PER', 0, 0],
      ['LOC', 1, 2],
    ]);
    expect(spans(['B-PER', 'B-PER'])).toEqual([
      ['PER', 0, 0],
      ['PER', 1, 1],
    ]);
  });

  it('reads IOBES and BILOU', () => {
    expect(spans(['S-PER', 'S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'E-LOC'], 'IOBES')).toEqual([
      ['PER', 0, 0],
      ['PER', 1, 1],
      ['LOC', 2, 4],
      ['LOC', 5, 5],
    ]);
    expect(spans(['U-PER', 'U-PER', 'B-ORG', 'L-ORG'], 'BILOU')).toEqual([
      ['PER', 0, 0],
      ['PER', 1, 1],
      ['ORG', 2, 3],
    ]);
  });

  it('matches the transcribed seqeval decoder sentence by sentence', () => {
    for (const c of reference.tokens) {
      c.references.forEach((s, i) => {
        expect(spans(s, c.scheme), `${c.name} sentence ${i}`).toEqual(c.expected.entities[i]);
      });
    }
  });
});

describe('entityReport', () => {
  it('matches the seqeval docstring example', () => {
    const yTrue = [
      ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
      ['B-PER', 'I-PER', 'O'],
    ];
    const yPred = [
      ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
      ['B-PER', 'I-PER', 'O'],
    ];
    const r = entityReport(yPred, yTrue);
    expect([r.precision, r.recall, r.f1]).toEqual([0.5, 0.5, 0.5]);
    expect(r.tokenAccuracy).toBe(0.8);
    expect(r.perType).toEqual({
      MISC: { precision: 0, recall: 0, f1: 0, support: 1 },
      PER: { precision: 1, recall: 1, f1: 1, support: 1 },
    });
  });

  for (const c of reference.tokens) {
    it(`matches seqeval: ${c.name}`, () => {
      const r = entityReport(c.predictions, c.references, { scheme: c.scheme });
      const e = c.expected;
      expectClose(r.precision, e.precision, 'precision');
      expectClose(r.recall, e.recall, 'recall');
      expectClose(r.f1, e.f1, 'f1');
      expectClose(r.macro.precision, e.macro.precision, 'macro.precision');
      expectClose(r.macro.recall, e.macro.recall, 'macro.recall');
      expectClose(r.macro.f1, e.macro.f1, 'macro.f1');
      expectClose(r.tokenAccuracy, e.tokenAccuracy, 'tokenAccuracy');
      expect([r.trueEntities, r.predictedEntities, r.correctEntities]).toEqual([e.trueEntities, e.predictedEntities, e.correctEntities]);
      expect(Object.keys(r.perType)).toEqual(Object.keys(e.perType));
      for (const [type, s] of Object.entries(e.perType)) {
        const got = r.perType[type]!;
        expectClose(got.f1, s.f1, `${type}.f1`);
        expectClose(got.precision, s.precision, `${type}.precision`);
        expectClose(got.recall, s.recall, `${type}.recall`);
        expect(got.support).toBe(s.support);
      }
    });
  }

  it('streams: sentence-by-sentence batches give the same report', () => {
    for (const c of reference.tokens) {
      const counter = new EntityCounter({ scheme: c.scheme });
      for (const [i, p] of c.predictions.entries()) counter.add([p], [c.references[i]!]);
      expect(counter.report(), c.name).toEqual(entityReport(c.predictions, c.references, { scheme: c.scheme }));
    }
  });

  it('refuses sentences of different lengths and empty tags, leaving the counter untouched', () => {
    const counter = new EntityCounter();
    expect(() => counter.add([['O']], [['O', 'B-PER']])).toThrow(/sentence 0 has 1 predicted tags but 2 reference tags/);
    expect(() => counter.add([['B-PER', '']], [['B-PER', 'O']])).toThrow(MetricInputError);
    expect(counter.report().trueEntities).toBe(0);
    expect(counter.report().tokenAccuracy).toBeNaN();
  });
});

describe('tagsFromIds', () => {
  it('maps ids through id2label and drops positions labelled -100, as run_ner does', () => {
    const id2label = ['O', 'B-PER', 'I-PER'];
    const { predictions, references } = tagsFromIds([[0, 1, 2, 2, 0]], [BigInt64Array.from([-100n, 1n, 2n, -100n, 0n])], id2label);
    expect(references).toEqual([['B-PER', 'I-PER', 'O']]);
    expect(predictions).toEqual([['B-PER', 'I-PER', 'O']]);
    const fromObject = tagsFromIds([[1]], [[1]], { 0: 'O', 1: 'B-LOC' });
    expect(fromObject.references).toEqual([['B-LOC']]);
    expect(() => tagsFromIds([[7]], [[0]], id2label)).toThrow(/predictions\[0\]\[0\] is label id 7/);
  });
});
