// The divergence check stops runs whose loss runs away, not runs with one hard batch after a near-perfect fit.

import { describe, expect, it } from 'vitest';
import { DivergenceWatch } from './divergence.ts';

/** Feeds the losses in order; the 1-based step at which the watch trips, or undefined. */
function trips(losses: readonly number[], factor = 100): number | undefined {
  const watch = new DivergenceWatch(factor);
  const at = losses.findIndex((l) => watch.push(l) !== undefined);
  return at < 0 ? undefined : at + 1;
}

/**
 * The last 40 step losses of examples/sentiment/config.yaml at 5 epochs (steps 183-222; recorded with 3
 * significant digits), which the unsmoothed check stopped at the last step: 0.38 is over 100x the lowest 0.00208.
 */
const NEAR_PERFECT_FIT_THEN_HARD_BATCHES = [
  0.00706, 0.134, 0.00836, 0.00623, 0.00516, 0.00537, 0.00526, 0.00551, 0.00478, 0.00517, 0.00487, 0.00585, 0.00465, 0.00423, 0.00392,
  0.00453, 0.00394, 0.00534, 0.00342, 0.00313, 0.00329, 0.00293, 0.00293, 0.00293, 0.00312, 0.00273, 0.00286, 0.00258, 0.00262, 0.00254,
  0.00335, 0.00227, 0.00263, 0.00255, 0.0023, 0.00238, 0.00228, 0.00208, 0.162, 0.38,
];

describe('DivergenceWatch', () => {
  it('lets a hard batch pass after the loss has fallen near zero', () => {
    expect(Math.max(...NEAR_PERFECT_FIT_THEN_HARD_BATCHES.slice(-2))).toBeGreaterThan(100 * 0.00208);
    expect(trips(NEAR_PERFECT_FIT_THEN_HARD_BATCHES)).toBeUndefined();
  });

  it('stops a loss that keeps rising, and one that jumps by orders of magnitude, within a few steps', () => {
    const steady = Array.from({ length: 20 }, (_, i) => 0.7 - i * 0.01);
    // Tripling every step from 0.51: the smoothed loss passes 100x its lowest (about 0.6) at the seventh rise.
    const rising = [...steady, ...Array.from({ length: 10 }, (_, i) => 0.51 * 3 ** (i + 1))];
    expect(trips(rising)).toBe(27);
    expect(trips([...steady, 1e4])).toBe(21);
  });

  it('sets its reference in the first ten steps, and honours the factor', () => {
    expect(trips([0.001, 0.001, 50, 50, 50, 50, 50, 50, 50, 50])).toBeUndefined();
    const steady = Array.from({ length: 20 }, () => 1);
    // One step of 200 after a steady 1: smoothed 0.9 + 20 = 20.9, over 10x but not 100x.
    expect(trips([...steady, 200], 10)).toBe(21);
    expect(trips([...steady, 200], 100)).toBeUndefined();
  });
});
