// Regression metrics: hand-checked cases and scikit-learn / scipy reference values.

import { describe, expect, it } from 'vitest';
import { MetricInputError } from './errors.ts';
import { expectAllClose, expectClose, reference } from './reference-fixture.ts';
import { averageRanks, pearson, r2Score, regressionReport, spearman } from './regression.ts';

describe('regression metrics', () => {
  it('scores a small case by hand', () => {
    const r = regressionReport([1, 2, 4], [1, 3, 3]);
    expect(r.mse).toBe(2 / 3);
    expect(r.mae).toBe(2 / 3);
    expect(r.rmse).toBe(Math.sqrt(2 / 3));
    // SS_tot of [1, 3, 3] about 7/3 is 8/3; SS_res is 2.
    expect(r.r2).toBeCloseTo(1 - 2 / (8 / 3), 15);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBe(1);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBe(-1);
  });

  it('ranks ties by their average rank, as scipy.stats.rankdata does', () => {
    expect([...averageRanks([10, 20, 20, 30, 20])]).toEqual([1, 3, 3, 5, 3]);
    expect([...averageRanks([2, 1, 2])]).toEqual([2.5, 1, 2.5]);
    // Any monotone relation has rho 1.
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 1000])).toBe(1);
  });

  it('returns NaN where a correlation is undefined', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(pearson([1], [2])).toBeNaN();
    expect(spearman([1, Number.NaN, 3], [1, 2, 3])).toBeNaN();
  });

  it('follows scikit-learn for R^2 of constant references', () => {
    expect(r2Score([2, 2], [2, 2])).toBe(1);
    expect(r2Score([2, 3], [2, 2])).toBe(0);
    expect(r2Score([1], [1])).toBeNaN();
  });

  for (const c of reference.regression) {
    it(`matches scikit-learn and scipy: ${c.name}`, () => {
      const r = regressionReport(c.predictions, c.references);
      const e = c.expected;
      expectClose(r.mse, e.mse, 'mse');
      expectClose(r.mae, e.mae, 'mae');
      expectClose(r.rmse, e.rmse, 'rmse');
      expectClose(r.pearson, e.pearson, 'pearson');
      expectClose(r.spearman, e.spearman, 'spearman');
      expectClose(r.r2, e.r2, 'r2');
      expectAllClose([...averageRanks(c.predictions)], e.ranksPredictions, 'ranks');
      expectAllClose([...averageRanks(c.references)], e.ranksReferences, 'ranks');
    });
  }

  it('refuses pairs of different lengths', () => {
    expect(() => regressionReport([1, 2], [1])).toThrow(MetricInputError);
  });
});
