// evaluateModel scores a model exactly as a run's evaluation does: after a run, it gives the run's own
// validation figures for the weights the run kept.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPretrained } from '../models/pretrained.ts';
import { Rng } from '../runtime/rng.ts';
import type { Example } from './batching.ts';
import { metricsFor } from './task-metrics.ts';
import { evaluateModel, train } from './trainer.ts';

const PARITY = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));

/** Sequences of 6 to 20 tokens, each tagged word by word: a marker token is B-X, the one after it I-X. */
function tagged(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const length = 6 + rng.int(15);
    const ids = Array.from({ length }, () => 31 + rng.int(33));
    const at = rng.int(length - 1);
    ids[at] = 10;
    return { inputIds: ids, tokenTypeIds: ids.map(() => 0), label: ids.map((_, t) => (t === at ? 1 : t === at + 1 ? 2 : 0)) };
  });
}

describe('evaluateModel', () => {
  it("equals the run's final validation figures, each entity type's F1 among them", async () => {
    const task = 'token-classification';
    // The checkpoint's head has five labels; the data uses the first three.
    const labels = ['O', 'B-X', 'I-X', 'B-Y', 'I-Y'];
    const model = await loadPretrained(`${PARITY}bert-${task}`, { task });
    const validation = tagged(24, 2);
    const options = { model, examples: validation, batchSize: 8, maxBuckets: 2, threads: 1, labels };
    const before = await evaluateModel(options);
    // Seqeval's per-type report covers predicted types too: the untrained head also finds Y entities.
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining(['loss', 'entity_precision', 'entity_recall', 'entity_f1', 'token_accuracy', 'entity_f1_X', 'entity_f1_Y']),
    );
    const result = await train({
      model,
      data: { train: tagged(64, 1), validation },
      metrics: metricsFor(task, { labels }),
      config: { epochs: 6, batchSize: 8, learningRate: 1e-2, threads: 1, maxBuckets: 2 },
    });
    const after = await evaluateModel(options);
    expect(after).toEqual(result.validation);
    expect(after.loss).toBeLessThan(before.loss as number);
    expect(after.entity_f1_X).toBeTypeOf('number');
  }, 60_000);
});
