// The worker's meters: step and token rates from the trainer's step events (evaluations left out),
// summed over a worker's runs, and its progress lines with the run's fields.

import type { TrainEvent } from '@tuneql/engine';
import { expect, it } from 'vitest';
import { createLogger } from '../ops/logger.ts';
import { Metrics } from '../ops/metrics.ts';
import { StepRate, WorkerMonitor } from './run-monitor.ts';

const T0 = Date.parse('2026-12-02T10:00:00Z');

function event(type: TrainEvent['type'], step: number, ms: number, values: Record<string, number> = {}): TrainEvent {
  return { seq: 0, type, step, epoch: step / 10, time: new Date(T0 + ms).toISOString(), values };
}

it('measures steps/s between consecutive steps and leaves evaluation time out', () => {
  const rate = new StepRate();
  rate.observe(event('step', 1, 0, { tokens_per_s: 1000 }));
  expect(rate.stepsPerSecond).toBe(0);
  rate.observe(event('step', 2, 250, { tokens_per_s: 3000 }));
  rate.observe(event('step', 3, 500, { tokens_per_s: 2000 }));
  expect(rate.stepsPerSecond).toBeCloseTo(4, 10);
  expect(rate.tokensPerSecond).toBeCloseTo(2000, 10);
  // A 10-second evaluation between steps 3 and 4 is not a slow step.
  rate.observe(event('eval', 3, 600));
  rate.observe(event('step', 4, 10_500, { tokens_per_s: 2000 }));
  expect(rate.stepsPerSecond).toBeCloseTo(4, 10);
  rate.observe(event('step', 5, 11_500, { tokens_per_s: 2000 }));
  expect(rate.stepsPerSecond).toBeCloseTo(3 / 1.5, 10);
});

it('keeps only the recent steps in the window', () => {
  const rate = new StepRate();
  let ms = 0;
  for (let step = 1; step <= 30; step++) {
    ms += step <= 10 ? 1000 : 100; // ten slow steps, then twenty fast ones
    rate.observe(event('step', step, ms));
  }
  expect(rate.stepsPerSecond).toBeCloseTo(10, 10);
});

it("sums a worker's runs into its gauges, counts steps, and logs progress with the run's fields", async () => {
  const metrics = new Metrics();
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ pretty: false, destination: { write: (s: string) => lines.push(JSON.parse(s)) } }).child({ workerId: 'w1' });
  const monitor = new WorkerMonitor(metrics, 'w1');
  const a = monitor.watch({ runId: 'ra', attempt: 1, log: log.child({ runId: 'ra', attempt: 1 }), progressEveryMs: 60_000 });
  const b = monitor.watch({ runId: 'rb', attempt: 2, log: log.child({ runId: 'rb', attempt: 2 }), progressEveryMs: 60_000 });
  a.onEvent(event('started', 0, 0, { total_steps: 10 }));
  for (const [step, ms] of [
    [1, 0],
    [2, 500],
    [3, 1000],
  ] as const)
    a.onEvent(event('step', step, ms, { loss: 2.5, tokens_per_s: 100 }));
  for (const [step, ms] of [
    [7, 0],
    [8, 250],
  ] as const)
    b.onEvent(event('step', step, ms, { loss: 1.25, tokens_per_s: 50 }));
  const gauge = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values;
  expect(await gauge('tuneql_worker_steps_per_second')).toMatchObject([{ labels: { worker: 'w1' }, value: 2 + 4 }]);
  expect(await gauge('tuneql_worker_tokens_per_second')).toMatchObject([{ labels: { worker: 'w1' }, value: 150 }]);
  expect(await gauge('tuneql_worker_active_runs')).toMatchObject([{ labels: { worker: 'w1' }, value: 2 }]);
  expect(await gauge('tuneql_worker_steps_total')).toMatchObject([{ labels: { worker: 'w1' }, value: 5 }]);

  a.stop();
  expect(await gauge('tuneql_worker_steps_per_second')).toMatchObject([{ value: 4 }]);
  expect(await gauge('tuneql_worker_active_runs')).toMatchObject([{ value: 1 }]);
  b.stop();
  expect(await gauge('tuneql_worker_steps_per_second')).toMatchObject([{ value: 0 }]);
  expect(await gauge('tuneql_worker_tokens_per_second')).toMatchObject([{ value: 0 }]);

  expect(lines).toMatchObject([
    { workerId: 'w1', runId: 'ra', attempt: 1, totalSteps: 10, msg: 'training 10 steps' },
    {
      workerId: 'w1',
      runId: 'ra',
      step: 3,
      totalSteps: 10,
      loss: 2.5,
      stepsPerSecond: 2,
      tokensPerSecond: 100,
      msg: 'step 3/10, loss 2.500, 2 steps/s, 100 tokens/s',
    },
    { workerId: 'w1', runId: 'rb', attempt: 2, step: 8, stepsPerSecond: 4, msg: 'step 8/0, loss 1.250, 4 steps/s, 50 tokens/s' },
  ]);
});

it('counts each new heartbeat the queue recorded once, with its time', async () => {
  const metrics = new Metrics();
  const log = createLogger({ pretty: false, destination: { write: () => undefined } });
  let beat = new Date('2026-12-02T10:00:00Z');
  let reads = 0;
  const read = async () => {
    reads++;
    return beat;
  };
  const watch = new WorkerMonitor(metrics, 'w2').watch({ runId: 'r', attempt: 1, log, heartbeat: { read, everyMs: 10 } });
  const readsPast = async (n: number) => {
    while (reads < n) await new Promise((r) => setTimeout(r, 5));
  };
  await readsPast(4); // the same heartbeat read four times counts once
  beat = new Date('2026-12-02T10:00:05Z');
  await readsPast(reads + 3);
  watch.stop();
  const values = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values;
  expect(await values('tuneql_worker_heartbeats_total')).toMatchObject([{ labels: { worker: 'w2' }, value: 2 }]);
  expect(await values('tuneql_worker_last_heartbeat_timestamp_seconds')).toMatchObject([{ value: beat.getTime() / 1000 }]);
});

it('logs where a resumed run starts, its checkpoints, and why training stopped', () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ pretty: false, destination: { write: (s: string) => lines.push(JSON.parse(s)) } });
  const watch = new WorkerMonitor(new Metrics(), 'w3').watch({ runId: 'r', attempt: 2, log, progressEveryMs: 60_000 });
  watch.onEvent({ ...event('warning', 12, 0), code: 'DROPOUT_CHANGED', message: 'dropout differs from here on' });
  watch.onEvent(event('started', 12, 0, { total_steps: 40 }));
  watch.onEvent({ ...event('checkpoint', 16, 100), message: '/data/runs/r/attempt-2/checkpoints/step-16' });
  watch.onEvent({ ...event('failed', 17, 200), message: 'the loss became NaN at step 17 (epoch 2)' });
  watch.stop();
  expect(lines.map((l) => [l.level, l.msg])).toEqual([
    ['warn', 'warning DROPOUT_CHANGED at step 12: dropout differs from here on'],
    ['info', 'resumed at step 12 of 40'],
    ['info', 'checkpoint at step 16: /data/runs/r/attempt-2/checkpoints/step-16'],
    ['warn', 'training failed at step 17: the loss became NaN at step 17 (epoch 2)'],
  ]);
});
