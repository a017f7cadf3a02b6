// Real servers and workers for the cross-package suites: `tuneql serve` and `tuneql worker` as child
// processes on loopback, against the embedded database or a fresh PostgreSQL database.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

export const REPO = resolve(import.meta.dirname, '../..');
const MAIN = join(REPO, 'packages/server/src/cli/main.ts');
export const AUSTEN = join(REPO, 'examples/austen/novels.jsonl');

/** PostgreSQL for the suites: PGHOST/PGPORT as CI sets them, else the machine's 127.0.0.1:5432. */
export const PG_ADMIN = process.env.TUNEQL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function waitFor<T>(what: string, proc: Proc, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (proc.child.exitCode !== null) throw new Error(`${what}: the process exited (${proc.child.exitCode}):\n${proc.output()}`);
    if (Date.now() > end) throw new Error(`${what}: timed out:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ServerOptions {
  dataDir?: string;
  databaseUrl?: string;
  workers?: number;
  env?: Record<string, string>;
}

export interface TestServer extends Proc {
  url: string;
  dataDir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tuneql-${prefix}-`));
}

export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir('server');
  const env: Record<string, string> = {
    TUNEQL_DATA: dataDir,
    TUNEQL_PORT: '0',
    TUNEQL_WORKERS: String(options.workers ?? 1),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  };
  const proc = launch(['serve'], env);
  const url = await waitFor('server start', proc, () => proc.output().match(/API on (http:\/\/[^/\s]+)\/graphql/)?.[1]);
  return {
    ...proc,
    url,
    dataDir,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.child.exitCode === null) proc.child.kill(signal);
      await proc.exited;
    },
  };
}

export interface TestWorker extends Proc {
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startWorker(options: { dataDir: string; databaseUrl?: string; env?: Record<string, string> }): Promise<TestWorker> {
  const proc = launch(['worker'], {
    TUNEQL_DATA: options.dataDir,
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  await waitFor('worker start', proc, () => (proc.output().includes('waiting for runs') ? true : undefined));
  return {
    ...proc,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.child.exitCode === null) proc.child.kill(signal);
      await proc.exited;
    },
  };
}

/** A fresh database on the PostgreSQL server; dropped by the returned function. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tuneql_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: PG_ADMIN });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export interface GqlResult<T> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  status: number;
}

export async function gqlRaw<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { ...((await res.json()) as Omit<GqlResult<T>, 'status'>), status: res.status };
}

/** The data of a query that must succeed. */
export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const r = await gqlRaw<T>(url, query, variables, token);
  if (r.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data as T;
}

export async function upload(
  url: string,
  filename: string,
  body: Uint8Array | string,
  token?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/uploads?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export function wsClient(url: string, token?: string, onClose?: (code: number) => void): Client {
  return createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => onClose?.((e as { code: number }).code) },
  });
}

/** A slice of the Austen paragraphs as JSONL: `perNovel` rows of each novel. */
export function austenSlice(perNovel: number): string {
  const rows = readFileSync(AUSTEN, 'utf8').trim().split('\n');
  const seen = new Map<string, number>();
  const out: string[] = [];
  for (const line of rows) {
    const label = (JSON.parse(line) as { label: string }).label;
    const n = seen.get(label) ?? 0;
    if (n < perNovel) {
      out.push(line);
      seen.set(label, n + 1);
    }
  }
  return `${out.join('\n')}\n`;
}

export interface RunEventRow {
  seq: number;
  type: string;
  step: number;
  values: Record<string, number>;
}

/** Subscribes to a run's events until the server completes the stream. */
export function collectEvents(client: Client, runId: string, afterSeq = 0, onEvent?: (e: RunEventRow) => void): Promise<RunEventRow[]> {
  const events: RunEventRow[] = [];
  return new Promise((resolvePromise, reject) => {
    client.subscribe<{ runEvents: RunEventRow }>(
      {
        query: 'subscription($id: ID!, $after: Int!) { runEvents(runId: $id, afterSeq: $after) { seq type step values } }',
        variables: { id: runId, after: afterSeq },
      },
      {
        next: ({ data, errors }) => {
          if (errors?.length) reject(new Error(JSON.stringify(errors)));
          if (data?.runEvents) {
            events.push(data.runEvents);
            onEvent?.(data.runEvents);
          }
        },
        error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => resolvePromise(events),
      },
    );
  });
}

export async function waitForStatus(
  url: string,
  runId: string,
  statuses: string[],
  timeoutMs = 180_000,
  token?: string,
): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { run } = await gql<{ run: Record<string, unknown> }>(
      url,
      'query($id: ID!) { run(id: $id) { id status attempt lastSeq error { code message } progress { step totalSteps } } }',
      { id: runId },
      token,
    );
    if (statuses.includes(run.status as string)) return run;
    if (Date.now() > end) throw new Error(`run ${runId} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Uploads `perNovel` Austen paragraphs of each novel and creates a classification dataset from them. */
export async function austenDataset(url: string, name: string, perNovel: number, token?: string): Promise<string> {
  const up = await upload(url, `${name}.jsonl`, austenSlice(perNovel), token);
  if (up.status !== 201) throw new Error(`upload failed: ${JSON.stringify(up.json)}`);
  const { createDataset } = await gql<{ createDataset: { dataset: { id: string } } }>(
    url,
    'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
    { i: { name, uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' } },
    token,
  );
  return createDataset.dataset.id;
}

/** Queues a small LoRA run (batch 8, 32 tokens) on the first registered model; returns its id. */
export async function smallLoraRun(
  url: string,
  datasetId: string,
  hyperparameters: Record<string, unknown>,
  token?: string,
): Promise<string> {
  const { models } = await gql<{ models: { nodes: { id: string; name: string }[] } }>(url, '{ models { nodes { id name } } }', {}, token);
  const { createRun } = await gql<{ createRun: { run: { id: string } } }>(
    url,
    'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
    {
      i: {
        modelId: (models.nodes.find((m) => m.name === 'austen-bert-mini') ?? models.nodes[0])?.id,
        datasetId,
        strategy: 'lora',
        strategyConfig: { r: 4, alpha: 8 },
        hyperparameters: { batchSize: 8, learningRate: 3e-3, ...hyperparameters },
        maxLength: 32,
      },
    },
    token,
  );
  return createRun.run.id;
}

/**
 * Fine-tunes models/austen-gpt2-mini (imported from its folder) for a few steps on Austen paragraphs as plain text,
 * fully, and waits for it to succeed: the smallest causal-LM run there is, for generation. Returns the run's id.
 */
export async function tinyCausalLmRun(url: string, token?: string): Promise<string> {
  const { importModelFromDirectory } = await gql<{ importModelFromDirectory: { model: { id: string } } }>(
    url,
    'mutation($p: String!) { importModelFromDirectory(input: { name: "austen-gpt2-mini", path: $p }) { model { id } } }',
    { p: join(REPO, 'models/austen-gpt2-mini') },
    token,
  );
  const texts = austenSlice(4)
    .trim()
    .split('\n')
    .map((line) => JSON.stringify({ text: (JSON.parse(line) as { text: string }).text }));
  const up = await upload(url, 'austen-text.jsonl', `${texts.join('\n')}\n`, token);
  if (up.status !== 201) throw new Error(`upload failed: ${JSON.stringify(up.json)}`);
  const { createDataset } = await gql<{ createDataset: { dataset: { id: string } } }>(
    url,
    'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
    { i: { name: 'austen-text', uploadId: up.json.id, task: 'CAUSAL_LM' } },
    token,
  );
  const { createRun } = await gql<{ createRun: { run: { id: string } } }>(
    url,
    'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
    {
      i: {
        name: 'austen-gpt2-chat',
        modelId: importModelFromDirectory.model.id,
        datasetId: createDataset.dataset.id,
        strategy: 'full',
        hyperparameters: { maxSteps: 3, batchSize: 4, learningRate: 1e-3, evalEvery: 3 },
        maxLength: 32,
      },
    },
    token,
  );
  const run = await waitForStatus(url, createRun.run.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000, token);
  if (run.status !== 'SUCCEEDED') throw new Error(`the causal-LM run ended ${run.status}: ${JSON.stringify(run.error)}`);
  return createRun.run.id;
}
