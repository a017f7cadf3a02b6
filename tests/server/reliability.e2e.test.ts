// Workers that die, stall, drain or get cancelled, on PostgreSQL with real worker processes: a run
// killed mid-way resumes on another worker from its last checkpoint with every step recorded once; a
// worker whose claim lapsed cannot write to the newer attempt; SIGTERM checkpoints and hands the run
// back; cancelling a queued run means it never starts, and a running one stops within a step.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  austenDataset,
  freshDatabase,
  gql,
  type RunEventRow,
  smallLoraRun,
  startServer,
  startWorker,
  type TestServer,
  type TestWorker,
  waitForStatus,
} from './harness.ts';

let server: TestServer;
let databaseUrl: string;
let drop: () => Promise<void>;
const workers: TestWorker[] = [];
let datasetId: string;

async function worker(): Promise<TestWorker> {
  const w = await startWorker({ dataDir: server.dataDir, databaseUrl });
  workers.push(w);
  return w;
}

function createRun(maxSteps: number, evalEvery = 4): Promise<string> {
  return smallLoraRun(server.url, datasetId, { maxSteps, evalEvery });
}

async function events(runId: string): Promise<RunEventRow[]> {
  const { run } = await gql<{ run: { events: { nodes: RunEventRow[] } } }>(
    server.url,
    'query($id: ID!) { run(id: $id) { events(first: 10000) { nodes { seq type step values } } } }',
    {
      id: runId,
    },
  );
  return run.events.nodes;
}

async function waitForStep(runId: string, step: number, timeoutMs = 120_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const run = await waitForStatus(server.url, runId, ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
    const at = (run.progress as { step: number } | null)?.step ?? 0;
    if (at >= step) return at;
    if (Date.now() > end) throw new Error(`run ${runId} did not reach step ${step} (at ${at})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every step 1..n recorded exactly once, and seq 1, 2, 3... with no gap. */
function expectExactlyOnce(list: RunEventRow[], steps: number): void {
  expect(list.map((e) => e.seq)).toEqual(list.map((_, i) => i + 1));
  expect(list.filter((e) => e.type === 'STEP').map((e) => e.step)).toEqual([...Array(steps).keys()].map((i) => i + 1));
}

beforeAll(async () => {
  ({ url: databaseUrl, drop } = await freshDatabase());
  server = await startServer({ databaseUrl, workers: 0 });
  datasetId = await austenDataset(server.url, 'austen-small', 30);
}, 120_000);

afterEach(async () => {
  // A failed case must not leave workers that take the next case's runs.
  for (const w of workers.splice(0)) await w.stop('SIGKILL');
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await server?.stop();
  await drop?.();
});

describe('cancellation', () => {
  it('a run cancelled while queued never starts', async () => {
    const id = await createRun(8);
    const { cancelRun } = await gql<{ cancelRun: { run: { status: string } } }>(
      server.url,
      'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { status } } }',
      {
        id,
      },
    );
    expect(cancelRun.run.status).toBe('CANCELLED');
    const w = await worker();
    await new Promise((r) => setTimeout(r, 4_000));
    const run = await waitForStatus(server.url, id, ['CANCELLED']);
    expect(run.attempt).toBe(0);
    expect(await events(id)).toEqual([]);
    await w.stop();
  }, 60_000);

  it('a running run stops within one step of the request, with a checkpoint, and resumes to the end', async () => {
    const w = await worker();
    const id = await createRun(40, 100);
    await waitForStep(id, 5);
    // The step recorded when the request was committed (read just after it, so perhaps one later).
    const { cancelRun } = await gql<{ cancelRun: { run: { progress: { step: number } } } }>(
      server.url,
      'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { progress { step } } } }',
      { id },
    );
    const at = cancelRun.run.progress.step;
    await waitForStatus(server.url, id, ['CANCELLED'], 60_000);
    const list = await events(id);
    const lastStep = Math.max(...list.filter((e) => e.type === 'STEP').map((e) => e.step));
    // The step in progress completes; the worker hears of the request (NOTIFY, then a read of the run)
    // within milliseconds and the trainer stops at the next step boundary, which is one more step only
    // when a step is shorter than that round trip (this test's tiny model takes tens of milliseconds).
    expect(lastStep - at).toBeLessThanOrEqual(2);
    expect(list.at(-1)?.type).toBe('CANCELLED');
    await gql(server.url, 'mutation($id: ID!) { resumeRun(input: { id: $id }) { run { id } } }', { id });
    await waitForStatus(server.url, id, ['SUCCEEDED'], 120_000);
    expectExactlyOnce(await events(id), 40);
    await w.stop();
  }, 180_000);
});

describe('workers that die or stop', () => {
  it('SIGKILL: another worker resumes from the last checkpoint after the heartbeat lapses; each step once', async () => {
    const a = await worker();
    const id = await createRun(24);
    await waitForStep(id, 10);
    a.child.kill('SIGKILL');
    await a.exited;
    const b = await worker();
    const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 150_000);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.attempt).toBe(2);
    const list = await events(id);
    expectExactlyOnce(list, 24);
    expect(list.filter((e) => e.type === 'STARTED')).toHaveLength(2);
    expect(b.output()).toMatch(/resuming from its checkpoint/);
    await b.stop();
  }, 240_000);

  it('a worker whose claim lapsed (stopped with SIGSTOP) cannot write to the newer attempt', async () => {
    const a = await worker();
    const id = await createRun(30);
    await waitForStep(id, 6);
    a.child.kill('SIGSTOP');
    const b = await worker();
    await waitForStatus(server.url, id, ['RUNNING'], 60_000);
    // B holds attempt 2 once it has written its first event.
    const deadline = Date.now() + 90_000;
    while ((await waitForStatus(server.url, id, ['RUNNING', 'SUCCEEDED'])).attempt !== 2) {
      if (Date.now() > deadline) throw new Error('no second attempt');
      await new Promise((r) => setTimeout(r, 200));
    }
    a.child.kill('SIGCONT');
    const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 150_000);
    expect(run.status).toBe('SUCCEEDED');
    expectExactlyOnce(await events(id), 30);
    // A found out and stopped writing (its heartbeat or its next event told it).
    const end = Date.now() + 20_000;
    while (!/no longer holds the run|claim/i.test(a.output()) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect(a.output()).toMatch(/no longer holds the run|claim/i);
    await a.stop('SIGKILL');
    await b.stop();
  }, 300_000);

  it('SIGTERM drains: the worker checkpoints, hands the run back, and another finishes it at once', async () => {
    const a = await worker();
    const id = await createRun(48, 100);
    await waitForStatus(server.url, id, ['RUNNING']);
    const b = await worker();
    await waitForStep(id, 6);
    const t0 = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 120_000);
    expect(run.status).toBe('SUCCEEDED');
    // Handed over without waiting for a heartbeat to lapse (10 s).
    expect(b.output()).toMatch(/resuming from its checkpoint/);
    expect(Date.now() - t0).toBeLessThan(120_000);
    expectExactlyOnce(await events(id), 48);
    await b.stop();
  }, 240_000);
});
