// ReadinessChecks: every check runs, a failure or a hang names its dependency, names are unique.

import { expect, it } from 'vitest';
import { ReadinessChecks } from './readiness.ts';

it('passes when every check resolves and lists each with its duration', async () => {
  const checks = new ReadinessChecks().add('database', async () => 1).add('storage', () => new Promise((r) => setTimeout(r, 20)));
  const report = await checks.run();
  expect(report.ok).toBe(true);
  expect(report.checks.map(({ name, ok }) => ({ name, ok }))).toEqual([
    { name: 'database', ok: true },
    { name: 'storage', ok: true },
  ]);
  expect(report.checks[1]?.durationMs).toBeGreaterThanOrEqual(15);
  expect(report.checks[0]?.error).toBeUndefined();
});

it('fails when one check throws or hangs, naming which and why', async () => {
  const checks = new ReadinessChecks({ timeoutMs: 50 })
    .add('database', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    })
    .add('storage', () => new Promise(() => {}))
    .add('queue', async () => undefined);
  const report = await checks.run();
  expect(report.ok).toBe(false);
  expect(report.checks).toMatchObject([
    { name: 'database', ok: false, error: 'database: connect ECONNREFUSED 127.0.0.1:5432' },
    { name: 'storage', ok: false, error: 'storage: no answer within 50 ms' },
    { name: 'queue', ok: true },
  ]);
  expect(report.checks[1]?.durationMs).toBeLessThan(1000);
});

it('counts a check that throws synchronously as failed, not as a crash of the probe', async () => {
  const report = await new ReadinessChecks()
    .add('config', () => {
      throw new Error('no bucket configured');
    })
    .run();
  expect(report).toMatchObject({ ok: false, checks: [{ name: 'config', error: 'config: no bucket configured' }] });
});

it('refuses a second check under the same name', () => {
  const checks = new ReadinessChecks().add('database', async () => 1);
  expect(() => checks.add('database', async () => 1)).toThrow("readiness check 'database' is registered twice");
  expect(checks.names).toEqual(['database']);
});
