// The samplers: the grid's order, seeded draws within bounds, the truncated Parzen density, and TPE
// finding a minimum faster than random draws with the same budget.

import { describe, expect, it } from 'vitest';
import {
  goodCount,
  nextPoint,
  type Observation,
  parzenDensity,
  parzenEstimator,
  randomPoint,
  seededRandom,
  startupTrials,
  tpePoint,
} from './samplers.ts';
import { applyPoint, type Dimension, gridPoint, gridSize } from './search-space.ts';

const LR: Dimension = { name: 'learningRate', kind: 'range', min: 1e-6, max: 1, log: true, integer: false };
const BATCH: Dimension = { name: 'batchSize', kind: 'choice', values: [8, 16, 32] };
const R: Dimension = { name: 'strategyConfig.r', kind: 'range', min: 2, max: 16, log: false, integer: true };

describe('grid', () => {
  it('visits every point once, the last dimension fastest, and ends', () => {
    const dims: Dimension[] = [
      { name: 'epochs', kind: 'choice', values: [1, 2] },
      { name: 'learningRate', kind: 'choice', values: [1e-3, 1e-4, 1e-5] },
    ];
    expect(gridSize(dims)).toBe(6);
    const points = Array.from({ length: 7 }, (_, i) => gridPoint(dims, i));
    expect(points.slice(0, 4)).toEqual([
      { epochs: 1, learningRate: 1e-3 },
      { epochs: 1, learningRate: 1e-4 },
      { epochs: 1, learningRate: 1e-5 },
      { epochs: 2, learningRate: 1e-3 },
    ]);
    expect(new Set(points.slice(0, 6).map((p) => JSON.stringify(p))).size).toBe(6);
    expect(points[6]).toBeUndefined();
    expect(gridSize([...dims, LR])).toBe(Number.POSITIVE_INFINITY);
  });

  it('lays strategy options and trainer settings where they belong', () => {
    const input = applyPoint(
      { hyperparameters: { epochs: 1 }, strategyConfig: { r: 4, alpha: 8 } },
      { learningRate: 0.01, 'strategyConfig.r': 8 },
    );
    expect(input).toEqual({ hyperparameters: { epochs: 1, learningRate: 0.01 }, strategyConfig: { r: 8, alpha: 8 } });
  });
});

describe('random draws', () => {
  it('are the same for the same seed and trial, and differ across trials and seeds', () => {
    const a = randomPoint([LR, BATCH, R], seededRandom(7, 1));
    expect(randomPoint([LR, BATCH, R], seededRandom(7, 1))).toEqual(a);
    expect(randomPoint([LR, BATCH, R], seededRandom(7, 2))).not.toEqual(a);
    expect(randomPoint([LR, BATCH, R], seededRandom(8, 1))).not.toEqual(a);
  });

  it('stay within bounds, whole where the dimension is, log-uniform on a log scale', () => {
    const random = seededRandom(1, 0);
    const lrs: number[] = [];
    const rs = new Set<number>();
    for (let i = 0; i < 4000; i++) {
      const p = randomPoint([LR, BATCH, R], random);
      const lr = p.learningRate as number;
      expect(lr).toBeGreaterThanOrEqual(1e-6);
      expect(lr).toBeLessThanOrEqual(1);
      expect([8, 16, 32]).toContain(p.batchSize);
      expect(Number.isInteger(p['strategyConfig.r'])).toBe(true);
      rs.add(p['strategyConfig.r'] as number);
      lrs.push(lr);
    }
    // Every whole number of [2, 16] is drawn, the ends included.
    expect([...rs].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 2));
    // Log-uniform: each decade of the six holds about a sixth (4000 draws: a sixth is 667 +- 3 sigma of 71).
    for (let decade = -6; decade < 0; decade++) {
      const n = lrs.filter((x) => x >= 10 ** decade && x < 10 ** (decade + 1)).length;
      expect(Math.abs(n - 4000 / 6)).toBeLessThan(90);
    }
  });

  it('uniform on [0, 1) for the generator itself (mean and variance over 20,000 draws)', () => {
    const random = seededRandom(123, 4);
    const xs = Array.from({ length: 20_000 }, random);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // 3 sigma = 0.0061
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('the Parzen estimator', () => {
  it('is a density on its range: it integrates to 1 (midpoint rule, 20,000 cells) and is 0 outside', () => {
    for (const observed of [[], [0.1], [0.05, 0.5, 0.51, 0.98]]) {
      const m = parzenEstimator(observed, 0, 1);
      const cells = 20_000;
      let integral = 0;
      for (let i = 0; i < cells; i++) integral += parzenDensity(m, (i + 0.5) / cells) / cells;
      expect(integral).toBeCloseTo(1, 4);
      expect(parzenDensity(m, -0.01)).toBe(0);
      expect(parzenDensity(m, 1.01)).toBe(0);
    }
  });

  it("takes hyperopt's bandwidths: the larger gap to a neighbour, within [range / min(100, n + 1), range]; the prior as wide as the range", () => {
    const m = parzenEstimator([0.2, 0.3, 0.9], 0, 1);
    expect(m.mus).toEqual([0.2, 0.3, 0.5, 0.9]);
    const sigma = (mu: number) => m.sigmas[m.mus.indexOf(mu)] as number;
    expect(sigma(0.2)).toBeCloseTo(0.2, 12); // left gap to the bound 0.2, right 0.1
    expect(sigma(0.3)).toBeCloseTo(0.2, 12); // right gap to the prior at 0.5
    expect(sigma(0.9)).toBeCloseTo(0.4, 12);
    expect(sigma(0.5)).toBe(1);
    const tight = parzenEstimator([0.5, 0.5], 0, 1);
    expect(Math.min(...tight.sigmas)).toBeCloseTo(1 / 4, 12); // three kernels: range / 4
  });
});

describe('TPE', () => {
  it('splits a quarter of the trials off as good and starts with random draws', () => {
    expect([1, 4, 5, 8, 9, 200].map(goodCount)).toEqual([1, 1, 2, 2, 3, 25]);
    expect([3, 6, 12, 30, 100].map(startupTrials)).toEqual([2, 2, 4, 10, 10]);
  });

  it('draws near the good trials and away from the bad ones', () => {
    const history: Observation[] = [
      { params: { learningRate: 1e-3, batchSize: 16 }, loss: 0.1 },
      { params: { learningRate: 2e-3, batchSize: 16 }, loss: 0.2 },
      ...[1e-6, 3e-6, 1e-5, 0.1, 0.3, 1].map((lr, i) => ({ params: { learningRate: lr, batchSize: i % 2 ? 8 : 32 }, loss: 1 + i })),
    ];
    const points = Array.from({ length: 40 }, (_, t) => tpePoint([LR, BATCH], history, seededRandom(3, t)));
    const logs = points.map((p) => Math.log10(p.learningRate as number));
    const meanLog = logs.reduce((a, b) => a + b, 0) / logs.length;
    expect(Math.abs(meanLog - Math.log10(1.4e-3))).toBeLessThan(0.6);
    expect(points.filter((p) => p.batchSize === 16).length).toBeGreaterThan(25);
  });

  it('finds the minimum of a log-scale bowl closer than random draws with the same budget and seed', () => {
    const objective = (p: Record<string, unknown>) => (Math.log10(p.learningRate as number) + 3.3) ** 2;
    const search = (algorithm: 'random' | 'tpe') => {
      const history: Observation[] = [];
      for (let trial = 1; trial <= 30; trial++) {
        const params = nextPoint({ algorithm, dims: [LR], seed: 11, trial, maxTrials: 30, history }) as Record<string, unknown>;
        history.push({ params, loss: objective(params) });
      }
      return history;
    };
    const tpe = search('tpe');
    const random = search('random');
    const best = (h: Observation[]) => Math.min(...h.map((o) => o.loss));
    const lateMean = (h: Observation[]) => h.slice(-10).reduce((a, o) => a + o.loss, 0) / 10;
    expect(best(tpe)).toBeLessThan(0.01); // within 0.1 of a decade of the minimum
    expect(best(tpe)).toBeLessThanOrEqual(best(random));
    expect(lateMean(tpe)).toBeLessThan(lateMean(random) / 3);
    // The first trials (the startup) are the random search's own draws.
    expect(tpe.slice(0, startupTrials(30))).toEqual(random.slice(0, startupTrials(30)));
    // Reproducible: the same seed and history give the same trials.
    expect(search('tpe')).toEqual(tpe);
  });

  it('is done at the budget, and the grid at its end', () => {
    expect(nextPoint({ algorithm: 'tpe', dims: [LR], seed: 1, trial: 4, maxTrials: 3, history: [] })).toBeUndefined();
    expect(nextPoint({ algorithm: 'grid', dims: [BATCH], seed: 1, trial: 3, maxTrials: 10, history: [] })).toEqual({ batchSize: 32 });
    expect(nextPoint({ algorithm: 'grid', dims: [BATCH], seed: 1, trial: 4, maxTrials: 10, history: [] })).toBeUndefined();
  });
});
