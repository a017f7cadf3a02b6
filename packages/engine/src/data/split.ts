// Seeded shuffling and train/validation/test splits, stratified by label so every class keeps its share in each split.

import { Rng } from '../runtime/rng.ts';

/** A shuffled copy; the same seed gives the same order on every machine. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  return new Rng(seed).shuffle([...items]);
}

export interface SplitOptions<T> {
  /** Fraction of rows for validation. @default 0.1 */
  validation?: number;
  /** Fraction of rows for test. @default 0.1 */
  test?: number;
  /** @default 42 */
  seed?: number;
  /** Split each group (a label, say) proportionally; rows with the same key form a group. */
  stratifyBy?: (item: T) => string | number;
}

export interface Splits<T> {
  train: T[];
  validation: T[];
  test: T[];
}

/**
 * Splits rows at random (from the seed) into train, validation and test. The validation and test sizes are
 * round(n * fraction) overall; with stratifyBy each group gives its proportional share, the rounding remainders
 * going to the groups with the largest fractional parts, and no group gives away its last row, so even a class
 * with one or two rows is in train. Each split keeps the rows in their input order.
 */
export function splitDataset<T>(rows: readonly T[], options: SplitOptions<T> = {}): Splits<T> {
  const validation = options.validation ?? 0.1;
  const test = options.test ?? 0.1;
  const seed = options.seed ?? 42;
  for (const [name, f] of [
    ['validation', validation],
    ['test', test],
  ] as const) {
    if (!(f >= 0 && f < 1)) throw new RangeError(`split fraction ${name} must be in [0, 1), got ${f}`);
  }
  if (validation + test >= 1)
    throw new RangeError(`validation (${validation}) + test (${test}) must leave rows for training (sum below 1)`);

  const groups = new Map<string | number, number[]>();
  rows.forEach((row, i) => {
    const key = options.stratifyBy ? options.stratifyBy(row) : 0;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  // Groups in a fixed order (by key), so the result does not depend on which class the file lists first.
  const keys = [...groups.keys()].sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0,
  );
  const members = keys.map((k) => groups.get(k) as number[]);
  const sizes = members.map((m) => m.length);
  const nVal = apportion(
    sizes,
    validation,
    Math.round(rows.length * validation),
    sizes.map((n) => Math.max(0, n - 1)),
  );
  const nTest = apportion(
    sizes,
    test,
    Math.round(rows.length * test),
    sizes.map((n, g) => Math.max(0, n - 1 - (nVal[g] as number))),
  );

  const rng = new Rng(seed);
  const assignment = new Uint8Array(rows.length); // 0 train, 1 validation, 2 test
  members.forEach((m, g) => {
    const order = rng.shuffle([...m]);
    const v = nVal[g] as number;
    const t = nTest[g] as number;
    order.forEach((index, k) => {
      assignment[index] = k < v ? 1 : k < v + t ? 2 : 0;
    });
  });
  const out: Splits<T> = { train: [], validation: [], test: [] };
  rows.forEach((row, i) => {
    const a = assignment[i];
    (a === 1 ? out.validation : a === 2 ? out.test : out.train).push(row);
  });
  return out;
}

/**
 * Counts per group summing to `total` (as far as the caps allow): floor(size * fraction) each, then one more to
 * the groups with the largest remainders (ties to the earlier group), never more than a group's cap.
 */
function apportion(sizes: readonly number[], fraction: number, total: number, caps: readonly number[]): number[] {
  const counts = sizes.map((n, g) => Math.min(Math.floor(n * fraction), caps[g] as number));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = sizes.map((n, g) => ({ g, rem: n * fraction - Math.floor(n * fraction) })).sort((a, b) => b.rem - a.rem || a.g - b.g);
  for (let pass = 0; pass < 2 && left > 0; pass++) {
    for (const { g, rem } of order) {
      if (left === 0) break;
      if ((counts[g] as number) < (caps[g] as number) && (pass === 1 || rem > 0)) {
        counts[g] = (counts[g] as number) + 1;
        left--;
      }
    }
  }
  return counts;
}
