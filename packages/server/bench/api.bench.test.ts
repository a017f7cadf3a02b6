// The API benchmark runs end to end in --quick mode and reports finite figures, without tokens and with them
// required; every subscriber got every event, in order (a correctness check: no timing is asserted).

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

interface Report {
  latency: { levels: Record<string, unknown>[] };
  fanout: { levels: Record<string, unknown>[] };
}

function expectFiniteFigures(line: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) expect(Number.isFinite(line[name]), `${name} in ${JSON.stringify(line)}`).toBe(true);
}

it('prints latency and fan-out figures, and every subscriber gets every event in order', async () => {
  const script = fileURLToPath(new URL('./api.bench.ts', import.meta.url));
  // One client level, three servers (no tokens, tokens required, fan-out): about a minute on two busy cores.
  const args = [
    script,
    '--quick',
    '--json',
    '--seconds',
    '1',
    '--clients',
    '4',
    '--subscribers',
    '20',
    '--rate',
    '20',
    '--events-seconds',
    '1',
  ];
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', timeout: 200_000 });
  const report = JSON.parse(stdout) as Report;

  const queries = ['models', 'runs(first: 20)', 'strategies'];
  // Both cases from one run: without tokens, then with tokens required (every request answered, none refused).
  expect(report.latency.levels.map((l) => `${l.tokens} ${l.query}`)).toEqual([
    ...queries.map((q) => `off ${q}`),
    ...queries.map((q) => `required ${q}`),
  ]);
  for (const line of report.latency.levels) {
    expectFiniteFigures(line, ['clients', 'requests', 'req_per_s', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms']);
    expect(line.errors).toBe(0);
    expect(line.requests).toBeGreaterThan(0);
  }

  const [fan] = report.fanout.levels;
  expect(report.fanout.levels).toHaveLength(1);
  expectFiniteFigures(fan ?? {}, [
    'events',
    'produced_per_s',
    'delivered_per_s',
    'latency_p50_ms',
    'latency_p99_ms',
    'latency_max_ms',
    'append_p50_ms',
  ]);
  expect(fan).toMatchObject({ subscribers: 20, events: 20, complete: 20, missing: 0, out_of_order: 0 });
}, 240_000);
