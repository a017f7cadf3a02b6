// The fine-tuning loop on a real checkpoint: events, evaluation and the best weights, early
// stopping, a cancelled and resumed run equal to an uninterrupted one, NaN and damaged checkpoints.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DROPOUT_HASH } from '../graph/ops.ts';
import type { Task } from '../models/config.ts';
import { loadPretrained } from '../models/pretrained.ts';
import { Rng } from '../runtime/rng.ts';
import { chooseBuckets, type Example } from './batching.ts';
import { CorruptCheckpointError } from './checkpoint.ts';
import type { TrainEvent } from './events.ts';
import { type TrainerConfig, type TrainOptions, train } from './trainer.ts';

const PARITY = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));

const MARKERS = [10, 20, 30];

/** Token sequences of 6 to 20 tokens with one marker token somewhere; the label says which marker. */
function examples(n: number, seed: number, regression = false): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const length = 6 + rng.int(15);
    const ids = [2, ...Array.from({ length: length - 1 }, () => 31 + rng.int(33))];
    const which = rng.int(3);
    ids[1 + rng.int(length - 1)] = MARKERS[which] as number;
    return { inputIds: ids, tokenTypeIds: ids.map(() => 0), label: regression ? which - 1 : which };
  });
}

const DATA = { train: examples(96, 1), validation: examples(32, 2), test: examples(32, 3) };
const CONFIG: Partial<TrainerConfig> = {
  epochs: 12,
  batchSize: 8,
  learningRate: 1e-2,
  warmupRatio: 0.1,
  threads: 1,
  evalEvery: 10,
  maxBuckets: 2,
};

async function run(
  options: Partial<TrainOptions> & { task?: Task } = {},
): Promise<{ events: TrainEvent[]; result: Awaited<ReturnType<typeof train>> }> {
  const task = options.task ?? 'sequence-classification';
  const model = await loadPretrained(`${PARITY}bert-${task}`, { task });
  // Dropout on, as in a real run.
  Object.assign(model.config.raw as Record<string, unknown>, { hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 });
  const events: TrainEvent[] = [];
  const result = await train({
    model,
    data: DATA,
    config: CONFIG,
    ...options,
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  });
  return { events, result };
}

/** A signal that aborts the run once step `n` is reported, and the event hook that aborts it. */
function cancelAfter(n: number): Pick<TrainOptions, 'signal' | 'onEvent'> {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step' && e.step === n) controller.abort();
    },
  };
}

describe('the training loop', () => {
  it('trains, evaluates, keeps the best weights and reports every event in sequence', async () => {
    const { events, result } = await run();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('started');
    expect(events.at(-1)?.type).toBe('finished');
    const steps = events.filter((e) => e.type === 'step');
    expect(steps).toHaveLength(result.steps);
    expect(result.steps).toBe(events[0]?.values.total_steps);
    const evals = events.filter((e) => e.type === 'eval');
    expect(evals.length).toBeGreaterThanOrEqual(4);
    const accuracies = evals.map((e) => e.values.eval_accuracy as number);
    expect(result.best?.value).toBe(Math.max(...accuracies));
    // The best weights are restored: validation after the run equals the best evaluation.
    expect(result.validation?.accuracy).toBe(result.best?.value);
    expect(result.best?.value).toBeGreaterThan(0.6); // chance is 1/3
    expect(events.find((e) => e.type === 'test')?.values.test_accuracy).toBeGreaterThan(0.5);
    // Warm-up then linear decay.
    const lrs = steps.map((e) => e.values.learning_rate as number);
    expect(lrs[0]).toBe(0);
    expect(Math.max(...lrs)).toBeCloseTo(1e-2, 8);
    expect(lrs.at(-1)).toBeLessThan(lrs[lrs.length / 2] as number);
  }, 120_000);

  it('refuses a metric its evaluation does not report before the first step, naming the valid ones', async () => {
    const events: TrainEvent[] = [];
    await expect(run({ config: { ...CONFIG, metric: 'bogus' }, onEvent: (e) => events.push(e) })).rejects.toThrow(
      "sequence-classification has no metric 'bogus'; its metrics are loss, accuracy,",
    );
    expect(events).toEqual([]);
  });

  it('stops early when the metric stops improving', async () => {
    const { events, result } = await run({ config: { ...CONFIG, learningRate: 0, earlyStopping: { patience: 2 } } });
    expect(result.status).toBe('early_stopped');
    expect(events.filter((e) => e.type === 'eval')).toHaveLength(3);
    expect(events.findIndex((e) => e.type === 'early_stop')).toBe(
      events.findLastIndex((e) => e.type === 'checkpoint' || e.type === 'eval') + 1,
    );
    expect(events.at(-1)?.type).toBe('finished');
  }, 120_000);

  it('resumes a cancelled run to the same losses as an uninterrupted one', async () => {
    const whole = await run();
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-run-'));
    const first = await run({ outDir: dir, ...cancelAfter(17) });
    expect(first.result.status).toBe('cancelled');
    const second = await run({ outDir: dir, resume: true });
    const steps = (events: TrainEvent[]) => events.filter((e) => e.type === 'step').map((e) => [e.step, e.values.loss as number] as const);
    const resumed = [...steps(first.events), ...steps(second.events)];
    const reference = steps(whole.events);
    expect(resumed.map(([s]) => s)).toEqual(reference.map(([s]) => s));
    resumed.forEach(([, loss], i) => {
      expect(Math.abs(loss - (reference[i]?.[1] as number))).toBeLessThan(1e-6);
    });
    expect(second.result.best).toEqual(whole.result.best);
    // Sequence numbers continue across the resume.
    const lastCheckpoint = first.events.filter((e) => e.type === 'checkpoint').at(-1)?.seq as number;
    expect(second.events[0]?.seq).toBe(lastCheckpoint + 1);
  }, 240_000);

  it('stops on a NaN loss with the step, keeping the weights from before it', async () => {
    const data = { train: examples(64, 1, true), validation: examples(16, 2, true) };
    (data.train[5] as { label: number }).label = Number.POSITIVE_INFINITY;
    const { events, result } = await run({ task: 'regression', data, config: { ...CONFIG, epochs: 1 } });
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/^the loss became (NaN|Infinity) at step \d+ \(epoch 1\)/);
    expect(events.at(-1)?.type).toBe('failed');
    expect(result.validation?.mse).toBeUndefined();
  }, 120_000);

  it('detects a damaged checkpoint and resumes from the one before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-run-'));
    const controller = new AbortController();
    await run({
      outDir: dir,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'step' && e.step === 25) controller.abort();
      },
    });
    const root = join(dir, 'checkpoints');
    const kept = readdirSync(root)
      .filter((n) => n.startsWith('step-'))
      .sort();
    expect(kept).toHaveLength(2);
    writeFileSync(join(root, kept[1] as string, 'state.safetensors'), 'garbage');
    // The older one as an engine before dropout hash 2 wrote it: without the field.
    const loop = join(root, kept[0] as string, 'trainer.json');
    const state = JSON.parse(readFileSync(loop, 'utf8'));
    expect(state.dropoutHash).toBe(DROPOUT_HASH);
    delete state.dropoutHash;
    writeFileSync(loop, JSON.stringify(state));
    const { events, result } = await run({ outDir: dir, resume: true });
    // Warnings are events of their own, with a code, not checkpoint events.
    expect(events.slice(0, 2).map((e) => [e.type, e.code])).toEqual([
      ['warning', 'CHECKPOINT_DAMAGED'],
      ['warning', 'DROPOUT_CHANGED'],
    ]);
    expect(events[0]?.message).toMatch(
      /skipped a damaged checkpoint \(.*state\.safetensors: checksum .* does not match.*\); resuming from .*step-/,
    );
    expect(events[1]?.message).toMatch(/drew dropout masks with function 1; this one uses function 2, so from here on dropout/);
    expect(
      events.filter((e) => e.type === 'checkpoint').every((e) => e.code === undefined && !/damaged|dropout/.test(e.message ?? '')),
    ).toBe(true);
    expect(result.status).toBe('finished');
    for (const n of readdirSync(root).filter((n) => n.startsWith('step-'))) writeFileSync(join(root, n, 'trainer.json'), '{');
    await expect(run({ outDir: dir, resume: true })).rejects.toThrow(CorruptCheckpointError);
  }, 240_000);
});

describe('length buckets', () => {
  it('pick lengths that keep padding small', () => {
    expect(chooseBuckets([5, 6, 7, 30, 31, 32, 100], 3, 8)).toEqual([8, 32, 104]);
    expect(chooseBuckets([10, 10, 10], 4, 8)).toEqual([16]);
  });
});

describe('gradual unfreezing', () => {
  it('keeps a layer bit-identical until its epoch, then trains it', async () => {
    const model = await loadPretrained(`${PARITY}bert-sequence-classification`, { task: 'sequence-classification' });
    const lower = (n: string) => n.startsWith('bert.embeddings.') || n.startsWith('bert.encoder.layer.0.');
    const start = new Map(model.params.names.map((n) => [n, model.params.get(n).data.slice()]));
    const snapshots: Map<string, Float32Array>[] = [];
    const all = new Set(model.params.trainableNames);
    const upper = new Set([...all].filter((n) => !lower(n)));
    await train({
      model,
      data: { train: DATA.train }, // no validation: the final weights are kept, not the best ones
      config: { ...CONFIG, epochs: 2, evalEvery: undefined },
      trainableSchedule: (epoch) => (epoch === 0 ? upper : all),
    });
    snapshots.push(new Map(model.params.names.map((n) => [n, model.params.get(n).data])));
    // After epoch 2 everything has trained: the lower layers moved too, but only in the second epoch.
    const after = snapshots[0] as Map<string, Float32Array>;
    const moved = (n: string) => (after.get(n) as Float32Array).some((v, i) => v !== (start.get(n) as Float32Array)[i]);
    expect(moved('bert.encoder.layer.0.attention.self.query.weight')).toBe(true);
    expect(moved('classifier.weight')).toBe(true);

    // One epoch with the lower layers off: they are bit-identical afterwards.
    const again = await loadPretrained(`${PARITY}bert-sequence-classification`, { task: 'sequence-classification' });
    await train({
      model: again,
      data: { train: DATA.train },
      config: { ...CONFIG, epochs: 1, evalEvery: undefined },
      trainableSchedule: () => upper,
    });
    for (const n of again.params.names) {
      const same = again.params.get(n).data.every((v, i) => v === (start.get(n) as Float32Array)[i]);
      expect(same, n).toBe(lower(n));
    }
  }, 120_000);

  it("resumes with each parameter's own AdamW step count, to the uninterrupted run's losses", async () => {
    const lower = (n: string) => n.startsWith('bert.embeddings.') || n.startsWith('bert.encoder.layer.0.');
    const go = async (options: Partial<TrainOptions>) => {
      const model = await loadPretrained(`${PARITY}bert-sequence-classification`, { task: 'sequence-classification' });
      const all = new Set(model.params.trainableNames);
      const upper = new Set([...all].filter((n) => !lower(n)));
      const losses: number[] = [];
      const result = await train({
        model,
        data: { train: DATA.train },
        config: { ...CONFIG, epochs: 2, evalEvery: undefined },
        trainableSchedule: (epoch) => (epoch === 0 ? upper : all),
        ...options,
        onEvent: (e) => {
          if (e.type === 'step') losses.push(e.values.loss as number);
          options.onEvent?.(e);
        },
      });
      return { losses, result };
    };
    const whole = await go({});
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-gradual-'));
    // Cancelled 5 steps after the lower layers switched on (12 batches per epoch): they have taken 5 steps, the others 17.
    const first = await go({ outDir: dir, ...cancelAfter(17) });
    expect(first.result.status).toBe('cancelled');
    const latest = readdirSync(join(dir, 'checkpoints'))
      .filter((n) => n.startsWith('step-'))
      .sort()
      .at(-1) as string;
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints', latest, 'trainer.json'), 'utf8'));
    expect(state.paramSteps['bert.encoder.layer.0.output.dense.weight']).toBe(5);
    expect(state.paramSteps['classifier.weight']).toBe(17);
    const second = await go({ outDir: dir, resume: true });
    const resumed = [...first.losses, ...second.losses];
    expect(resumed.length).toBe(whole.losses.length);
    resumed.forEach((loss, i) => {
      expect(Math.abs(loss - (whole.losses[i] as number)), `step ${i + 1}`).toBeLessThan(1e-6);
    });
  }, 120_000);
});
