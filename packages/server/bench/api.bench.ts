// Figures for the GraphQL API under load: request latency and throughput for a few queries, and how
// many runEvents subscribers one server feeds at a given event rate. Prints figures, asserts nothing.
//
//   node packages/server/bench/api.bench.ts [--json] [--quick] [--seconds N] [--clients 1,8,32] [--runs N]
//       [--subscribers 10,100,500] [--rate N] [--events-seconds N] [--database-url URL]
//
// Latency: `tuneql serve` on the embedded PGlite database (the default deployment) with no workers,
// the demo model and dataset, and --runs runs inserted by SQL. Each query is sent by C concurrent
// clients in a closed loop (send, wait for the whole answer, send again) for --seconds per level.
// Twice: without tokens (the loopback default), then with TUNEQL_REQUIRE_TOKENS=true and every request
// carrying a bearer token (looked up by hash, with the server's default token cache), on a fresh server.
//
// Fan-out: `tuneql serve` on a fresh PostgreSQL database (created on --database-url's server, dropped at
// the end). For each subscriber count, a run is inserted RUNNING with attempt 1, S graphql-ws clients
// (one connection each) subscribe to runEvents, and a producer in this process appends events with the
// worker's own RunEventStore.append at --rate events/s for --events-seconds, then marks the run
// SUCCEEDED so every stream completes. Latency is from the start of append to the client's receipt.
// PostgreSQL, because the embedded PGlite does not carry NOTIFY across its socket: a producer in
// another process would reach subscribers only by their 1 s poll.
//
// Client, producer, server and database share the machine: on a few cores they compete for CPU, so
// the figures are a floor for a server on a machine of its own.

import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { TrainEvent } from '@tuneql/engine';
import pg from 'pg';
import { startServer, type TestServer, tempDir, wsClient } from '../../../tests/server/harness.ts';
import { walkArgs } from '../../engine/bench/args.ts';
import { type Line, printTable, round } from '../../engine/bench/report.ts';
import type { RunEventStore } from '../src/modules/runs/run-events.service.ts';
import { registerDecoratorHook } from '../src/runtime/decorators.ts';

interface Options {
  json: boolean;
  /** Seconds per (query, clients) level. */
  seconds: number;
  clients: number[];
  /** Runs in the database for the runs query. */
  runs: number;
  subscribers: number[];
  /** Events per second the producer aims at. */
  rate: number;
  eventsSeconds: number;
  /** The PostgreSQL server the fan-out part creates its database on. */
  databaseUrl: string;
}

const DEFAULTS: Omit<Options, 'json'> = {
  seconds: 5,
  clients: [1, 8, 32],
  runs: 300,
  subscribers: [10, 100, 500],
  rate: 50,
  eventsSeconds: 3,
  databaseUrl: process.env.TUNEQL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};
/** The bench measures the server, not its rate limits: 0 turns them off. */
const UNLIMITED = { TUNEQL_RATE_LIMIT: '0', TUNEQL_RATE_LIMIT_PER_ADDRESS: '0' };

const QUICK: Partial<Options> = { seconds: 1, clients: [1, 8], runs: 100, subscribers: [20], rate: 20, eventsSeconds: 2 };

const USAGE =
  '--json, --quick, --seconds N, --clients 1,8,32, --runs N, --subscribers 10,100,500, --rate N, --events-seconds N, --database-url URL';

function parseOptions(argv: readonly string[]): Options {
  let json = false;
  let quick = false;
  const set: Partial<Options> = {};
  const positive = (flag: string, v: string): number => {
    const n = Number(v);
    if (!(n > 0)) throw new Error(`${flag} ${v}: expected a positive number`);
    return n;
  };
  const list = (flag: string, v: string): number[] => v.split(',').map((x) => Math.round(positive(flag, x)));
  walkArgs(argv, USAGE, (flag, value) => {
    if (flag === '--json') json = true;
    else if (flag === '--quick') quick = true;
    else if (flag === '--seconds') set.seconds = positive(flag, value());
    else if (flag === '--clients') set.clients = list(flag, value());
    else if (flag === '--runs') set.runs = Math.round(positive(flag, value()));
    else if (flag === '--subscribers') set.subscribers = list(flag, value());
    else if (flag === '--rate') set.rate = positive(flag, value());
    else if (flag === '--events-seconds') set.eventsSeconds = positive(flag, value());
    else if (flag === '--database-url') set.databaseUrl = value();
    else return false;
    return true;
  });
  // Explicit flags win over --quick, wherever they stand.
  return { ...DEFAULTS, ...(quick ? QUICK : {}), ...set, json };
}

/** Nearest-rank percentile of ascending `sorted`; NaN when empty. */
function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The demo model and dataset (registered by the server with TUNEQL_DEMO) that inserted runs refer to. */
async function demoIds(db: pg.Client): Promise<{ modelId: string; datasetId: string }> {
  const m = await db.query<{ id: string }>("SELECT id FROM models WHERE name = 'austen-bert-mini'");
  const d = await db.query<{ id: string }>("SELECT id FROM datasets WHERE name = 'austen-novels'");
  if (!m.rows[0] || !d.rows[0])
    throw new Error('the demo model or dataset is missing: the server registers them from models/austen-bert-mini and examples/austen');
  return { modelId: m.rows[0].id, datasetId: d.rows[0].id };
}

const INSERT_RUNS = `
  INSERT INTO runs (name, model_id, dataset_id, task, strategy_id, strategy_config, hyperparameters, seed, device, max_length,
                    status, attempt, last_seq, progress, created_at, started_at)
  SELECT 'bench-' || i, $1, $2, 'sequence-classification', 'lora', '{"r": 8}', '{"epochs": 1}', i, 'cpu', 64,
         status, CASE WHEN status = 'QUEUED' THEN 0 ELSE 1 END, 0,
         CASE WHEN status = 'QUEUED' THEN NULL
              ELSE jsonb_build_object('step', i % 100, 'totalSteps', 100, 'epoch', 1, 'etaSeconds', NULL, 'updatedAt', now()) END,
         now() - i * interval '1 second', CASE WHEN status = 'QUEUED' THEN NULL ELSE now() END
  FROM (SELECT i, ($4::text[])[1 + i % cardinality($4::text[])] AS status FROM generate_series(1, $3) AS i) AS s
  RETURNING id`;

// ---- latency ----------------------------------------------------------------------------------

const QUERIES: readonly { name: string; query: string }[] = [
  { name: 'models', query: '{ models { nodes { id name } } }' },
  { name: 'runs(first: 20)', query: '{ runs(first: 20) { edges { node { id status progress { step } } } } }' },
  { name: 'strategies', query: '{ strategies { nodes { id configSchema } } }' },
];

/** One request (with `token` as its bearer token); false when the answer is not a 200 with data and no errors. */
async function request(url: string, body: string, token?: string): Promise<boolean> {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body });
  const json = (await res.json()) as { data?: unknown; errors?: unknown[] };
  return res.status === 200 && !!json.data && !json.errors?.length;
}

async function measureLevel(url: string, query: string, clients: number, seconds: number, token?: string): Promise<Line> {
  const body = JSON.stringify({ query });
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const ok = await request(url, body, token).catch(() => false);
        latencies.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    clients,
    requests: latencies.length,
    errors,
    req_per_s: round(latencies.length / elapsed, 1),
    p50_ms: round(percentile(latencies, 50), 2),
    p90_ms: round(percentile(latencies, 90), 2),
    p99_ms: round(percentile(latencies, 99), 2),
    max_ms: round(latencies.at(-1) ?? Number.NaN, 2),
  };
}

/** A read token written straight to the database, as `tuneql token create` stores it (the secret's SHA-256). */
async function seedToken(db: pg.Client): Promise<string> {
  const secret = `tql_${randomBytes(24).toString('base64url')}`;
  const hash = createHash('sha256').update(secret).digest('hex');
  await db.query(`INSERT INTO api_tokens (name, prefix, hash, scopes) VALUES ('bench', $1, $2, '["read"]')`, [secret.slice(0, 10), hash]);
  return secret;
}

/** The latency levels on a fresh server; with `tokens`, the server requires them and every request sends one. */
async function latencyBench(opts: Options, log: (line: string) => void, tokens: boolean): Promise<Line[]> {
  const server = await startServer({
    workers: 0,
    env: { TUNEQL_DEMO: 'true', TUNEQL_REQUIRE_TOKENS: String(tokens), ...UNLIMITED },
  });
  try {
    // The embedded database answers on the data folder's Unix socket, as it does for `tuneql worker`.
    const db = new pg.Client({ host: join(server.dataDir, 'db'), port: 5432, user: 'postgres', database: 'postgres' });
    await db.connect();
    let token: string | undefined;
    try {
      const { modelId, datasetId } = await demoIds(db);
      await db.query(INSERT_RUNS, [modelId, datasetId, opts.runs, ['SUCCEEDED', 'FAILED', 'CANCELLED', 'RUNNING', 'QUEUED']]);
      if (tokens) token = await seedToken(db);
    } finally {
      await db.end();
    }
    const mode = tokens ? 'required' : 'off';
    const lines: Line[] = [];
    for (const q of QUERIES) {
      // Warm the server's code paths (and its JIT) for this query before timing it.
      await measureLevel(server.url, q.query, 4, 0.3, token);
      for (const clients of opts.clients) {
        const line: Line = { tokens: mode, query: q.name, ...(await measureLevel(server.url, q.query, clients, opts.seconds, token)) };
        log(`latency (tokens ${mode}) ${q.name} x${clients}: ${line.req_per_s} req/s, p50 ${line.p50_ms} ms, p99 ${line.p99_ms} ms`);
        lines.push(line);
      }
    }
    return lines;
  } finally {
    await server.stop();
    rmSync(server.dataDir, { recursive: true, force: true });
  }
}

// ---- fan-out ----------------------------------------------------------------------------------

interface Subscriber {
  /** seq and receipt time of every event, in arrival order. */
  seqs: number[];
  times: number[];
  done: Promise<'complete' | 'error'>;
  dispose(): void;
}

function subscribe(url: string, runId: string): Subscriber {
  const client = wsClient(url);
  const seqs: number[] = [];
  const times: number[] = [];
  const done = new Promise<'complete' | 'error'>((resolve) => {
    client.subscribe<{ runEvents: { seq: number } }>(
      { query: 'subscription($id: ID!) { runEvents(runId: $id, afterSeq: 0) { seq type step values } }', variables: { id: runId } },
      {
        next: ({ data }) => {
          if (!data?.runEvents) return;
          times.push(performance.now());
          seqs.push(data.runEvents.seq);
        },
        error: () => resolve('error'),
        complete: () => resolve('complete'),
      },
    );
  });
  return { seqs, times, done, dispose: () => void client.dispose() };
}

/** Resolves true once `check` holds, false after `ms`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) return false;
    await sleep(10);
  }
  return true;
}

async function fanOutLevel(
  server: TestServer,
  db: pg.Client,
  store: RunEventStore,
  ids: { modelId: string; datasetId: string },
  count: number,
  opts: Options,
): Promise<Line> {
  const runId = (await db.query<{ id: string }>(INSERT_RUNS, [ids.modelId, ids.datasetId, 1, ['RUNNING']])).rows[0]?.id as string;
  const events = Math.max(1, Math.round(opts.rate * opts.eventsSeconds));
  const event = (type: TrainEvent['type'], step: number): TrainEvent => ({
    seq: 0,
    type,
    step,
    epoch: step / events,
    time: new Date().toISOString(),
    values: type === 'step' ? { loss: 1 / step, learning_rate: 1e-3, grad_norm: 0.5, tokens_per_s: 1000 } : {},
  });
  const subs = Array.from({ length: count }, () => subscribe(server.url, runId));
  try {
    // A first event, untimed, shows that every subscription is live before the clock starts.
    await store.append(runId, 1, event('started', 0), events);
    const live = await until(() => subs.every((s) => s.seqs.length > 0), 60_000);
    if (!live) process.stderr.write(`fan-out x${count}: not every subscriber got the first event within 60 s\n`);

    const sent = new Map<number, number>();
    const appendMs: number[] = [];
    const t0 = performance.now();
    for (let i = 1; i <= events; i++) {
      const due = t0 + ((i - 1) * 1000) / opts.rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const t = performance.now();
      const { seq } = await store.append(runId, 1, event('step', i), events);
      appendMs.push(performance.now() - t);
      if (seq !== undefined) sent.set(seq, t);
    }
    const produced = events / ((performance.now() - t0) / 1000);
    // As a worker ends a run: the status change ends every stream once its events are delivered.
    await db.query("UPDATE runs SET status = 'SUCCEEDED', finished_at = now() WHERE id = $1", [runId]);
    await db.query("SELECT pg_notify('tuneql_run_status', $1)", [runId]);
    const ended = await Promise.race([Promise.all(subs.map((s) => s.done)), sleep(60_000).then(() => undefined)]);
    if (!ended) process.stderr.write(`fan-out x${count}: not every stream completed within 60 s of the last event\n`);

    const expected = events + 1;
    const latencies: number[] = [];
    let complete = 0;
    let missing = 0;
    let outOfOrder = 0;
    let lastReceipt = t0;
    for (const s of subs) {
      let inOrder = true;
      for (let k = 0; k < s.seqs.length; k++) {
        const seq = s.seqs[k] as number;
        if (seq !== k + 1) inOrder = false;
        const at = sent.get(seq);
        if (at !== undefined) latencies.push((s.times[k] as number) - at);
        lastReceipt = Math.max(lastReceipt, s.times[k] as number);
      }
      if (!inOrder) outOfOrder++;
      missing += Math.max(0, expected - new Set(s.seqs).size);
      if (inOrder && s.seqs.length === expected) complete++;
    }
    latencies.sort((a, b) => a - b);
    appendMs.sort((a, b) => a - b);
    return {
      subscribers: count,
      events,
      produced_per_s: round(produced, 1),
      complete,
      missing,
      out_of_order: outOfOrder,
      delivered_per_s: round(latencies.length / ((lastReceipt - t0) / 1000), 0),
      latency_p50_ms: round(percentile(latencies, 50), 1),
      latency_p99_ms: round(percentile(latencies, 99), 1),
      latency_max_ms: round(latencies.at(-1) ?? Number.NaN, 1),
      append_p50_ms: round(percentile(appendMs, 50), 2),
    };
  } finally {
    for (const s of subs) s.dispose();
  }
}

/** A database of its own on the PostgreSQL server at `adminUrl`. */
async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tuneql_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const run = async (sql: string) => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(sql);
    } finally {
      await admin.end();
    }
  };
  await run(`CREATE DATABASE ${name}`).catch((err: unknown) => {
    throw new Error(`cannot create a database on ${adminUrl} (${(err as Error).message}); start PostgreSQL or pass --database-url`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function fanOutBench(opts: Options, log: (line: string) => void): Promise<Line[]> {
  const database = await createDatabase(opts.databaseUrl);
  const dataDir = tempDir('bench');
  let server: TestServer | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  const db = new pg.Client({ connectionString: database.url });
  try {
    server = await startServer({ dataDir, databaseUrl: database.url, workers: 0, env: { TUNEQL_DEMO: 'true', ...UNLIMITED } });
    await db.connect();
    // The worker's own append, on a data source of this process's, as a `tuneql worker` holds one.
    registerDecoratorHook();
    const { openDatabase } = await import('../src/db/database.ts');
    const { Notifier } = await import('../src/events/notifier.ts');
    const { RunEventStore } = await import('../src/modules/runs/run-events.service.ts');
    const producerDb = await openDatabase({ databaseUrl: database.url, dataDir, serveEmbedded: false });
    closeStore = () => producerDb.close();
    const store = new RunEventStore(producerDb.dataSource, new Notifier());
    const ids = await demoIds(db);
    const lines: Line[] = [];
    for (const count of opts.subscribers) {
      const line = await fanOutLevel(server, db, store, ids, count, opts);
      log(`fan-out x${count}: ${line.complete}/${count} complete, p50 ${line.latency_p50_ms} ms`);
      lines.push(line);
    }
    return lines;
  } finally {
    await db.end().catch(() => undefined);
    await closeStore?.().catch(() => undefined);
    await server?.stop();
    await database.drop().catch((err: unknown) => process.stderr.write(`could not drop the bench database: ${(err as Error).message}\n`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const progress = (line: string) => {
    if (!opts.json) process.stderr.write(`${line}\n`);
  };
  const latency = [...(await latencyBench(opts, progress, false)), ...(await latencyBench(opts, progress, true))];
  const fanOut = await fanOutBench(opts, progress);
  const machine = { cpus: availableParallelism(), node: process.version };
  const adminHost = new URL(opts.databaseUrl).host;
  if (opts.json) {
    console.log(
      JSON.stringify({
        machine,
        latency: { database: 'embedded PGlite', runs: opts.runs, seconds: opts.seconds, levels: latency },
        fanout: { database: `PostgreSQL at ${adminHost}`, rate: opts.rate, events_seconds: opts.eventsSeconds, levels: fanOut },
      }),
    );
    return;
  }
  console.log(
    `API request latency: embedded PGlite, ${opts.runs} runs, ${opts.seconds} s per level, closed-loop clients, without tokens and with tokens required (${machine.cpus} CPUs, Node ${machine.node}, client and server on one machine)`,
  );
  printTable(latency);
  console.log('');
  console.log(
    `runEvents fan-out: PostgreSQL at ${adminHost} (fresh database), ${opts.rate} events/s for ${opts.eventsSeconds} s, one graphql-ws connection per subscriber`,
  );
  console.log(
    '(the embedded PGlite does not pass NOTIFY across its socket, so a producer in another process reaches subscribers only by the 1 s poll)',
  );
  printTable(fanOut);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
