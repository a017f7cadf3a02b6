// TuneQL on several hosts: PostgreSQL, the object store, the API and the workers each in its own
// container, nothing shared but the network. Driven from this machine through the API's published port
// only; faults are real ones: a worker SIGKILLed, PostgreSQL restarted, the object store frozen.
// Needs podman (scripts/container-images.sh installs it and builds the images; see the README).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  austenDataset,
  collectEvents,
  type GqlResult,
  gqlRaw,
  type RunEventRow,
  smallLoraRun,
  tempDir,
  wsClient,
} from '../server/harness.ts';
import { Cluster, ensureImages } from './cluster.ts';

let cluster: Cluster;
let client: Client;
let datasetId: string;

/** A query that must succeed, retried while the API cannot answer (PostgreSQL restarting). */
async function gql<T>(query: string, variables: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let r: GqlResult<T> | undefined;
    let failure: string;
    try {
      r = await gqlRaw<T>(cluster.url, query, variables, cluster.token);
      if (!r.errors?.length) return r.data as T;
      failure = JSON.stringify(r.errors);
    } catch (err) {
      failure = (err as Error).message;
    }
    // Input errors are answers, not outages.
    if (r?.errors?.some((e) => /INVALID|NOT_FOUND|FORBIDDEN|UNAUTHENTICATED/.test(String(e.extensions?.code)))) throw new Error(failure);
    if (Date.now() > end) throw new Error(`GraphQL: ${failure}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

interface RunState {
  status: string;
  attempt: number;
  workerId: string | null;
  step: number;
  error: { code: string; message: string } | null;
}

async function runState(id: string): Promise<RunState> {
  const { run } = await gql<{ run: Omit<RunState, 'step'> & { progress: { step: number } | null } }>(
    'query($id: ID!) { run(id: $id) { status attempt workerId error { code message } progress { step } } }',
    { id },
  );
  return { ...run, step: run.progress?.step ?? 0 };
}

async function until(id: string, done: (s: RunState) => boolean, timeoutMs = 180_000): Promise<RunState> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await runState(id);
    if (done(s)) return s;
    if (s.status === 'FAILED' || s.status === 'CANCELLED' || Date.now() > end) {
      throw new Error(`run ${id}: ${JSON.stringify(s)}\n${await cluster.describe()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The run's stored events: numbered 1..n without gap, and each training step recorded exactly once. */
async function checkEvents(id: string, totalSteps: number): Promise<RunEventRow[]> {
  const { run } = await gql<{ run: { events: { nodes: RunEventRow[] } } }>(
    'query($id: ID!) { run(id: $id) { events(first: 10000) { nodes { seq type step values } } } }',
    { id },
  );
  expect(run.events.nodes.map((e) => e.seq)).toEqual(run.events.nodes.map((_, i) => i + 1));
  expect(run.events.nodes.filter((e) => e.type === 'STEP').map((e) => e.step)).toEqual([...Array(totalSteps).keys()].map((i) => i + 1));
  return run.events.nodes;
}

/** The worker container whose process holds the run (its workerId starts with the container's hostname). */
function containerOf(workerId: string | null): string {
  const host = workerId?.split(':')[0];
  const name = cluster.workers.find((w) => w === host);
  if (!name) throw new Error(`no worker container for workerId ${workerId} (workers: ${cluster.workers.join(', ')})`);
  return name;
}

beforeAll(async () => {
  const env = ensureImages();
  cluster = new Cluster(env, { env: { TUNEQL_HEARTBEAT_SECONDS: '10' } });
  try {
    await cluster.start(2);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  client = wsClient(cluster.url, cluster.token);
  datasetId = await austenDataset(cluster.url, 'austen-cluster', 30, cluster.token);
}, 1_800_000); // a cold image build (no cache) takes most of this; cached, it is seconds

afterAll(async () => {
  await client?.dispose();
  await cluster?.stop();
}, 120_000);

describe('a TuneQL cluster on containers', () => {
  let firstRun: string;

  it('serves the console and trains a LoRA run with live events', async () => {
    // The image's HEALTHCHECK: /healthz of the API's port and of the worker's health port.
    for (const name of [cluster.name('api'), ...cluster.workers]) await cluster.podman('healthcheck', 'run', name);

    const page = await fetch(`${cluster.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    firstRun = await smallLoraRun(cluster.url, datasetId, { maxSteps: 40, evalEvery: 5 }, cluster.token);
    const live: RunEventRow[] = [];
    let statusWhenLive = '';
    const events = collectEvents(client, firstRun, 0, (e) => {
      live.push(e);
      if (e.type === 'STEP' && e.step === 3) void runState(firstRun).then((s) => (statusWhenLive = s.status));
    });

    // (2) SIGKILL the worker that holds the run: the other one resumes it from its last checkpoint in the object store.
    const holding = await until(firstRun, (s) => s.status === 'RUNNING' && s.step >= 12);
    const victim = containerOf(holding.workerId);
    await cluster.podman('kill', '-s', 'KILL', victim);
    const resumed = await until(firstRun, (s) => s.attempt >= 2 && s.status === 'RUNNING' && s.workerId !== null);
    expect(containerOf(resumed.workerId)).not.toBe(victim);
    await until(firstRun, (s) => s.status === 'SUCCEEDED');

    const streamed = await events;
    expect(statusWhenLive).toBe('RUNNING'); // events arrived while the run was still training
    const stored = await checkEvents(firstRun, 40);
    expect(streamed.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(live.length).toBe(stored.length);

    // The killed container comes back as a fresh worker for the scenarios that follow.
    await cluster.restartWorker(victim);
  }, 600_000);

  it('finishes a run across a PostgreSQL restart', async () => {
    const id = await smallLoraRun(cluster.url, datasetId, { maxSteps: 40, evalEvery: 5 }, cluster.token);
    await until(id, (s) => s.status === 'RUNNING' && s.step >= 5);
    await cluster.podman('restart', '-t', '5', cluster.name('postgres'));
    await until(id, (s) => s.status === 'SUCCEEDED', 300_000);
    await checkEvents(id, 40);
  }, 600_000);

  it('retries a checkpoint written while the object store is frozen, and resumes from it whole', async () => {
    const id = await smallLoraRun(cluster.url, datasetId, { maxSteps: 30, evalEvery: 10 }, cluster.token);
    const store = cluster.name('objectstore');
    // Freeze the store on the step before a checkpoint (one is written at each evaluation), so that
    // checkpoint's upload meets it frozen.
    let pausing: Promise<string> | undefined;
    const stream = wsClient(cluster.url, cluster.token);
    const events = collectEvents(stream, id, 0, (e) => {
      if (e.type === 'STEP' && e.step === 9 && !pausing) pausing = cluster.podman('pause', store);
    });
    await cluster.until('the object store is frozen', async () => (await cluster.state(store)) === 'paused', 120_000);
    await new Promise((r) => setTimeout(r, 8_000));
    const during = await runState(id);
    expect(during.status).toBe('RUNNING'); // waiting on the store (or training on while uploads wait), not failed
    await cluster.podman('unpause', store);

    // Past that checkpoint, kill the worker: the next attempt must resume from what the frozen write
    // left, so a torn or half-listed checkpoint would fail the run or repeat steps.
    const holding = await until(id, (s) => s.status === 'RUNNING' && s.step >= 12);
    const victim = containerOf(holding.workerId);
    await cluster.podman('kill', '-s', 'KILL', victim);
    await until(id, (s) => s.status === 'SUCCEEDED', 300_000);
    expect((await runState(id)).attempt).toBe(2);
    await events;
    await stream.dispose();
    const stored = await checkEvents(id, 30);
    expect(stored.some((e) => e.type === 'CHECKPOINT' && e.step === 10)).toBe(true);
    const { run } = await gql<{ run: { checkpoints: { nodes: { step: number; available: boolean }[] } } }>(
      'query($id: ID!) { run(id: $id) { checkpoints { nodes { step available } } } }',
      { id },
    );
    expect(run.checkpoints.nodes.filter((c) => c.available).length).toBeGreaterThan(0);
    await cluster.restartWorker(victim);
  }, 600_000);

  it('exports the adapter and downloads it through the API', async () => {
    const {
      exportRun: { artifact: exportRun },
    } = await gql<{ exportRun: { artifact: { url: string; sha256: string; bytes: number } } }>(
      'mutation($id: ID!) { exportRun(input: { runId: $id, kind: ADAPTER }) { artifact { url sha256 bytes } } }',
      { id: firstRun },
    );
    const res = await fetch(`${cluster.url}${exportRun.url}`, { headers: { authorization: `Bearer ${cluster.token}` } });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(exportRun.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(exportRun.sha256);
    const file = join(tempDir('cluster-download'), 'adapter.tar.gz');
    writeFileSync(file, bytes);
    const listed = execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listed).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
  }, 300_000);

  it('runs six queued runs on three workers, each exactly once', async () => {
    await cluster.addWorker();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await smallLoraRun(cluster.url, datasetId, { maxSteps: 6, evalEvery: 3 }, cluster.token));
    const hosts = new Set<string>();
    const end = Date.now() + 300_000;
    for (;;) {
      const states = await Promise.all(ids.map((id) => runState(id)));
      for (const s of states) if (s.workerId) hosts.add(s.workerId.split(':')[0] as string);
      const bad = states.find((s) => s.status === 'FAILED' || s.status === 'CANCELLED');
      if (bad) throw new Error(`a run ended ${bad.status}: ${JSON.stringify(bad)}\n${await cluster.describe()}`);
      if (states.every((s) => s.status === 'SUCCEEDED')) {
        for (const s of states) expect(s.attempt).toBe(1);
        break;
      }
      if (Date.now() > end) throw new Error(`runs unfinished: ${JSON.stringify(states)}\n${await cluster.describe()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const id of ids) await checkEvents(id, 6);
    // Each host that ran a run is one of the worker containers, and the runs were spread over more than one.
    for (const h of hosts) expect(cluster.workers).toContain(h);
    expect(hosts.size).toBeGreaterThan(1);
  }, 600_000);
});
