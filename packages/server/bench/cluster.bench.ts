// Figures for TuneQL's workers as a pool: how fast an idle pool claims a submitted run, and how many tiny
// runs per minute 1, 2, ... workers finish. Prints figures, asserts nothing.
//
//   node packages/server/bench/cluster.bench.ts [--json] [--workers 1,2] [--samples N] [--runs N] [--steps N]
//       [--database-url URL]
//
// For each worker count: a fresh PostgreSQL database (created on --database-url's server, dropped at the
// end), `tuneql serve --workers 0` and N `tuneql worker` processes on it, sharing a data folder (this
// machine's processes stand in for hosts: the queue, claims and heartbeats go through PostgreSQL as
// they do between containers). A warm-up run, then:
// - claim latency: --samples runs submitted one at a time to an idle pool; submit -> RUNNING is
//   run.startedAt - run.createdAt (both the database's clock), p50 and p99;
// - throughput: --runs runs submitted at once; runs_per_min = runs / (last finishedAt - first createdAt).
// Runs are LoRA on the demo model with --steps optimizer steps, batch 8, 32 tokens: the figures are the
// platform's overhead (claim, load, compile, checkpoint, export) more than training.
//
// The workers share this machine's cores: on a few cores two workers compete for CPU, so throughput
// scales with workers only as far as cores allow.

import {
  austenDataset,
  freshDatabase,
  gql,
  smallLoraRun,
  startServer,
  startWorker,
  type TestServer,
  type TestWorker,
  tempDir,
  waitForStatus,
} from '../../../tests/server/harness.ts';
import { walkArgs } from '../../engine/bench/args.ts';

interface Options {
  json: boolean;
  workers: number[];
  samples: number;
  runs: number;
  steps: number;
  databaseUrl: string;
}

const USAGE = '--json, --workers 1,2, --samples N, --runs N, --steps N, --database-url URL';

function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    json: false,
    workers: [1, 2],
    samples: 5,
    runs: 6,
    steps: 3,
    databaseUrl: process.env.TUNEQL_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  const whole = (v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`expected a whole number >= ${min}, got '${v}'`);
    return n;
  };
  walkArgs(argv, USAGE, (flag, value) => {
    if (flag === '--json') o.json = true;
    else if (flag === '--workers')
      o.workers = value()
        .split(',')
        .map((v) => whole(v, 1));
    else if (flag === '--samples') o.samples = whole(value(), 1);
    else if (flag === '--runs') o.runs = whole(value(), 1);
    else if (flag === '--steps') o.steps = whole(value(), 1);
    else if (flag === '--database-url') o.databaseUrl = value();
    else return false;
    return true;
  });
  return o;
}

interface Timing {
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  status: string;
}

async function timing(url: string, id: string): Promise<Timing> {
  const { run } = await gql<{ run: Timing }>(url, 'query($id: ID!) { run(id: $id) { status createdAt startedAt finishedAt } }', { id });
  if (run.status !== 'SUCCEEDED') throw new Error(`run ${id} ended ${run.status}`);
  return run;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const ms = (t: string) => new Date(t).getTime();

interface Line {
  bench: 'cluster';
  workers: number;
  runs_per_min: number;
  claim_latency_ms_p50: number;
  claim_latency_ms_p99: number;
  runs: number;
  samples: number;
  steps: number;
}

async function measure(workers: number, o: Options): Promise<Line> {
  const database = await freshDatabase();
  const dataDir = tempDir('bench-cluster');
  let server: TestServer | undefined;
  const pool: TestWorker[] = [];
  try {
    server = await startServer({ databaseUrl: database.url, workers: 0, dataDir });
    for (let i = 0; i < workers; i++) pool.push(await startWorker({ dataDir, databaseUrl: database.url }));
    const dataset = await austenDataset(server.url, 'bench', 20);
    const tiny = () => smallLoraRun(server?.url as string, dataset, { maxSteps: o.steps });
    const finish = async (id: string) => {
      await waitForStatus(server?.url as string, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 300_000);
      return timing(server?.url as string, id);
    };

    await finish(await tiny()); // warm-up: the first run pays for the dataset's tokenization cache
    const latencies: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const t = await finish(await tiny());
      latencies.push(ms(t.startedAt) - ms(t.createdAt));
    }
    const ids: string[] = [];
    for (let i = 0; i < o.runs; i++) ids.push(await tiny());
    const burst = await Promise.all(ids.map(finish));
    const span = Math.max(...burst.map((t) => ms(t.finishedAt))) - Math.min(...burst.map((t) => ms(t.createdAt)));
    return {
      bench: 'cluster',
      workers,
      runs_per_min: Math.round((o.runs / (span / 60_000)) * 10) / 10,
      claim_latency_ms_p50: Math.round(percentile(latencies, 50)),
      claim_latency_ms_p99: Math.round(percentile(latencies, 99)),
      runs: o.runs,
      samples: o.samples,
      steps: o.steps,
    };
  } finally {
    for (const w of pool) await w.stop();
    await server?.stop();
    await database.drop();
  }
}

const options = parseOptions(process.argv.slice(2));
for (const n of options.workers) {
  const line = await measure(n, options);
  process.stdout.write(
    options.json
      ? `${JSON.stringify(line)}\n`
      : `${n} worker(s): ${line.runs_per_min} runs/min (${line.runs} runs of ${line.steps} steps), claim latency p50 ${line.claim_latency_ms_p50} ms, p99 ${line.claim_latency_ms_p99} ms (${line.samples} samples)\n`,
  );
}
// graphql-ws and pg handles of the harness may linger; the figures are out.
process.exit(0);
