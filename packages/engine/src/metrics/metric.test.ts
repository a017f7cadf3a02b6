// createMetric: each task's stable keys, streaming over batches, and the direction of each metric.

import { describe, expect, it } from 'vitest';
import { classificationReport } from './classification.ts';
import { createMetric, greaterIsBetter } from './metric.ts';
import { squadScores } from './qa.ts';
import { expectClose, reference } from './reference-fixture.ts';
import { regressionReport } from './regression.ts';
import { entityReport } from './tokens.ts';

function batches<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

describe('createMetric', () => {
  it('sequence-classification', () => {
    const c = reference.classification[1]!;
    const m = createMetric({ task: 'sequence-classification' });
    const p = batches(c.predictions, 5);
    const r = batches(c.references, 5);
    for (const [i, b] of p.entries()) m.add(b, r[i]!);
    const s = classificationReport(c.predictions, c.references);
    expect(m.compute()).toEqual({
      accuracy: s.accuracy,
      f1_macro: s.macro.f1,
      f1_micro: s.micro.f1,
      f1_weighted: s.weighted.f1,
      precision_macro: s.macro.precision,
      precision_micro: s.micro.precision,
      precision_weighted: s.weighted.precision,
      recall_macro: s.macro.recall,
      recall_micro: s.micro.recall,
      recall_weighted: s.weighted.recall,
    });
    m.reset();
    expect(m.compute().accuracy).toBeNaN();
  });

  it('multi-label sequence-classification', () => {
    const m = createMetric({ task: 'sequence-classification', multiLabel: true, numLabels: 2 });
    m.add([[1, 0]], [[true, false]]);
    m.add([[0, 1]], [[true, true]]);
    expect(Object.keys(m.compute()).sort()).toEqual(
      [
        'f1_macro',
        'f1_micro',
        'hamming_loss',
        'precision_macro',
        'precision_micro',
        'recall_macro',
        'recall_micro',
        'subset_accuracy',
      ].sort(),
    );
    expect(m.compute().subset_accuracy).toBe(0.5);
    expect(m.compute().f1_micro).toBe(0.8);
  });

  it('regression', () => {
    const c = reference.regression[0]!;
    const m = createMetric({ task: 'regression' });
    const p = batches(c.predictions, 16);
    const r = batches(c.references, 16);
    for (const [i, b] of p.entries()) m.add(Float64Array.from(b), r[i]!);
    expect(m.compute()).toEqual({ ...regressionReport(c.predictions, c.references) });
  });

  it('token-classification from tags and from ids', () => {
    const c = reference.tokens[0]!;
    const m = createMetric({ task: 'token-classification' });
    for (const [i, p] of c.predictions.entries()) m.add([p], [c.references[i]!]);
    const e = entityReport(c.predictions, c.references);
    expect(m.compute()).toEqual({
      entity_precision: e.precision,
      entity_recall: e.recall,
      entity_f1: e.f1,
      token_accuracy: e.tokenAccuracy,
      ...Object.fromEntries(Object.entries(e.perType).map(([type, s]) => [`entity_f1_${type}`, s.f1])),
    });
    // Each type's F1 is seqeval's.
    for (const [type, s] of Object.entries(c.expected.perType)) expectClose(m.compute()[`entity_f1_${type}`] as number, s.f1, type);

    const id2label = ['O', 'B-PER', 'I-PER'];
    const ids = createMetric({ task: 'token-classification', id2label });
    // The prediction at the -100 position would open a second entity; it must be ignored.
    ids.add([Int32Array.from([1, 2, 1, 0, 2])], [BigInt64Array.from([1n, 2n, -100n, 0n, 0n])]);
    expect(ids.compute()).toEqual({
      entity_precision: 0.5,
      entity_recall: 1,
      entity_f1: 2 / 3,
      token_accuracy: 3 / 4,
      entity_f1_PER: 2 / 3,
    });
    expect(() => createMetric({ task: 'token-classification' }).add([[1]], [[1]])).toThrow(/id2label/);
  });

  it('question-answering', () => {
    const m = createMetric({ task: 'question-answering' });
    const ex = reference.squad.examples;
    m.add(
      ex.map((e) => e.prediction),
      ex.map((e) => e.answers),
    );
    expect(m.compute()).toEqual(
      squadScores(
        ex.map((e) => e.prediction),
        ex.map((e) => e.answers),
      ),
    );
  });

  it('causal-lm and masked-lm', () => {
    for (const task of ['causal-lm', 'masked-lm'] as const) {
      const m = createMetric({ task });
      m.add(Math.log(4), 10);
      m.add(Math.log(4), 30);
      expect(m.compute().loss).toBe(Math.log(4));
      expect(m.compute().perplexity).toBeCloseTo(4, 12);
    }
  });
});

describe('greaterIsBetter', () => {
  it('knows losses and errors are minimized', () => {
    for (const name of ['loss', 'eval_loss', 'mse', 'mae', 'rmse', 'perplexity', 'eval_perplexity', 'hamming_loss', 'test_mse', 'kl_loss'])
      expect(greaterIsBetter(name), name).toBe(false);
    for (const name of [
      'accuracy',
      'f1_macro',
      'eval_f1_micro',
      'pearson',
      'spearman',
      'r2',
      'entity_f1',
      'exact_match',
      'f1',
      'subset_accuracy',
    ])
      expect(greaterIsBetter(name), name).toBe(true);
  });
});

describe('createMetric input routing', () => {
  it('accepts a batch of empty sentences without id2label', () => {
    const m = createMetric({ task: 'token-classification' });
    m.add([[]], [[]]);
    m.add([['B-PER']], [['B-PER']]);
    expect(m.compute().entity_f1).toBe(1);
  });
});
