// Regression metrics: scikit-learn's errors and R^2, scipy's Pearson and Spearman correlations.

import { MetricInputError } from './errors.ts';
import { CompensatedSum } from './summation.ts';

export interface RegressionReport {
  mse: number;
  mae: number;
  rmse: number;
  /** NaN when either side is constant or there are fewer than 2 pairs (scipy warns and returns NaN). */
  pearson: number;
  /** NaN when either side's ranks are constant or there are fewer than 2 pairs. */
  spearman: number;
  r2: number;
}

function checkPairs(metric: string, predictions: ArrayLike<number>, references: ArrayLike<number>): void {
  if (predictions.length !== references.length)
    throw new MetricInputError(metric, `${predictions.length} predictions but ${references.length} references`);
}

function meanOf(values: ArrayLike<number>, f: (v: number, i: number) => number = (v) => v): number {
  const s = new CompensatedSum();
  for (let i = 0; i < values.length; i++) s.add(f(values[i] as number, i));
  return s.value / values.length;
}

/** Mean squared error; NaN with no pairs. */
export function meanSquaredError(predictions: ArrayLike<number>, references: ArrayLike<number>): number {
  checkPairs('mse', predictions, references);
  return meanOf(references, (y, i) => (y - (predictions[i] as number)) ** 2);
}

/** Mean absolute error; NaN with no pairs. */
export function meanAbsoluteError(predictions: ArrayLike<number>, references: ArrayLike<number>): number {
  checkPairs('mae', predictions, references);
  return meanOf(references, (y, i) => Math.abs(y - (predictions[i] as number)));
}

/** Square root of the MSE, as scikit-learn's root_mean_squared_error. */
export function rootMeanSquaredError(predictions: ArrayLike<number>, references: ArrayLike<number>): number {
  return Math.sqrt(meanSquaredError(predictions, references));
}

function isConstant(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

function hasNaN(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}

/**
 * Pearson's r as scipy.stats.pearsonr computes it: centre, scale each side by its largest deviation (so
 * squares cannot overflow), divide by the norms, clip to [-1, 1]. Undefined for a constant side or fewer
 * than 2 pairs: NaN, where scipy warns and returns NaN (or raises, for fewer than 2).
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('pearson', x, y);
  const n = x.length;
  if (n < 2 || isConstant(x) || isConstant(y) || hasNaN(x) || hasNaN(y)) return Number.NaN;
  const centred = (v: ArrayLike<number>): Float64Array => {
    const m = meanOf(v);
    const out = Float64Array.from({ length: n }, (_, i) => (v[i] as number) - m);
    let max = 0;
    for (const d of out) max = Math.max(max, Math.abs(d));
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) / max;
    return out;
  };
  const xm = centred(x);
  const ym = centred(y);
  const sxy = new CompensatedSum();
  const sxx = new CompensatedSum();
  const syy = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    const a = xm[i] as number;
    const b = ym[i] as number;
    sxy.add(a * b);
    sxx.add(a * a);
    syy.add(b * b);
  }
  // Scaled deviations are at most 1, so the product of the sums cannot overflow; one sqrt rounds once.
  const r = sxy.value / Math.sqrt(sxx.value * syy.value);
  return Math.min(1, Math.max(-1, r));
}

/** 1-based ranks with ties given the average of the ranks they span (scipy.stats.rankdata, method='average'). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
    const va = values[a] as number;
    const vb = values[b] as number;
    return va < vb ? -1 : va > vb ? 1 : a - b;
  });
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1] as number] === values[order[i] as number]) j++;
    // Positions i..j (0-based) hold rank i+1..j+1; their mean is exact in binary (a half-integer).
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k] as number] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rho as scipy.stats.spearmanr: Pearson's r of the average ranks. NaN when either side is constant,
 * there are fewer than 2 pairs, or any value is NaN (scipy's nan_policy='propagate').
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('spearman', x, y);
  if (hasNaN(x) || hasNaN(y)) return Number.NaN;
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Coefficient of determination as scikit-learn's r2_score (force_finite=True): 1 - SS_res / SS_tot, except
 * that constant references give 1 for a perfect fit and 0 otherwise instead of NaN or -Infinity. "Constant"
 * means exactly equal values; scikit-learn tests SS_tot against 0, which can miss by a rounding for values
 * such as 0.1 repeated, so the two can differ there and nowhere else. NaN for fewer than 2 pairs.
 */
export function r2Score(predictions: ArrayLike<number>, references: ArrayLike<number>): number {
  checkPairs('r2', predictions, references);
  // scikit-learn: "R^2 score is not well-defined with less than two samples", and returns NaN.
  if (references.length < 2) return Number.NaN;
  const ssRes = new CompensatedSum();
  for (let i = 0; i < references.length; i++) ssRes.add(((references[i] as number) - (predictions[i] as number)) ** 2);
  if (isConstant(references)) return ssRes.value === 0 ? 1 : 0;
  const m = meanOf(references);
  const ssTot = new CompensatedSum();
  for (let i = 0; i < references.length; i++) ssTot.add(((references[i] as number) - m) ** 2);
  if (ssRes.value === 0) return 1;
  return 1 - ssRes.value / ssTot.value;
}

export function regressionReport(predictions: ArrayLike<number>, references: ArrayLike<number>): RegressionReport {
  const mse = meanSquaredError(predictions, references);
  return {
    mse,
    mae: meanAbsoluteError(predictions, references),
    rmse: Math.sqrt(mse),
    pearson: pearson(predictions, references),
    spearman: spearman(predictions, references),
    r2: r2Score(predictions, references),
  };
}
