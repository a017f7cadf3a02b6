import { describe, expect, it } from 'vitest';
import {
  decimate,
  emaSmooth,
  extent,
  formatTick,
  logTicks,
  nearestIndex,
  niceTicks,
  sameSeries,
  scaleLinear,
  visibleRange,
} from './chart-math.ts';

/** A noisy decaying loss curve with a spike and a dip somewhere in the middle. */
function curve(n: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < n; i++) {
    x.push(i + 1);
    y.push(2 * Math.exp(-i / (n / 5)) + 0.1 * random());
  }
  y[Math.floor(n * 0.37)] = 9; // the global max, far from the start
  y[Math.floor(n * 0.81)] = -3; // the global min
  return { x, y };
}

describe('decimate', () => {
  it('100,000 points to 800 px keeps the extremes, the first and the last, in at most 4 points per pixel', () => {
    const { x, y } = curve(100_000);
    const t0 = performance.now();
    const d = decimate(x, y, 800);
    const ms = performance.now() - t0;
    console.log(`decimate: 100,000 -> ${d.x.length} points in ${ms.toFixed(1)} ms`);
    expect(d.x.length).toBe(d.y.length);
    expect(d.x.length).toBeLessThanOrEqual(3200);
    expect(d.x.length).toBeGreaterThan(800);
    expect(Math.max(...d.y)).toBe(9);
    expect(Math.min(...d.y)).toBe(-3);
    expect([d.x[0], d.y[0]]).toEqual([x[0], y[0]]);
    expect([d.x.at(-1), d.y.at(-1)]).toEqual([x.at(-1), y.at(-1)]);
    for (let i = 1; i < d.x.length; i++) expect(d.x[i] as number).toBeGreaterThan(d.x[i - 1] as number);
    // Every kept point is one of the originals.
    for (let i = 0; i < d.x.length; i += 97) expect(y[(d.x[i] as number) - 1]).toBe(d.y[i]);
  });

  it('keeps each pixel column’s extremes', () => {
    const { x, y } = curve(10_000);
    const d = decimate(x, y, 100);
    for (let c = 0; c < 100; c++) {
      const lo = 1 + ((x.length - 1) * c) / 100;
      const hi = 1 + ((x.length - 1) * (c + 1)) / 100;
      const inColumn = (xs: readonly number[], ys: readonly number[]) =>
        ys.filter((_, i) => (xs[i] as number) >= lo && ((xs[i] as number) < hi || c === 99));
      const original = inColumn(x, y);
      const kept = inColumn(d.x, d.y);
      expect(Math.max(...kept)).toBe(Math.max(...original));
      expect(Math.min(...kept)).toBe(Math.min(...original));
    }
  });

  it('small inputs pass through; non-finite points are dropped; uneven x is bucketed by x', () => {
    expect(decimate([1, 2, 3], [3, 1, 2], 800)).toEqual({ x: [1, 2, 3], y: [3, 1, 2] });
    expect(decimate([1, 2, 3, 4], [1, Number.NaN, 3, Number.POSITIVE_INFINITY], 800)).toEqual({ x: [1, 3], y: [1, 3] });
    expect(decimate([], [], 800)).toEqual({ x: [], y: [] });
    const x = Array.from({ length: 1000 }, (_, i) => i * i);
    const y = x.map((v) => Math.sin(v));
    const d = decimate(x, y, 10);
    expect(d.x.length).toBeLessThanOrEqual(40);
    expect([d.x[0], d.x.at(-1)]).toEqual([0, 999 * 999]);
    const same = decimate(
      Array(100).fill(5),
      Array.from({ length: 100 }, (_, i) => i),
      2,
    );
    expect(same.y).toEqual([0, 99]);
  });
});

describe('axes', () => {
  it('extent ignores non-finite values', () => {
    expect(extent([3, Number.NaN, -1, Number.POSITIVE_INFINITY, 2])).toEqual([-1, 3]);
    expect(extent([])).toEqual([0, 1]);
    expect(extent([Number.NaN])).toEqual([0, 1]);
  });

  it('niceTicks: round numbers that cover the range', () => {
    const cases: [number, number, number][] = [
      [0, 1, 5],
      [0.0132, 2.87, 5],
      [-3.2, 9, 6],
      [1, 10_000, 4],
      [2e-5, 3.1e-4, 5],
      [0.69, 0.71, 4],
      [123_456, 987_654, 5],
      [5, 5, 4],
      [0, 0, 4],
    ];
    for (const [min, max, count] of cases) {
      const ticks = niceTicks(min, max, count);
      const label = `${min}..${max}`;
      expect(ticks[0] as number, label).toBeLessThanOrEqual(min);
      expect(ticks.at(-1) as number, label).toBeGreaterThanOrEqual(max);
      expect(ticks.length, label).toBeGreaterThanOrEqual(2);
      expect(ticks.length, label).toBeLessThanOrEqual(2 * count + 2);
      const step = (ticks[1] as number) - (ticks[0] as number);
      const power = 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 2.5, 5, 10], label).toContain(Number((step / power).toPrecision(6)));
      for (const t of ticks) expect(Number.isInteger(Number((t / step).toPrecision(9))), `${label}: ${t}`).toBe(true);
      for (const t of ticks) expect(String(t).length, `${label}: ${t} is printed short`).toBeLessThan(12);
    }
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.0132, 2.87, 5)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(niceTicks(Number.NaN, 1, 5)).toEqual([]);
  });

  it('formatTick', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [1, '1'],
      [12.5, '12.5'],
      [0.25, '0.25'],
      [0.30000000000000004, '0.3'],
      [0.001, '0.001'],
      [0.0003, '3e-4'],
      [2.5e-5, '2.5e-5'],
      [1200, '1.2k'],
      [1000, '1k'],
      [12_345, '12.3k'],
      [999_600, '1M'],
      [3_500_000, '3.5M'],
      [7e9, '7G'],
      [-1500, '-1.5k'],
      [-0.0002, '-2e-4'],
    ];
    expect(cases.map(([v]) => formatTick(v))).toEqual(cases.map(([, s]) => s));
  });

  it('scaleLinear and nearestIndex', () => {
    const toPixel = scaleLinear([0, 10], [300, 0]); // y grows downwards on a canvas
    expect([toPixel(0), toPixel(5), toPixel(10)]).toEqual([300, 150, 0]);
    expect(scaleLinear([2, 2], [0, 100])(7)).toBe(50);
    expect(nearestIndex([1, 5, 10, 20], 6)).toBe(1);
    expect(nearestIndex([1, 5, 10, 20], 16)).toBe(3);
    expect(nearestIndex([1, 5, 10, 20], -3)).toBe(0);
    expect(nearestIndex([1, 5, 10, 20], 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe('smoothing, log ticks, equality, zoom', () => {
  it("emaSmooth is TensorBoard's debiased EMA", () => {
    expect(emaSmooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
    // weight 0.5: 1; (0.25 + 1) / 0.75; ...
    const s = emaSmooth([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo((0.5 * 0.5 + 0.5 * 2) / 0.75, 12);
    expect(s[2]).toBeCloseTo(((0.5 * 0.5 + 0.5 * 2) * 0.5 + 0.5 * 3) / 0.875, 12);
    // A constant stays constant (the debiasing), and a non-finite value passes through without entering the average.
    expect(emaSmooth([4, 4, Number.NaN, 4], 0.9).map((v) => (Number.isNaN(v) ? 'NaN' : v.toFixed(9)))).toEqual([
      '4.000000000',
      '4.000000000',
      'NaN',
      '4.000000000',
    ]);
  });

  it('logTicks: powers of ten over decades, round values within one', () => {
    expect(logTicks(3e-5, 2e-3, 5)).toEqual([1e-5, 1e-4, 1e-3, 1e-2]);
    expect(logTicks(0.2, 0.5, 4)).toEqual([0.2, 0.3, 0.4, 0.5]);
    expect(logTicks(0, 1, 4)).toEqual([]);
  });

  it('sameSeries tolerates float rounding only', () => {
    const a = { x: [6, 12], y: [0.5, 0.6666666666666666] };
    expect(sameSeries(a, { x: [6, 12], y: [0.5, 0.6666666666666667] })).toBe(true);
    expect(sameSeries(a, { x: [6, 12], y: [0.5, 0.6667] })).toBe(false);
    expect(sameSeries(a, { x: [6, 13], y: [0.5, 0.6666666666666666] })).toBe(false);
    expect(sameSeries(a, { x: [6], y: [0.5] })).toBe(false);
  });

  it('visibleRange keeps one point beyond each edge', () => {
    expect(visibleRange([1, 2, 3, 4, 5, 6], 2.5, 4.5)).toEqual([1, 5]);
    expect(visibleRange([1, 2, 3], 0, 10)).toEqual([0, 3]);
  });
});
