// Storage that goes away under a training worker (s3rver stopped and started again on its port): a
// brief outage during a checkpoint write is retried and the run succeeds; a long one fails the run
// with STORAGE_UNAVAILABLE, leaves the last published checkpoint intact, and resumeRun finishes the
// run from it once storage is back, with every step recorded once.

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fetchTree, listTrees } from '../../packages/server/src/storage/published-tree.ts';
import { S3Storage } from '../../packages/server/src/storage/s3-storage.ts';
import { startTestS3Server, type TestS3Server } from '../../packages/server/src/storage/test-s3-server.ts';
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
  tempDir,
  waitForStatus,
} from './harness.ts';

let s3: TestS3Server;
let server: TestServer;
let worker: TestWorker;
let databaseUrl: string;
let drop: () => Promise<void>;
let datasetId: string;
let storage: S3Storage;
const PREFIX = 'faults';

beforeAll(async () => {
  s3 = await startTestS3Server();
  ({ url: databaseUrl, drop } = await freshDatabase());
  server = await startServer({ databaseUrl, workers: 0, env: s3.env(PREFIX) });
  const dataDir = tempDir('fault-worker');
  worker = await startWorker({ dataDir, databaseUrl, env: { ...s3.env(PREFIX), TUNEQL_CACHE: join(dataDir, 'cache') } });
  datasetId = await austenDataset(server.url, 'austen-faults', 30);
  storage = new S3Storage({
    url: `s3://${s3.bucket}/${PREFIX}`,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}, 120_000);

afterAll(async () => {
  await worker?.stop('SIGKILL');
  await server?.stop();
  await drop?.();
  storage?.close();
  await s3?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`${what}: timed out\n${worker.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function firstCheckpoint(runId: string, attempt: number): Promise<string> {
  return until(
    `a checkpoint of attempt ${attempt}`,
    async () => (await listTrees(storage, `runs/${runId}/attempts/${attempt}/checkpoints`))[0],
  );
}

async function steps(runId: string): Promise<number[]> {
  const { run } = await gql<{ run: { events: { nodes: RunEventRow[] } } }>(
    server.url,
    'query($id: ID!) { run(id: $id) { events(first: 10000) { nodes { seq type step } } } }',
    { id: runId },
  );
  expect(run.events.nodes.map((e) => e.seq)).toEqual(run.events.nodes.map((_, i) => i + 1));
  return run.events.nodes.filter((e) => e.type === 'STEP').map((e) => e.step);
}

it('retries a checkpoint write while storage is briefly down, and the run succeeds', async () => {
  const id = await smallLoraRun(server.url, datasetId, { maxSteps: 16, evalEvery: 4 });
  await firstCheckpoint(id, 1);
  const seen = worker.output().length;
  await s3.pause();
  // Down until the worker has had to retry a write (the next checkpoint), then back.
  await until('a retried storage write', () => /storage: writing .* try 2 of/.test(worker.output().slice(seen)));
  await s3.resume();
  const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 120_000);
  expect(run.status, worker.output().slice(-3000)).toBe('SUCCEEDED');
  expect(run.attempt).toBe(1);
  expect(await steps(id)).toEqual([...Array(16).keys()].map((i) => i + 1));
  expect((await listTrees(storage, `runs/${id}/attempts/1/checkpoints`)).length).toBeGreaterThan(0);
}, 150_000);

it('fails the run with STORAGE_UNAVAILABLE when storage stays down, keeps the last checkpoint, and resumes from it', async () => {
  const id = await smallLoraRun(server.url, datasetId, { maxSteps: 16, evalEvery: 4 });
  const kept = await firstCheckpoint(id, 1);
  await s3.pause();
  let failed: Record<string, unknown>;
  try {
    failed = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 90_000);
  } finally {
    await s3.resume();
  }
  expect(failed.status).toBe('FAILED');
  expect((failed.error as { code: string }).code).toBe('STORAGE_UNAVAILABLE');
  // The checkpoint published before the outage is complete and every file still matches its manifest.
  const checkpoints = await listTrees(storage, `runs/${id}/attempts/1/checkpoints`);
  expect(checkpoints).toContain(kept);
  const manifest = await fetchTree(storage, `runs/${id}/attempts/1/checkpoints/${kept}`, tempDir('kept-checkpoint'));
  expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['events.jsonl', 'state.safetensors', 'trainer.json']));

  await gql(server.url, 'mutation($id: ID!) { resumeRun(input: { id: $id }) { run { id } } }', { id });
  const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 120_000);
  expect(run.status, worker.output().slice(-3000)).toBe('SUCCEEDED');
  expect(worker.output()).toMatch(/resuming from its checkpoint step-\d+-\d+, published by attempt 1/);
  expect(await steps(id)).toEqual([...Array(16).keys()].map((i) => i + 1));
}, 240_000);
