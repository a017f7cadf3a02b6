// Early stopping's rules with scripted metric values: a gain of at most min_delta (a tie included) is no
// improvement, small gains count once they add up to more than min_delta, the best weights follow any gain,
// and stopping can watch the validation loss instead of the metric.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPretrained } from '../models/pretrained.ts';
import type { Example } from './batching.ts';
import type { TrainEvent } from './events.ts';
import { type TrainerConfig, type TrainResult, train } from './trainer.ts';

const MODEL = fileURLToPath(new URL('../../fixtures/models/parity/bert-sequence-classification/', import.meta.url));

const example = (i: number): Example => {
  const ids = [2, 31 + (i % 30), 40, 41];
  return { inputIds: ids, tokenTypeIds: ids.map(() => 0), label: i % 3 };
};
const DATA = { train: Array.from({ length: 16 }, (_, i) => example(i)), validation: Array.from({ length: 8 }, (_, i) => example(i + 3)) };

/**
 * Trains 8 epochs of 2 steps with one evaluation per epoch, whose accuracy is scripted; with learning rate 0
 * the validation loss stays exactly the same throughout.
 */
async function run(
  accuracies: number[],
  config: Partial<TrainerConfig>,
): Promise<{ result: TrainResult; evals: TrainEvent[]; stop?: TrainEvent }> {
  const model = await loadPretrained(MODEL, { task: 'sequence-classification', seed: 3 });
  let call = 0;
  const events: TrainEvent[] = [];
  const result = await train({
    model,
    data: DATA,
    config: { epochs: 8, batchSize: 8, threads: 1, maxBuckets: 1, learningRate: 0, ...config },
    metrics: () => ({ accuracy: accuracies[Math.min(call++, accuracies.length - 1)] as number }),
    onEvent: (e) => events.push(e),
  });
  return { result, evals: events.filter((e) => e.type === 'eval'), stop: events.find((e) => e.type === 'early_stop') };
}

describe('early stopping', () => {
  it('counts a tie as no improvement, and the first best stays the best', async () => {
    const { result, evals, stop } = await run([0.5], { earlyStopping: { patience: 2 } });
    expect(result.status).toBe('early_stopped');
    expect(evals).toHaveLength(3);
    expect(result.best).toEqual({ metric: 'accuracy', value: 0.5, step: 2 });
    expect(stop?.message).toBe('accuracy did not improve by more than 0 for 2 evaluations');
  }, 30_000);

  it('counts a gain of at most min_delta as none, until gains add up to more; the best weights follow any gain', async () => {
    // Gains over the reference 0.5: 0.006 (no), 0.012 (yes: the reference becomes 0.512), then 0 and 0.003 (no, no).
    const { result, evals } = await run([0.5, 0.506, 0.512, 0.512, 0.515, 0.6], { earlyStopping: { patience: 2, minDelta: 0.01 } });
    expect(result.status).toBe('early_stopped');
    expect(evals).toHaveLength(5);
    expect(result.best).toEqual({ metric: 'accuracy', value: 0.515, step: 10 });
    // Without min_delta each gain counts: the run stops only once 0.6 has stood for two more evaluations (the 8th).
    const plain = await run([0.5, 0.506, 0.512, 0.512, 0.515, 0.6], { earlyStopping: { patience: 2 } });
    expect(plain.evals).toHaveLength(8);
    expect(plain.result.best).toEqual({ metric: 'accuracy', value: 0.6, step: 12 });
  }, 30_000);

  it('watches the validation loss instead of the metric when asked', async () => {
    const rising = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
    const onLoss = await run(rising, { earlyStopping: { patience: 2, monitor: 'loss' } });
    expect(onLoss.result.status).toBe('early_stopped');
    expect(onLoss.evals).toHaveLength(3);
    const loss = onLoss.evals[0]?.values.eval_loss as number;
    expect(onLoss.evals.map((e) => e.values.eval_loss)).toEqual([loss, loss, loss]);
    expect(onLoss.stop?.message).toBe('loss did not improve by more than 0 for 2 evaluations');
    expect(onLoss.stop?.values).toEqual({ accuracy: 0.3, best_step: 6, loss });
    // The metric keeps rising: watching it, the run goes all 8 epochs.
    const onMetric = await run(rising, { earlyStopping: { patience: 2 } });
    expect(onMetric.result.status).toBe('finished');
    expect(onMetric.evals).toHaveLength(8);
  }, 30_000);
});
