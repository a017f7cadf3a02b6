// Workers on other hosts with nothing shared but PostgreSQL and S3 storage: `tuneql serve --workers 0`
// and `tuneql worker` processes, each with its own TUNEQL_DATA and TUNEQL_CACHE, against s3rver. A
// worker killed after a published checkpoint is replaced by another that resumes from S3; every step
// is recorded once; the export is published to S3 and downloaded, and predict reads it, through the
// API. Wrong credentials stop the server and the worker from starting, naming the settings.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listTrees } from '../../packages/server/src/storage/published-tree.ts';
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
let databaseUrl: string;
let drop: () => Promise<void>;
const workers: TestWorker[] = [];
const PREFIX = 'e2e';

beforeAll(async () => {
  s3 = await startTestS3Server();
  ({ url: databaseUrl, drop } = await freshDatabase());
  server = await startServer({ databaseUrl, workers: 0, env: s3.env(PREFIX) });
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await server?.stop();
  await drop?.();
  await s3?.close();
});

/** A worker as on another host: its own data and cache folders, only the database URL and the storage settings. */
async function remoteWorker(): Promise<{ worker: TestWorker; dataDir: string }> {
  const dataDir = tempDir('remote-worker');
  const worker = await startWorker({ dataDir, databaseUrl, env: { ...s3.env(PREFIX), TUNEQL_CACHE: join(dataDir, 'cache') } });
  workers.push(worker);
  return { worker, dataDir };
}

function bucket(): S3Storage {
  return new S3Storage({
    url: `s3://${s3.bucket}/${PREFIX}`,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

it('trains on workers that share no folder: killed after a checkpoint, resumed from S3 by another, exported and downloaded', async () => {
  const datasetId = await austenDataset(server.url, 'austen-s3', 30);
  const id = await smallLoraRun(server.url, datasetId, { maxSteps: 24, evalEvery: 4 });

  const a = await remoteWorker();
  // Wait for a checkpoint published completely (its manifest written) to S3.
  const storage = bucket();
  const end = Date.now() + 120_000;
  while ((await listTrees(storage, `runs/${id}/attempts/1/checkpoints`)).length === 0) {
    if (Date.now() > end) throw new Error(`no checkpoint published:\n${a.worker.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  a.worker.child.kill('SIGKILL');
  await a.worker.exited;

  const b = await remoteWorker();
  const run = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 150_000);
  expect(run.status, b.worker.output()).toBe('SUCCEEDED');
  expect(run.attempt).toBe(2);
  expect(b.worker.output()).toMatch(/resuming from its checkpoint step-\d+-\d+, published by attempt 1/);

  const { run: done } = await gql<{ run: { events: { nodes: RunEventRow[] }; checkpoints: { nodes: { available: boolean }[] } } }>(
    server.url,
    'query($id: ID!) { run(id: $id) { events(first: 10000) { nodes { seq type step } } checkpoints { nodes { available } } } }',
    { id },
  );
  expect(done.events.nodes.map((e) => e.seq)).toEqual(done.events.nodes.map((_, i) => i + 1));
  expect(done.events.nodes.filter((e) => e.type === 'STEP').map((e) => e.step)).toEqual([...Array(24).keys()].map((i) => i + 1));
  expect(done.checkpoints.nodes.some((c) => c.available)).toBe(true);

  // No folder was shared: the server's data folder holds no storage, and each worker only its own cache.
  expect(existsSync(join(server.dataDir, 'artifacts'))).toBe(false);
  expect(existsSync(join(a.dataDir, 'cache', 'blobs'))).toBe(true);
  expect(await listTrees(storage, `runs/${id}/export`)).toEqual(['adapter', 'model']);

  const {
    exportRun: { artifact: exportRun },
  } = await gql<{ exportRun: { artifact: { url: string; sha256: string; bytes: number } } }>(
    server.url,
    'mutation($id: ID!) { exportRun(input: { runId: $id, kind: ADAPTER }) { artifact { url sha256 bytes } } }',
    { id },
  );
  const res = await fetch(`${server.url}${exportRun.url}`);
  expect(res.status).toBe(200);
  const archive = Buffer.from(await res.arrayBuffer());
  expect(archive.length).toBe(exportRun.bytes);
  expect(createHash('sha256').update(archive).digest('hex')).toBe(exportRun.sha256);
  const tar = gunzipSync(archive).toString('latin1');
  expect(tar).toContain('adapter_config.json');
  expect(tar).toContain('adapter_model.safetensors');
  expect((await storage.list(`runs/${id}/artifacts`)).map((o) => o.key)).toEqual([`runs/${id}/artifacts/adapter.tar.gz`]);

  const { predict } = await gql<{ predict: { predictions: { tuned: { labels: { label: string; score: number }[] } }[] } }>(
    server.url,
    'mutation($id: ID!) { predict(input: { runId: $id, inputs: [{ text: "It is a truth universally acknowledged." }], compareBase: false }) { predictions { tuned { labels { label score } } } } }',
    { id },
  );
  const scores = predict.predictions[0]?.tuned.labels.map((l) => l.score) ?? [];
  expect(scores.length).toBe(6);
  expect(scores.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 4);
  storage.close();
}, 300_000);

it('refuses to start a server or a worker with credentials the storage rejects, naming the settings', async () => {
  // An access key the server does not know (s3rver checks the key id; it does not verify SigV4 signatures).
  const env = { ...s3.env(PREFIX), AWS_ACCESS_KEY_ID: 'NOT-A-KEY', AWS_SECRET_ACCESS_KEY: 'not-the-secret' };
  const serverFailure = await startServer({ databaseUrl, workers: 0, env }).then(
    () => 'started',
    (err: Error) => err.message,
  );
  expect(serverFailure).toMatch(/exited \(1\)/);
  expect(serverFailure).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  expect(serverFailure).toContain(`AWS_ENDPOINT_URL=${s3.endpoint}`);
  const workerFailure = await startWorker({ dataDir: tempDir('bad-worker'), databaseUrl, env }).then(
    () => 'started',
    (err: Error) => err.message,
  );
  expect(workerFailure).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
}, 60_000);
