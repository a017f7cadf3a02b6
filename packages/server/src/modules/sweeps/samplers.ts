// Where a sweep's next trial goes: the grid in order, seeded random draws, or the tree-structured Parzen
// estimator (TPE; Bergstra et al., NeurIPS 2011), which draws where past trials that did well lie more
// densely than those that did badly. Every draw comes from a generator seeded by (sweep seed, trial
// number), so the same history gives the same trial whichever process or worker asks.

import { type Dimension, gridPoint, type ParameterValues } from './search-space.ts';

export const SWEEP_ALGORITHMS = ['grid', 'random', 'tpe'] as const;
export type SweepAlgorithm = (typeof SWEEP_ALGORITHMS)[number];

/** A finished trial: where it was, and its objective as a loss (lower is better; the caller negates a maximized metric). */
export interface Observation {
  params: ParameterValues;
  loss: number;
}

// --- seeded randomness ------------------------------------------------------------------------------

/** A uniform generator in [0, 1) (splitmix32): small, fast and the same on every platform. */
export type Random = () => number;

export function seededRandom(seed: number, stream = 0): Random {
  // Two integers mixed into one 32-bit state, so trial 1 of seed 2 differs from trial 2 of seed 1.
  let state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((stream + 0x632be5ab) | 0, 0x85ebca6b)) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
function normal(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) never happens
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

// --- dimensions in the space the estimators work in ---------------------------------------------------

/** A range's bounds in the space draws are made in: logarithms for a log scale, widened by half a step for whole numbers. */
function internalBounds(d: Dimension & { kind: 'range' }): [number, number] {
  const lo = d.integer ? Math.ceil(d.min) - 0.5 : d.min;
  const hi = d.integer ? Math.floor(d.max) + 0.5 : d.max;
  return d.log ? [Math.log(Math.max(lo, d.min)), Math.log(hi)] : [lo, hi];
}

const toInternal = (d: Dimension & { kind: 'range' }, v: number): number => (d.log ? Math.log(v) : v);

/** A value of the internal space back in the range: exponentiated, rounded to a whole number, clamped. */
function fromInternal(d: Dimension & { kind: 'range' }, u: number): number {
  let v = d.log ? Math.exp(u) : u;
  if (d.integer) v = Math.round(v);
  const lo = d.integer ? Math.ceil(d.min) : d.min;
  const hi = d.integer ? Math.floor(d.max) : d.max;
  return Math.min(hi, Math.max(lo, v));
}

function uniformValue(d: Dimension, random: Random): unknown {
  if (d.kind === 'choice') return d.values[Math.min(d.values.length - 1, Math.floor(random() * d.values.length))];
  const [lo, hi] = internalBounds(d);
  return fromInternal(d, lo + random() * (hi - lo));
}

/** A point drawn uniformly (log-uniformly on a log scale) from every dimension. */
export function randomPoint(dims: readonly Dimension[], random: Random): ParameterValues {
  return Object.fromEntries(dims.map((d) => [d.name, uniformValue(d, random)]));
}

// --- the Parzen estimators ---------------------------------------------------------------------------

/** erf to 1.5e-7 (Abramowitz and Stegun 7.1.26): enough for the truncation mass of a kernel. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

/** A mixture of Gaussian kernels truncated to [lo, hi], all weighted alike. */
export interface ParzenMixture {
  mus: number[];
  sigmas: number[];
  lo: number;
  hi: number;
}

/**
 * The adaptive Parzen estimator of observed internal values in [lo, hi] (hyperopt's rule): the observations
 * and a prior kernel at the middle of the range as wide as the range; each kernel as wide as the larger gap
 * to its neighbours in sorted order, no wider than the range and no narrower than range / min(100, n + 1).
 */
export function parzenEstimator(observed: readonly number[], lo: number, hi: number): ParzenMixture {
  const width = hi - lo;
  const prior = (lo + hi) / 2;
  const mus = [...observed, prior].sort((a, b) => a - b);
  const minSigma = width / Math.min(100, mus.length + 1);
  const sigmas = mus.map((mu, i) => {
    const left = mu - (i > 0 ? (mus[i - 1] as number) : lo);
    const right = (i < mus.length - 1 ? (mus[i + 1] as number) : hi) - mu;
    return Math.min(width, Math.max(minSigma, left, right));
  });
  // The prior keeps the whole range's width, whatever its neighbours.
  const p = mus.indexOf(prior);
  sigmas[p] = width;
  return { mus, sigmas, lo, hi };
}

/** The mixture's density at x (each kernel renormalized by its mass inside [lo, hi]). */
export function parzenDensity(m: ParzenMixture, x: number): number {
  if (x < m.lo || x > m.hi) return 0;
  let sum = 0;
  m.mus.forEach((mu, i) => {
    const s = m.sigmas[i] as number;
    const mass = normalCdf((m.hi - mu) / s) - normalCdf((m.lo - mu) / s);
    const z = (x - mu) / s;
    sum += Math.exp(-0.5 * z * z) / (s * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  });
  return sum / m.mus.length;
}

/** A draw from the mixture: a kernel at random, then its normal until the draw falls inside the range. */
function parzenSample(m: ParzenMixture, random: Random): number {
  const i = Math.min(m.mus.length - 1, Math.floor(random() * m.mus.length));
  const mu = m.mus[i] as number;
  const s = m.sigmas[i] as number;
  for (let tries = 0; tries < 100; tries++) {
    const x = mu + s * normal(random);
    if (x >= m.lo && x <= m.hi) return x;
  }
  return Math.min(m.hi, Math.max(m.lo, mu));
}

/** Candidates drawn from the good trials' density per dimension; the one with the largest l(x)/g(x) is taken. */
export const TPE_CANDIDATES = 24;

/** The good share of the observations: the best ceil(25%), at least one, at most 25 (as Optuna caps it). */
export function goodCount(n: number): number {
  return Math.max(1, Math.min(25, Math.ceil(0.25 * n)));
}

/** The trials drawn at random before the estimators take over: a third of the budget, between 2 and 10. */
export function startupTrials(maxTrials: number): number {
  return Math.max(2, Math.min(10, Math.floor(maxTrials / 3)));
}

/** One dimension's TPE draw from the good (l) and bad (g) values seen. */
function tpeValue(d: Dimension, good: readonly unknown[], bad: readonly unknown[], random: Random): unknown {
  if (d.kind === 'choice') {
    // Counts plus one for every choice: a choice never seen still has a chance.
    const index = (v: unknown) => d.values.findIndex((c) => JSON.stringify(c) === JSON.stringify(v));
    const weights = (seen: readonly unknown[]) => {
      const w = d.values.map(() => 1);
      for (const v of seen) {
        const i = index(v);
        if (i >= 0) w[i] = (w[i] as number) + 1;
      }
      const total = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / total);
    };
    const l = weights(good);
    const g = weights(bad);
    let bestIndex = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < TPE_CANDIDATES; c++) {
      let r = random();
      let i = 0;
      while (i < l.length - 1 && r >= (l[i] as number)) r -= l[i++] as number;
      const score = Math.log(l[i] as number) - Math.log(g[i] as number);
      if (score > bestScore) {
        bestScore = score;
        bestIndex = i;
      }
    }
    return d.values[bestIndex];
  }
  const [lo, hi] = internalBounds(d);
  const internal = (values: readonly unknown[]) =>
    values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && (!d.log || v > 0)).map((v) => toInternal(d, v));
  const l = parzenEstimator(internal(good), lo, hi);
  const g = parzenEstimator(internal(bad), lo, hi);
  let best = parzenSample(l, random);
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < TPE_CANDIDATES; c++) {
    const x = c === 0 ? best : parzenSample(l, random);
    const score = Math.log(Math.max(parzenDensity(l, x), 1e-300)) - Math.log(Math.max(parzenDensity(g, x), 1e-300));
    if (score > bestScore) {
      bestScore = score;
      best = x;
    }
  }
  return fromInternal(d, best);
}

/** TPE's next point from the finished trials (each dimension on its own, as hyperopt's and Optuna's default). */
export function tpePoint(dims: readonly Dimension[], history: readonly Observation[], random: Random): ParameterValues {
  const sorted = [...history].sort((a, b) => a.loss - b.loss);
  const n = goodCount(sorted.length);
  const good = sorted.slice(0, n);
  const bad = sorted.slice(n);
  return Object.fromEntries(
    dims.map((d) => [
      d.name,
      tpeValue(
        d,
        good.map((o) => o.params[d.name]),
        bad.map((o) => o.params[d.name]),
        random,
      ),
    ]),
  );
}

/**
 * The point of trial `trial` (numbered from 1), or undefined when the algorithm has no more (the grid's
 * end). `history` is what the TPE learns from; grid and random ignore it.
 */
export function nextPoint(options: {
  algorithm: SweepAlgorithm;
  dims: readonly Dimension[];
  seed: number;
  trial: number;
  maxTrials: number;
  history: readonly Observation[];
}): ParameterValues | undefined {
  const { algorithm, dims, seed, trial, maxTrials, history } = options;
  if (trial > maxTrials) return undefined;
  if (algorithm === 'grid') return gridPoint(dims, trial - 1);
  const random = seededRandom(seed, trial);
  if (algorithm === 'random' || history.length < startupTrials(maxTrials)) return randomPoint(dims, random);
  return tpePoint(dims, history, random);
}
