// `tuneql sweep` against a real server on PostgreSQL that requires tokens: the example sweep file, made tiny
// (a small dataset, three trials), runs to its promoted trial with a line per trial; a file the server
// refuses prints the SWEEP_* code and exits 1; --detach returns at once, `watch` follows, `cancel` stops.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSweepFile, type SweepFile } from '../../packages/server/src/cli/sweep.ts';
import { austenDataset, freshDatabase, gql, REPO, startServer, type TestServer, tempDir } from './harness.ts';

const run = promisify(execFile);
const MAIN = join(REPO, 'packages/server/src/cli/main.ts');
const EXAMPLE = join(REPO, 'examples/austen/sweep.yaml');

let server: TestServer;
let drop: () => Promise<void>;
let token: string;
const dir = tempDir('sweep-cli');

/** `tuneql ARGS` as a user runs it; never rejects: the exit code, stdout and stderr come back. */
async function tuneql(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { cwd: REPO, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The example sweep with `change` applied to it, written to a file of its own. */
async function sweepFile(name: string, change: (sweep: Editable) => void): Promise<string> {
  const sweep = (await readSweepFile(EXAMPLE)) as Editable;
  change(sweep);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(sweep, null, 2));
  return file;
}

/** A sweep file as the tests bend it: any key may be set, a wrong one included. */
type Editable = SweepFile & Record<string, unknown> & { run: { training: Record<string, unknown> }; parameters: { name: string }[] };

/** Tiny: 60 paragraphs, 32 tokens, one epoch of batch 8 (6 steps); the example's space otherwise. */
function tiny(sweep: Editable): void {
  sweep.run.dataset = 'austen-sweep-cli';
  sweep.run.max_length = 32;
  // Hugging Face's names and a nested enum, as a config file may write them.
  sweep.run.training = { num_train_epochs: 1, per_device_train_batch_size: 8, early_stopping: { patience: 5, monitor: 'loss' } };
  sweep.max_trials = 3;
  sweep.early_stopping = null;
}

beforeAll(async () => {
  let databaseUrl: string;
  ({ url: databaseUrl, drop } = await freshDatabase());
  const dataDir = tempDir('sweep-cli-server');
  const created = await run(process.execPath, [MAIN, 'token', 'create', 'sweeper', '--scope', 'read', '--scope', 'write'], {
    cwd: REPO,
    env: { ...process.env, TUNEQL_DATA: dataDir, DATABASE_URL: databaseUrl },
  });
  token = created.stdout.trim();
  server = await startServer({ dataDir, databaseUrl, workers: 2, env: { TUNEQL_REQUIRE_TOKENS: 'true' } });
  await austenDataset(server.url, 'austen-sweep-cli', 10, token);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await drop?.();
});

describe('tuneql sweep', () => {
  it('runs the example sweep (made tiny) to its promoted trial, a line per trial', async () => {
    const file = await sweepFile('tiny.json', tiny);
    const { code, stdout, stderr } = await tuneql(['sweep', file, '--server', server.url], { TUNEQL_TOKEN: token });
    expect(code, stderr + stdout).toBe(0);
    const lines = stdout.trim().split('\n');
    const id = lines[0]?.match(
      /^sweep ([0-9a-f-]{36}) \(LoRA on the Austen novels\): TPE, 3 trials, 2 at a time; objective accuracy \(higher is better\)$/,
    )?.[1];
    expect(id, stdout).toBeDefined();
    expect(lines[1]).toBe(`console: ${server.url}/sweeps/view?id=${id}`);
    // What the server holds, against what was printed.
    const { sweep } = await gql<{
      sweep: {
        status: string;
        base: { hyperparameters: Record<string, unknown> };
        bestRun: { id: string } | null;
        trials: { nodes: { number: number; state: string; objective: number; promoted: boolean; params: Record<string, unknown> }[] };
      };
    }>(
      server.url,
      'query($id: ID!) { sweep(id: $id) { status base bestRun { id } trials { nodes { number state objective promoted params } } } }',
      { id },
      token,
    );
    expect(sweep.status).toBe('SUCCEEDED');
    expect(sweep.base.hyperparameters).toEqual({ epochs: 1, batchSize: 8, earlyStopping: { patience: 5, monitor: 'loss' } });
    expect(sweep.trials.nodes).toHaveLength(3);
    for (const t of sweep.trials.nodes) {
      expect(t.state).toBe('SUCCEEDED');
      expect(t.params.learningRate as number).toBeGreaterThanOrEqual(2e-4);
      expect(t.params.learningRate as number).toBeLessThanOrEqual(5e-3);
      expect([4, 8, 16]).toContain(t.params['strategyConfig.r']);
      expect(['linear', 'cosine']).toContain(t.params.schedule);
      const ended = lines.find((l) => l.startsWith(`trial ${t.number} SUCCEEDED `));
      expect(ended, stdout).toContain(`accuracy ${Number(t.objective.toPrecision(4))}`);
      expect(ended).toContain(`strategyConfig.r=${t.params['strategyConfig.r']}`);
      expect(lines.some((l) => l.startsWith(`trial ${t.number} `) && !l.includes('SUCCEEDED'))).toBe(true);
    }
    const best = sweep.trials.nodes.find((t) => t.promoted);
    expect(lines.at(-1)).toBe(
      `sweep SUCCEEDED: promoted trial ${best?.number} (run ${sweep.bestRun?.id}), accuracy ${Number(best?.objective.toPrecision(4))}, ${lines
        .find((l) => l.startsWith(`trial ${best?.number} SUCCEEDED`))
        ?.replace(/^trial \d+ SUCCEEDED\s+/, '')
        .replace(/\s+accuracy [\d.e-]+$/, '')}`,
    );
  }, 240_000);

  it("prints the server's SWEEP_* refusal with its code, the local file's problems by key, and exits 1", async () => {
    const unknown = await sweepFile('unknown.json', (s) => {
      tiny(s);
      (s.parameters[0] as { name: string }).name = 'lerning_rate';
    });
    const refused = await tuneql(['sweep', unknown, '--server', server.url, '--token', token]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^tuneql: SWEEP_PARAMETER_UNKNOWN: parameters\[0\] \(lerningRate\): 'lerningRate' is not a trainer setting a sweep can vary; vary one of .*learningRate/m,
    );
    expect(refused.stderr).toContain('(field parameters.0.name)');

    const grid = await sweepFile('grid.json', (s) => {
      tiny(s);
      s.algorithm = 'grid';
    });
    const gridRefused = await tuneql(['sweep', grid, '--server', server.url, '--token', token]);
    expect(gridRefused.code).toBe(1);
    expect(gridRefused.stderr).toMatch(
      /^tuneql: SWEEP_SPACE_INVALID: a GRID sweep takes values for every parameter; 'learningRate' is a range/m,
    );

    const typo = await sweepFile('typo.json', (s) => {
      tiny(s);
      s.run.training.batch_sise = 8;
      Object.assign(s, { algorithm: 'bayes' });
    });
    const local = await tuneql(['sweep', typo, '--server', server.url, '--token', token]);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain(`${typo}: 2 problems:`);
    expect(local.stderr).toMatch(/ {2}algorithm: .*grid.*random.*tpe/);
    expect(local.stderr).toMatch(/ {2}run\.training: .*batch_sise.*batch_size/);

    const missing = await tuneql([
      'sweep',
      await sweepFile('missing.json', (s) => {
        tiny(s);
        s.run.model = 'austen-bert-maxi';
      }),
      '--server',
      server.url,
      '--token',
      token,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tuneql: run\.model: the server has no model named 'austen-bert-maxi'; it has .*austen-bert-mini/m);

    const noToken = await tuneql(['sweep', await sweepFile('ok.json', tiny), '--server', server.url]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^tuneql: UNAUTHENTICATED: an API token is required/m);

    const nowhere = await tuneql(['sweep', await sweepFile('ok.json', tiny), '--server', 'http://127.0.0.1:9', '--token', token]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^tuneql: cannot reach the server at http:\/\/127\.0\.0\.1:9/m);
  }, 90_000);

  it('--detach returns once the sweep is queued; watch follows it, cancel stops it', async () => {
    const file = await sweepFile('detach.json', (s) => {
      tiny(s);
      s.parallelism = 1;
    });
    const detached = await tuneql(['sweep', file, '--server', server.url, '--token', token, '--detach']);
    expect(detached.code, detached.stderr).toBe(0);
    const id = detached.stdout.match(/^sweep ([0-9a-f-]{36})/)?.[1] as string;
    expect(detached.stdout).toContain(`detached: follow it with tuneql sweep watch ${id}, stop it with tuneql sweep cancel ${id}`);
    const cancelled = await tuneql(['sweep', 'cancel', id, '--server', server.url, '--token', token]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `sweep ${id} CANCELLED\n` });
    const watched = await tuneql(['sweep', 'watch', id, '--server', server.url, '--token', token]);
    expect(watched.code).toBe(1);
    expect(watched.stdout.trim().split('\n').at(-1)).toBe('sweep CANCELLED');
    const again = await tuneql(['sweep', 'cancel', id, '--server', server.url, '--token', token]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^tuneql: SWEEP_INVALID_STATE: /m);
  }, 60_000);
});
