// The median stopping rule: warm-up, the least number of finished trials, comparison at the same epoch, ties.

import { describe, expect, it } from 'vitest';
import { type EvaluationPoint, median, medianStopDecision } from './early-termination.ts';

const RULE = { warmupEvaluations: 1, minTrials: 3 };
const curve = (...values: number[]): EvaluationPoint[] => values.map((value, i) => ({ epoch: i + 1, value }));

describe('the median stopping rule', () => {
  const finished = [curve(0.3, 0.5, 0.6), curve(0.4, 0.55, 0.7), curve(0.2, 0.35, 0.8)];

  it('stops a trial whose best so far is below the median at the same epoch', () => {
    // At epoch 2 the finished trials' bests are 0.5, 0.55, 0.35: median 0.5.
    expect(medianStopDecision(curve(0.2, 0.45), finished, true, RULE)).toEqual({ stop: true, value: 0.45, median: 0.5, peers: 3 });
    expect(medianStopDecision(curve(0.2, 0.52), finished, true, RULE)).toMatchObject({ stop: false, median: 0.5 });
  });

  it('lets a tie go on, and compares a trial by its best so far, not its last value', () => {
    expect(medianStopDecision(curve(0.2, 0.5), finished, true, RULE).stop).toBe(false);
    expect(medianStopDecision(curve(0.9, 0.1), finished, true, RULE).stop).toBe(false);
  });

  it('never stops during the warm-up evaluations, nor with too few finished trials', () => {
    expect(medianStopDecision(curve(0.01), finished, true, RULE)).toEqual({ stop: false, value: 0.01, peers: 0 });
    expect(medianStopDecision(curve(0.01, 0.01), finished.slice(0, 2), true, RULE)).toEqual({ stop: false, value: 0.01, peers: 2 });
    expect(medianStopDecision(curve(0.01, 0.01), finished.slice(0, 2), true, { ...RULE, minTrials: 2 }).stop).toBe(true);
  });

  it('reads lower-is-better metrics the other way', () => {
    const losses = [curve(1.0, 0.8), curve(1.2, 0.9), curve(0.9, 0.7)];
    expect(medianStopDecision(curve(1.5, 0.95), losses, false, RULE)).toEqual({ stop: true, value: 0.95, median: 0.8, peers: 3 });
    expect(medianStopDecision(curve(1.5, 0.75), losses, false, RULE).stop).toBe(false);
  });

  it('compares by epoch: a finished trial with evaluations at other epochs counts with those up to the same point', () => {
    // Half-epoch evaluations (a smaller batch, evalEvery) against whole-epoch ones.
    const halves = [
      { epoch: 0.5, value: 0.1 },
      { epoch: 1, value: 0.6 },
      { epoch: 1.5, value: 0.9 },
    ];
    const short = [{ epoch: 1, value: 0.5 }]; // a one-epoch trial: its only value stands for every later epoch
    const decision = medianStopDecision(
      [
        { epoch: 1, value: 0.3 },
        { epoch: 1.0000001, value: 0.4 },
      ],
      [halves, short, curve(0.7, 0.95)],
      true,
      RULE,
    );
    // At epoch 1: 0.6 (not 0.9, which came later), 0.5, 0.7.
    expect(decision).toEqual({ stop: true, value: 0.4, median: 0.6, peers: 3 });
  });

  it('skips non-finite values (a diverged evaluation) and has a median for even counts', () => {
    expect(median([3, 1, 2, 10])).toBe(2.5);
    expect(medianStopDecision(curve(Number.NaN, 0.1), finished, true, RULE)).toMatchObject({ stop: true, value: 0.1 });
  });
});
