// `tuneql worker` processes on the embedded database: a server with no workers of its own, a worker
// process on the same data folder, and subscribers that still see every event and status change
// (PGlite's socket carries no NOTIFY between processes; the server polls for what they write).

import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  austenDataset,
  collectEvents,
  smallLoraRun,
  startServer,
  startWorker,
  type TestServer,
  type TestWorker,
  wsClient,
} from './harness.ts';

let server: TestServer;
let worker: TestWorker;

beforeAll(async () => {
  server = await startServer({ workers: 0 });
  worker = await startWorker({ dataDir: server.dataDir });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await server?.stop();
});

it('trains on a worker process and pushes its events and status changes to subscribers', async () => {
  const datasetId = await austenDataset(server.url, 'austen-tiny', 20);
  const client = wsClient(server.url);
  const statuses: string[] = [];
  let runId = '';
  const changes = new Promise<void>((resolve, reject) => {
    client.subscribe<{ runChanged: { id: string; status: string } }>(
      { query: 'subscription { runChanged { id status } }' },
      {
        next: ({ data }) => {
          const run = data?.runChanged;
          if (!run || run.id !== runId) return;
          if (statuses.at(-1) !== run.status) statuses.push(run.status);
          if (run.status === 'SUCCEEDED' || run.status === 'FAILED') resolve();
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
  await new Promise((r) => setTimeout(r, 500)); // the subscription is set up
  runId = await smallLoraRun(server.url, datasetId, { maxSteps: 6 });
  const events = await collectEvents(client, runId);
  await changes;
  await client.dispose();
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.filter((e) => e.type === 'STEP').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(statuses).toContain('RUNNING');
  expect(statuses.at(-1)).toBe('SUCCEEDED');
  expect(worker.output()).toContain(`run ${runId} attempt 1`);
}, 180_000);
