// A run whose workers keep dying: after TUNEQL_RUN_RETRIES lost workers it fails with WORKER_LOST
// (pg-boss's dead-letter queue) and keeps every step recorded so far; resumed, it finishes from its
// last checkpoint with each step recorded once.

import { afterAll, beforeAll, expect, it } from 'vitest';
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
// One retry; claims that live 20 s without a heartbeat (10 by default): on a CI machine running other suites at
// once, a live worker's heartbeat was once late by 10 s, which lost its claim and failed the run a step early.
const LOSS_SETTINGS = { TUNEQL_RUN_RETRIES: '1', TUNEQL_HEARTBEAT_SECONDS: '20' };

beforeAll(async () => {
  ({ url: databaseUrl, drop } = await freshDatabase());
  server = await startServer({ databaseUrl, workers: 0, env: LOSS_SETTINGS });
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await server?.stop();
  await drop?.();
});

async function worker(): Promise<TestWorker> {
  const w = await startWorker({ dataDir: server.dataDir, databaseUrl, env: LOSS_SETTINGS });
  workers.push(w);
  return w;
}

async function progress(runId: string): Promise<{ status: string; attempt: number; step: number; error: { code: string } | null }> {
  const { run } = await gql<{
    run: { status: string; attempt: number; progress: { step: number } | null; error: { code: string } | null };
  }>(server.url, 'query($id: ID!) { run(id: $id) { status attempt progress { step } error { code } } }', { id: runId });
  return { ...run, step: run.progress?.step ?? 0 };
}

async function until(runId: string, done: (p: Awaited<ReturnType<typeof progress>>) => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done(await progress(runId))) {
    if (Date.now() > end) throw new Error(`run ${runId}: timed out at ${JSON.stringify(await progress(runId))}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

it('fails a run with WORKER_LOST after its workers die too often, loses no step, and resumes to the end', async () => {
  const id = await smallLoraRun(server.url, await austenDataset(server.url, 'austen-small', 30), { maxSteps: 40, evalEvery: 4 });

  const a = await worker();
  await until(id, (p) => p.step >= 5);
  a.child.kill('SIGKILL');
  const b = await worker();
  await until(id, (p) => p.attempt === 2 && p.step >= 10);
  b.child.kill('SIGKILL');
  // One retry allowed: the second lost worker sends the job to the dead-letter queue.
  await until(id, (p) => p.status === 'FAILED');
  expect((await progress(id)).error?.code).toBe('WORKER_LOST');

  const steps = async () => {
    const { run } = await gql<{ run: { events: { nodes: RunEventRow[] } } }>(
      server.url,
      'query($id: ID!) { run(id: $id) { events(first: 10000) { nodes { seq type step } } } }',
      { id },
    );
    expect(run.events.nodes.map((e) => e.seq)).toEqual(run.events.nodes.map((_, i) => i + 1));
    return run.events.nodes.filter((e) => e.type === 'STEP').map((e) => e.step);
  };
  const before = await steps();
  expect(before).toEqual([...Array(before.length).keys()].map((i) => i + 1));
  expect(before.length).toBeGreaterThanOrEqual(10);

  await gql(server.url, 'mutation($id: ID!) { resumeRun(input: { id: $id }) { run { id } } }', { id });
  await worker();
  const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 120_000);
  expect(run.status).toBe('SUCCEEDED');
  expect(await steps()).toEqual([...Array(40).keys()].map((i) => i + 1));
}, 300_000);
