// Classification metrics: hand-checked cases and scikit-learn reference values (fixtures/metrics/expected.json).

import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, classificationReport, MultiLabelCounts, multiLabelReport, scoresFromConfusion } from './classification.ts';
import { MetricInputError } from './errors.ts';
import { expectAllClose, expectAveraged, expectClose, reference } from './reference-fixture.ts';

describe('classificationReport', () => {
  it('matches the scikit-learn documentation example by hand', () => {
    // precision_recall_fscore_support's docstring: y_true = [0,1,2,0,1,2], y_pred = [0,2,1,0,0,1].
    const r = classificationReport([0, 2, 1, 0, 0, 1], [0, 1, 2, 0, 1, 2]);
    // Class 0: tp 2, predicted 3, true 2; classes 1 and 2: no hits.
    expect(r.perClass.precision).toEqual([2 / 3, 0, 0]);
    expect(r.perClass.recall).toEqual([1, 0, 0]);
    expect(r.perClass.f1).toEqual([0.8, 0, 0]);
    expect(r.accuracy).toBe(1 / 3);
    expect(r.macro.precision).toBeCloseTo(2 / 9, 15);
    expect(r.macro.f1).toBeCloseTo(0.8 / 3, 15);
    expect(r.micro).toEqual({ precision: 1 / 3, recall: 1 / 3, f1: 1 / 3 });
    expect(r.confusion).toEqual([
      [2, 0, 0],
      [1, 0, 1],
      [0, 2, 0],
    ]);
  });

  it('averages over the classes that occur unless told otherwise', () => {
    // Class 1 never occurs: with numLabels 3 it is in the matrix but not in the default averages.
    const r = classificationReport([0, 2, 2], [0, 2, 0], { numLabels: 3 });
    expect(r.labels).toEqual([0, 2]);
    expect(r.macro.recall).toBe((0.5 + 1) / 2);
    const all = classificationReport([0, 2, 2], [0, 2, 0], { numLabels: 3, labels: [0, 1, 2] });
    expect(all.macro.recall).toBe((0.5 + 0 + 1) / 3);
  });

  for (const c of reference.classification) {
    it(`matches scikit-learn: ${c.name}`, () => {
      const r = classificationReport(c.predictions, c.references, {
        ...(c.numLabels === undefined ? {} : { numLabels: c.numLabels }),
        ...(c.labels === undefined ? {} : { labels: c.labels }),
      });
      const e = c.expected;
      expectClose(r.accuracy, e.accuracy, 'accuracy');
      expectAveraged(r.macro, e.macro, 'macro');
      expectAveraged(r.micro, e.micro, 'micro');
      expectAveraged(r.weighted, e.weighted, 'weighted');
      expectAllClose(r.perClass.precision, e.perClass.precision, 'precision');
      expectAllClose(r.perClass.recall, e.perClass.recall, 'recall');
      expectAllClose(r.perClass.f1, e.perClass.f1, 'f1');
      expect(r.perClass.support).toEqual(e.perClass.support);
      expect(r.confusion).toEqual(e.confusion);
    });
  }

  it('streams: batches give the same figures as one call', () => {
    const c = reference.classification[0]!;
    const cm = new ConfusionMatrix();
    for (let i = 0; i < c.predictions.length; i += 7) cm.add(c.predictions.slice(i, i + 7), c.references.slice(i, i + 7));
    expect(scoresFromConfusion(cm.matrix)).toEqual(classificationReport(c.predictions, c.references));
  });

  it('takes int64 labels and typed arrays', () => {
    const r = classificationReport(Int32Array.from([1, 0, 1]), BigInt64Array.from([1n, 1n, 1n]));
    expect(r.accuracy).toBe(2 / 3);
  });

  it('gives NaN averages with no examples', () => {
    const r = scoresFromConfusion(new ConfusionMatrix(3).matrix);
    expect(r.accuracy).toBeNaN();
    expect(r.macro.f1).toBeNaN();
    expect(r.micro.f1).toBeNaN();
  });

  it('refuses mismatched lengths and labels that are not classes', () => {
    expect(() => classificationReport([0, 1], [0])).toThrow(MetricInputError);
    expect(() => classificationReport([0, 3], [0, 1], { numLabels: 3 })).toThrow(/predictions\[1\] is 3, outside \[0, 3\)/);
    expect(() => classificationReport([0, 1.5], [0, 1])).toThrow(/non-negative integers/);
    expect(() => classificationReport([-1], [0])).toThrow(/non-negative integers/);
    expect(() => classificationReport([0], [0], { labels: [4] })).toThrow(/labels lists 4/);
  });
});

describe('multiLabelReport', () => {
  it('scores a small case by hand', () => {
    const pred = [
      [true, false, true],
      [false, false, false],
    ];
    const gold = [
      [true, true, false],
      [false, false, false],
    ];
    const r = multiLabelReport(pred, gold);
    expect(r.subsetAccuracy).toBe(0.5);
    expect(r.hammingLoss).toBe(2 / 6);
    // tp 1, predicted 2, true 2.
    expect(r.micro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    // Per label F1: 1, 0, 0.
    expect(r.macro.f1).toBe(1 / 3);
  });

  for (const c of reference.multiLabel) {
    it(`matches scikit-learn: ${c.name}`, () => {
      const r = multiLabelReport(c.predictions, c.references);
      const e = c.expected;
      expectClose(r.subsetAccuracy, e.subsetAccuracy, 'subsetAccuracy');
      expectClose(r.hammingLoss, e.hammingLoss, 'hammingLoss');
      expectAveraged(r.micro, e.micro, 'micro');
      expectAveraged(r.macro, e.macro, 'macro');
      expectAllClose(r.perLabel.f1, e.perLabel.f1, 'f1');
      expectAllClose(r.perLabel.precision, e.perLabel.precision, 'precision');
      expectAllClose(r.perLabel.recall, e.perLabel.recall, 'recall');
      expect(r.perLabel.support).toEqual(e.perLabel.support);
    });
  }

  it('refuses rows of the wrong width', () => {
    const counts = new MultiLabelCounts(2);
    expect(() => counts.add([[true, false, true]], [[true, false]])).toThrow(/row 0 has 3 predicted and 2 true flags; expected 2/);
  });
});
