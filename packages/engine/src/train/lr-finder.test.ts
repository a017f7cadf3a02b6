// The learning-rate range test on a tiny BERT: the weights come back untouched, the rate it picks lies in
// a sane range, and a run at that rate ends lower than one at a very low rate; the picking rule on known curves.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPretrained } from '../models/pretrained.ts';
import { Rng } from '../runtime/rng.ts';
import type { Example } from './batching.ts';
import { findLearningRate, suggestLearningRate } from './lr-finder.ts';
import { type TrainerConfig, train } from './trainer.ts';

const MODEL = fileURLToPath(new URL('../../fixtures/models/parity/bert-sequence-classification/', import.meta.url));

/** Sequences of 6 to 13 tokens drawn from one of three disjoint ranges of the vocabulary; the label says which. */
function examples(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const which = rng.int(3);
    const ids = [2, ...Array.from({ length: 5 + rng.int(8) }, () => 31 + 11 * which + rng.int(11))];
    return { inputIds: ids, tokenTypeIds: ids.map(() => 0), label: which };
  });
}

const TRAIN = examples(64, 1);
const CONFIG: Partial<TrainerConfig> = { batchSize: 8, threads: 1, maxBuckets: 1, seed: 7 };

describe('the learning-rate range test', () => {
  it('picks a sane rate, leaves the weights as they were, and the rate trains better than a very low one', async () => {
    const model = await loadPretrained(MODEL, { task: 'sequence-classification', seed: 7 });
    const before = new Map(model.params.names.map((n) => [n, model.params.get(n).data.slice()]));
    const found = await findLearningRate({ model, train: TRAIN, config: CONFIG, steps: 60 });
    for (const [name, data] of before) expect(model.params.get(name).data, name).toEqual(data);

    expect(found.rates[0]).toBeCloseTo(1e-7, 12);
    expect(found.rates.length).toBe(found.smoothed.length);
    expect(found.descent).toBe(true);
    expect(found.suggested).toBeGreaterThanOrEqual(1e-4);
    expect(found.suggested).toBeLessThanOrEqual(0.1);

    // The same start, the same batches: only the rate differs.
    const lastLoss = async (learningRate: number) => {
      const fresh = await loadPretrained(MODEL, { task: 'sequence-classification', seed: 7 });
      const losses: number[] = [];
      await train({
        model: fresh,
        data: { train: TRAIN },
        config: { ...CONFIG, epochs: 5, learningRate, warmupRatio: 0.1 },
        onEvent: (e) => {
          if (e.type === 'step') losses.push(e.values.loss as number);
        },
      });
      // The mean of the last epoch's steps (8 a epoch), less noisy than one step.
      return losses.slice(-8).reduce((a, b) => a + b, 0) / 8;
    };
    const atFound = await lastLoss(found.suggested);
    const atLow = await lastLoss(1e-6);
    expect(atFound).toBeLessThan(atLow - 0.1);
  }, 60_000);

  it('takes the steepest descent before the lowest loss', () => {
    const rates = Array.from({ length: 50 }, (_, i) => 1e-6 * 10 ** (i / 10));
    // Flat, a fall steepest at index 20 (1e-4), the lowest at 30 (1e-3), then a rise with a spike at 40
    // whose fall back (41) is steeper than anything before the minimum.
    const curve = rates.map((_, i) => (i <= 30 ? 2 - Math.tanh((i - 20) / 4) : 1 + (i - 30) / 10));
    curve[30] = 0.9;
    curve[40] = 9;
    const picked = suggestLearningRate(rates, curve);
    expect(picked.suggested).toBeCloseTo(rates[20] as number, 12);
    expect(picked.minimumOverTen).toBeCloseTo((rates[30] as number) / 10, 12);
    expect(picked.descent).toBe(true);
    // A loss that only rises after the settling tenth: no descent to read off.
    expect(
      suggestLearningRate(
        rates,
        rates.map((_, i) => 1 + i / 100),
      ).descent,
    ).toBe(false);
  });
});
