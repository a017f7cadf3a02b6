// Splits: stratified proportions per class, small classes kept in train, the same result from the same seed.

import { describe, expect, it } from 'vitest';
import { shuffled, splitDataset } from './split.ts';

interface Row {
  id: number;
  label: string;
}

/** 60 'a', 30 'b', 7 'c', 2 'd', 1 'e': 100 rows, interleaved. */
function rows(): Row[] {
  const counts: [string, number][] = [
    ['a', 60],
    ['b', 30],
    ['c', 7],
    ['d', 2],
    ['e', 1],
  ];
  const out: Row[] = [];
  for (const [label, n] of counts) for (let k = 0; k < n; k++) out.push({ id: out.length, label });
  return shuffled(out, 7).map((r, id) => ({ ...r, id }));
}

const count = (list: Row[]) => {
  const c: Record<string, number> = {};
  for (const r of list) c[r.label] = (c[r.label] ?? 0) + 1;
  return c;
};

describe('splitDataset', () => {
  it('splits each label proportionally, keeping every label in train', () => {
    const { train, validation, test } = splitDataset(rows(), { validation: 0.1, test: 0.1, seed: 1, stratifyBy: (r) => r.label });
    expect(validation).toHaveLength(10);
    expect(test).toHaveLength(10);
    expect(train).toHaveLength(80);
    // 10% of 60, 30, 7: 6, 3, 0.7; the one left over goes to 'c', the largest remainder. 'd' and 'e' stay in train.
    expect(count(validation)).toEqual({ a: 6, b: 3, c: 1 });
    expect(count(test)).toEqual({ a: 6, b: 3, c: 1 });
    expect(count(train)).toEqual({ a: 48, b: 24, c: 5, d: 2, e: 1 });
    // Every row lands in exactly one split, each in input order.
    const ids = [...train, ...validation, ...test].map((r) => r.id).sort((x, y) => x - y);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const part of [train, validation, test]) expect(part.map((r) => r.id)).toEqual([...part.map((r) => r.id)].sort((x, y) => x - y));
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const ids = (seed: number) => splitDataset(rows(), { seed, stratifyBy: (r) => r.label }).validation.map((r) => r.id);
    expect(ids(3)).toEqual(ids(3));
    expect(ids(3)).not.toEqual(ids(4));
  });

  it('splits without stratification to round(n * fraction)', () => {
    const s = splitDataset(
      Array.from({ length: 25 }, (_, i) => i),
      { validation: 0.2, test: 0.1, seed: 9 },
    );
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([17, 5, 3]);
  });

  it('refuses fractions that leave nothing to train on', () => {
    expect(() => splitDataset([1, 2], { validation: 0.5, test: 0.5 })).toThrow(/must leave rows for training/);
    expect(() => splitDataset([1, 2], { validation: -0.1 })).toThrow(/must be in \[0, 1\)/);
  });
});

describe('shuffled', () => {
  it('is a seeded permutation that leaves its input alone', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffled(input, 5);
    expect(a).toEqual(shuffled(input, 5));
    expect(a).not.toEqual(input);
    expect([...a].sort((x, y) => x - y)).toEqual(input);
    expect(input[0]).toBe(0);
  });
});
