// Operations on a real `tuneql serve` over PostgreSQL: /healthz, /readyz (and its 503 once the database
// is gone), /metrics after a real run, JSON log lines with request and run ids, and a `tuneql worker`'s own port.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { austenDataset, freshDatabase, REPO, smallLoraRun, startServer, startWorker, type TestServer, waitForStatus } from './harness.ts';

let server: TestServer;
let db: { url: string; drop: () => Promise<void> };

beforeAll(async () => {
  db = await freshDatabase();
  server = await startServer({ databaseUrl: db.url, workers: 1, env: { TUNEQL_PROGRESS_LOG_SECONDS: '1', TUNEQL_LOG_LEVEL: 'info' } });
}, 120_000);

afterAll(async () => {
  await server?.stop('SIGKILL');
  await db?.drop();
});

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric in Prometheus' text exposition. */
function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ labels: labels as Record<string, string>, value: Number(m[3]) });
  }
  return out;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The process's output as JSON log lines (stdout is a pipe here, so every log line is JSON). */
function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

it('answers /healthz and /readyz with the database and storage checks', async () => {
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ ok: true, checks: [] });

  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { ok: boolean; checks: { name: string; ok: boolean; durationMs: number }[] };
  expect(body.ok).toBe(true);
  expect(body.checks.map((c) => c.name)).toEqual(['database', 'storage']);
  expect(body.checks.map((c) => c.ok)).toEqual([true, true]);
  expect(body.checks[0]?.durationMs).toBeGreaterThanOrEqual(0);
});

it('counts a real run in /metrics and logs requests and the run as JSON lines with their ids', async () => {
  const datasetId = await austenDataset(server.url, 'austen-ops', 12);
  const runId = await smallLoraRun(server.url, datasetId, { maxSteps: 30 });

  // The step-rate gauge and the queue's active job are what happens now: read them while the run trains.
  let stepsPerSecond = 0;
  let activeJobs = 0;
  for (let i = 0; i < 400 && (stepsPerSecond === 0 || activeJobs === 0); i++) {
    const text = await scrape(server.url);
    stepsPerSecond = Math.max(stepsPerSecond, ...samples(text, 'tuneql_worker_steps_per_second').map((s) => s.value));
    activeJobs = Math.max(
      activeJobs,
      ...samples(text, 'tuneql_queue_jobs')
        .filter((s) => s.labels.state === 'active')
        .map((s) => s.value),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(activeJobs).toBe(1);
  expect(stepsPerSecond).toBeGreaterThan(0);
  const done = await waitForStatus(server.url, runId, ['SUCCEEDED', 'FAILED'], 120_000);
  const steps = (done.progress as { totalSteps: number }).totalSteps;
  expect(steps).toBeGreaterThan(10);

  // A named operation with a caller's request id.
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'ops-test-42' },
    body: JSON.stringify({ query: 'query OpsProbe { run(id: "' + runId + '") { status } }' }),
  });
  expect(res.headers.get('x-request-id')).toBe('ops-test-42');
  expect(((await res.json()) as { data: { run: { status: string } } }).data.run.status).toBe('SUCCEEDED');
  const generated = await fetch(`${server.url}/healthz`);
  expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

  const text = await scrape(server.url);
  const runs = Object.fromEntries(samples(text, 'tuneql_runs').map((s) => [s.labels.status, s.value]));
  expect(runs).toEqual({ QUEUED: 0, RUNNING: 0, SUCCEEDED: 1, FAILED: 0, CANCELLED: 0 });
  expect(
    samples(text, 'tuneql_queue_jobs')
      .map((s) => s.labels.state)
      .sort(),
  ).toEqual(['active', 'queued']);
  expect(samples(text, 'tuneql_run_claim_latency_seconds_count')[0]?.value).toBe(1);
  const worker = samples(text, 'tuneql_worker_steps_total')[0];
  expect(worker?.value).toBe(steps);
  const workerId = worker?.labels.worker as string;
  expect(workerId).toContain(':');
  expect(samples(text, 'tuneql_worker_steps_per_second')).toEqual([{ labels: { worker: workerId }, value: 0 }]);
  expect(samples(text, 'tuneql_worker_active_runs')).toEqual([{ labels: { worker: workerId }, value: 0 }]);
  expect(samples(text, 'tuneql_worker_heartbeats_total')[0]?.value).toBeGreaterThanOrEqual(1);
  const lastBeat = samples(text, 'tuneql_worker_last_heartbeat_timestamp_seconds')[0]?.value ?? 0;
  expect(Math.abs(lastBeat - Date.now() / 1000)).toBeLessThan(300);

  const http = samples(text, 'tuneql_http_request_duration_seconds_count');
  const httpCount = (method: string, route: string, status: string) =>
    http.find((s) => s.labels.method === method && s.labels.route === route && s.labels.status === status)?.value ?? 0;
  expect(httpCount('POST', '/graphql', '200')).toBeGreaterThanOrEqual(4);
  expect(httpCount('POST', '/uploads', '201')).toBe(1);
  expect(httpCount('GET', '/healthz', '200')).toBe(2); // the first test's probe and this one's
  expect(http.every((s) => !s.labels.route?.includes(runId))).toBe(true);
  const ops = samples(text, 'tuneql_graphql_operation_duration_seconds_count');
  expect(ops.find((s) => s.labels.operation_type === 'query' && s.labels.operation_name === 'OpsProbe')?.value).toBe(1);
  expect(ops.find((s) => s.labels.operation_type === 'mutation' && s.labels.operation_name === 'unknown')?.value).toBeGreaterThanOrEqual(2);
  expect(samples(text, 'process_cpu_seconds_total').length).toBe(1);

  const lines = logLines(server.output());
  expect(lines.length).toBeGreaterThan(5);
  const request = lines.find((l) => l.reqId === 'ops-test-42');
  expect(request).toMatchObject({
    level: 'info',
    msg: 'POST /graphql 200',
    req: { method: 'POST', url: '/graphql' },
    res: { statusCode: 200 },
  });
  expect(lines.filter((l) => (l.req as { url?: string } | undefined)?.url === '/uploads?filename=austen-ops.jsonl')[0]?.reqId).toMatch(
    /^[0-9a-f-]{36}$/,
  );
  const runLines = lines.filter((l) => l.runId === runId);
  expect(runLines.every((l) => l.workerId === workerId && l.attempt === 1)).toBe(true);
  const messages = runLines.map((l) => l.msg as string);
  expect(messages.some((m) => m.startsWith(`took run ${runId} (attempt 1) from the queue after `))).toBe(true);
  expect(messages).toContain(`run ${runId} attempt 1 (from the start)`);
  expect(messages).toContain(`run ${runId} attempt 1: finished after step ${steps}`);
  const progress = runLines.filter((l) => typeof l.stepsPerSecond === 'number');
  expect(progress.at(-1)).toMatchObject({ step: steps, totalSteps: steps });
  expect(progress.at(-1)?.stepsPerSecond).toBeGreaterThan(0);
}, 150_000);

it("serves a worker's /healthz, /readyz and /metrics on TUNEQL_WORKER_PORT", async () => {
  const worker = await startWorker({ dataDir: server.dataDir, databaseUrl: db.url, env: { TUNEQL_WORKER_PORT: '0' } });
  try {
    const line = logLines(worker.output()).find((l) => typeof l.url === 'string');
    const url = line?.url as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { ok: boolean; checks: { name: string }[] };
    expect(ready).toMatchObject({
      ok: true,
      checks: [
        { name: 'database', ok: true },
        { name: 'storage', ok: true },
      ],
    });
    const text = await scrape(url);
    const workerId = logLines(worker.output()).find((l) => typeof l.workerId === 'string')?.workerId;
    expect(samples(text, 'tuneql_worker_active_runs')).toEqual([{ labels: { worker: workerId }, value: 0 }]);
    expect(samples(text, 'tuneql_runs').find((s) => s.labels.status === 'SUCCEEDED')?.value).toBe(1);
    expect((await fetch(`${url}/graphql`)).status).toBe(404);
  } finally {
    await worker.stop();
  }
}, 90_000);

it('answers /readyz with 503 naming the database once the database is gone', async () => {
  await db.drop();
  const res = await fetch(`${server.url}/readyz`);
  expect(res.status).toBe(503);
  const body = (await res.json()) as { ok: boolean; error: string; checks: { name: string; ok: boolean; error?: string }[] };
  expect(body.ok).toBe(false);
  expect(body.checks).toMatchObject([
    { name: 'database', ok: false },
    { name: 'storage', ok: true },
  ]);
  expect(body.error).toMatch(/^not ready: database: /);
  // Alive all the same: liveness does not depend on the database.
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}, 30_000);

it('says why a server or worker cannot start, on stderr and as a fatal log line (only stderr when the log level itself is wrong)', () => {
  const run = (command: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [join(REPO, 'packages/server/src/cli/main.ts'), command], {
      env: { ...process.env, TUNEQL_DATA: server.dataDir, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const badPort = run('worker', { TUNEQL_PORT: 'four' });
  expect(badPort.status).toBe(1);
  expect(badPort.stderr).toContain('tuneql: TUNEQL_PORT=four: expected a whole number >= 0');
  expect(logLines(badPort.stdout)).toMatchObject([{ level: 'fatal', msg: 'cannot start: TUNEQL_PORT=four: expected a whole number >= 0' }]);
  const badLevel = run('serve', { TUNEQL_LOG_LEVEL: 'verbose' });
  expect(badLevel.status).toBe(1);
  expect(badLevel.stderr).toContain('tuneql: TUNEQL_LOG_LEVEL=verbose: expected one of trace, debug, info, warn, error, fatal, silent');
  expect(badLevel.stdout).toBe('');
}, 60_000);
