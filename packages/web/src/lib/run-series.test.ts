import { describe, expect, it } from 'vitest';
import { describeEvent, higherIsBetter, type RunEventLike, RunSeries } from './run-series.ts';

/** A run's events as the server numbers them: started, a step event per step, an evaluation every `evalEvery` steps. */
function events(steps: number, evalEvery = 0, accuracies: readonly number[] = []): RunEventLike[] {
  const out: RunEventLike[] = [];
  const push = (e: Omit<RunEventLike, 'seq'>) => out.push({ seq: out.length + 1, ...e });
  push({ type: 'STARTED', step: 0, epoch: 0, values: { total_steps: steps, trainable_parameters: 10, parameters: 100 } });
  let evals = 0;
  for (let step = 1; step <= steps; step++) {
    push({
      type: 'STEP',
      step,
      epoch: step / 100,
      values: { loss: 1 / step, learning_rate: 2e-5, grad_norm: 0.5, tokens_per_s: 1000 + step },
    });
    if (evalEvery && step % evalEvery === 0) {
      const accuracy = accuracies[evals++] ?? 0.5;
      push({ type: 'EVAL', step, epoch: step / 100, values: { eval_accuracy: accuracy, eval_loss: 1 - accuracy } });
    }
  }
  push({ type: 'FINISHED', step: steps, values: {} });
  return out;
}

function snapshot(s: RunSeries) {
  return Object.fromEntries(s.names().map((n) => [n, s.series(n)]));
}

describe('RunSeries', () => {
  it('names: the step metrics in their usual order, then eval_*', () => {
    const s = new RunSeries();
    s.addAll(events(20, 10));
    expect(s.names()).toEqual(['loss', 'learning_rate', 'grad_norm', 'tokens_per_s', 'eval_accuracy', 'eval_loss']);
    expect(s.series('loss').x).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(s.series('eval_accuracy')).toEqual({ name: 'eval_accuracy', x: [10, 20], y: [0.5, 0.5] });
    expect(s.series('nothing')).toEqual({ name: 'nothing', x: [], y: [] });
    expect(s.lastSeq).toBe(24); // started, 20 steps, 2 evaluations, finished
    expect(s.gaps).toBe(0);
  });

  it('ignores replays: the same events twice, and overlapping batches after a reconnect', () => {
    const all = events(300, 50);
    const once = new RunSeries();
    expect(once.addAll(all)).toBe(all.length);

    const twice = new RunSeries();
    twice.addAll(all);
    expect(twice.addAll(all)).toBe(0);
    for (const e of all) expect(twice.add(e)).toBe(false);

    // History up to seq 120, then the subscription replays from an older seq (40) and keeps going, in batches.
    const reconnected = new RunSeries();
    let applied = reconnected.addAll(all.slice(0, 120));
    for (let from = 39; from < all.length; from += 37) applied += reconnected.addAll(all.slice(from, from + 60));
    expect(applied).toBe(all.length);

    // Out of order within a batch still applies each event once, in seq order.
    const shuffled = new RunSeries();
    shuffled.addAll([...all].reverse());

    for (const s of [twice, reconnected, shuffled]) {
      expect(snapshot(s)).toEqual(snapshot(once));
      expect(s.log()).toEqual(once.log());
      expect(s.lastSeq).toBe(all.length);
      expect(s.gaps).toBe(0);
    }
    const loss = once.series('loss');
    expect(new Set(loss.x).size).toBe(loss.x.length);
    expect(loss.x.length).toBe(300);
  });

  it('counts a gap and goes on', () => {
    const all = events(10);
    const s = new RunSeries();
    s.addAll(all.slice(0, 4));
    s.addAll(all.slice(6)); // seqs 5 and 6 never arrived
    expect(s.gaps).toBe(1);
    expect(s.lastSeq).toBe(all.length);
    expect(s.series('loss').x).toEqual([1, 2, 3, 6, 7, 8, 9, 10]);
    expect(s.add(all[4] as RunEventLike)).toBe(false); // too late: older than what was applied
    expect(new RunSeries(3).add(all[3] as RunEventLike)).toBe(true); // resuming after seq 3 is no gap
  });

  it('a resumed run that replays steps after its checkpoint replaces those points', () => {
    const s = new RunSeries();
    let seq = 0;
    const step = (n: number, loss: number): RunEventLike => ({ seq: ++seq, type: 'STEP', step: n, values: { loss } });
    s.addAll([step(1, 1), step(2, 0.9), step(3, 0.8), step(4, 0.7)]);
    s.addAll([{ seq: ++seq, type: 'STARTED', step: 2, values: {} }, step(3, 0.85), step(4, 0.75), step(5, 0.6)]);
    expect(s.series('loss')).toEqual({ name: 'loss', x: [1, 2, 3, 4, 5], y: [1, 0.9, 0.85, 0.75, 0.6] });
  });

  it('skips values that are not finite numbers', () => {
    const s = new RunSeries();
    s.add({ seq: 1, type: 'STEP', step: 1, values: { loss: 0.5, grad_norm: Number.NaN, other: null as unknown as number } });
    expect(s.names()).toEqual(['loss']);
  });

  it('early stopping, counted as the trainer counts it', () => {
    const s = new RunSeries();
    s.addAll(events(60, 10, [0.6, 0.7, 0.65, 0.7, 0.69, 0.72]));
    expect(s.earlyStopping(3, 'accuracy', true)).toEqual({ best: 0.72, bestStep: 60, evaluationsSinceBest: 0, patienceLeft: 3 });

    const t = new RunSeries();
    t.addAll(events(50, 10, [0.6, 0.7, 0.65, 0.7, 0.69]));
    expect(t.earlyStopping(3, 'eval_accuracy', true)).toEqual({ best: 0.7, bestStep: 20, evaluationsSinceBest: 3, patienceLeft: 0 });
    expect(t.earlyStopping(undefined, 'accuracy', true).patienceLeft).toBeNull();
    // eval_loss = 1 - accuracy: lowest at step 20 as well.
    expect(t.earlyStopping(5, 'loss', higherIsBetter('loss'))).toMatchObject({ bestStep: 20, patienceLeft: 2 });
    expect(t.earlyStopping(5, 'accuracy', true, 0.15)).toMatchObject({ best: 0.6, bestStep: 10, evaluationsSinceBest: 4 });
    expect(new RunSeries().earlyStopping(2, 'accuracy', true)).toEqual({
      best: null,
      bestStep: null,
      evaluationsSinceBest: 0,
      patienceLeft: 2,
    });
  });

  it('higherIsBetter', () => {
    expect(['loss', 'eval_loss', 'mse', 'eval_mae', 'perplexity', 'test_rmse', 'start_loss'].map(higherIsBetter)).toEqual(
      Array(7).fill(false),
    );
    expect(['accuracy', 'eval_f1', 'entity_f1', 'pearson', 'eval_matthews'].map(higherIsBetter)).toEqual(Array(5).fill(true));
  });

  it('one log line per event', () => {
    const s = new RunSeries();
    s.addAll(events(2, 2, [0.75]));
    s.add({ seq: 6, type: 'CHECKPOINT', step: 2, values: {}, message: '/runs/1/checkpoints/step-2' });
    s.add({ seq: 7, type: 'EARLY_STOP', step: 2, values: { accuracy: 0.75 }, message: 'accuracy did not improve for 3 evaluations' });
    expect(s.log()).toEqual([
      { seq: 1, text: 'started: 2 steps, 10 of 100 parameters trainable' },
      { seq: 2, text: 'step 1 (epoch 0.01): loss 1, learning_rate 2.00e-5, grad_norm 0.5, tokens_per_s 1001' },
      { seq: 3, text: 'step 2 (epoch 0.02): loss 0.5, learning_rate 2.00e-5, grad_norm 0.5, tokens_per_s 1002' },
      { seq: 4, text: 'evaluation at step 2: eval_accuracy 0.75, eval_loss 0.25' },
      { seq: 5, text: 'finished at step 2' },
      { seq: 6, text: 'checkpoint at step 2: /runs/1/checkpoints/step-2' },
      { seq: 7, text: 'early stop at step 2: accuracy did not improve for 3 evaluations (accuracy 0.75)' },
    ]);
    expect(describeEvent({ seq: 1, type: 'TEST', step: 9, values: { test_accuracy: 0.8125 } })).toBe('test: test_accuracy 0.8125');
  });

  it("lists the trainer's warnings with their codes, once each, and logs them", () => {
    const s = new RunSeries();
    const warning: RunEventLike = {
      seq: 1,
      type: 'WARNING',
      step: 20,
      values: {},
      code: 'CHECKPOINT_DAMAGED',
      message: 'skipped a damaged checkpoint (step-25); resuming from step-20',
    };
    s.addAll([warning, { ...warning, seq: 2, code: 'DROPOUT_CHANGED', message: 'dropout differs' }, warning]);
    expect(s.warnings()).toEqual([
      { seq: 1, step: 20, code: 'CHECKPOINT_DAMAGED', message: 'skipped a damaged checkpoint (step-25); resuming from step-20' },
      { seq: 2, step: 20, code: 'DROPOUT_CHANGED', message: 'dropout differs' },
    ]);
    expect(describeEvent(warning)).toBe(
      'warning CHECKPOINT_DAMAGED at step 20: skipped a damaged checkpoint (step-25); resuming from step-20',
    );
    expect(s.names()).toEqual([]);
  });

  it('applies 10,000 step events quickly', () => {
    const all = events(10_000, 500);
    const s = new RunSeries();
    const t0 = performance.now();
    const applied = s.addAll(all);
    const addMs = performance.now() - t0;
    const t1 = performance.now();
    const series = s.names().map((n) => s.series(n));
    const lines = s.log();
    const readMs = performance.now() - t1;
    console.log(
      `RunSeries: ${applied} events applied in ${addMs.toFixed(1)} ms; ${series.length} series + ${lines.length} log lines read in ${readMs.toFixed(1)} ms`,
    );
    expect(applied).toBe(all.length);
    expect(s.series('loss').x.length).toBe(10_000);
    expect(addMs).toBeLessThan(2000); // a sanity bound, not a benchmark
  });

  it('holds the parameter counts of the latest started event', () => {
    const s = new RunSeries();
    expect(s.parameterCounts()).toEqual({ trainable: undefined, total: undefined });
    s.add({ seq: 1, type: 'STARTED', step: 0, values: { total_steps: 12, trainable_parameters: 16_390, parameters: 4_402_438 } });
    s.add({ seq: 2, type: 'STEP', step: 1, values: { loss: 1.8 } });
    expect(s.parameterCounts()).toEqual({ trainable: 16_390, total: 4_402_438 });
    // A resumed attempt starts again with its own figures.
    s.add({ seq: 3, type: 'STARTED', step: 1, values: { trainable_parameters: 20_000, parameters: 4_402_438 } });
    expect(s.parameterCounts().trainable).toBe(20_000);
  });
});
