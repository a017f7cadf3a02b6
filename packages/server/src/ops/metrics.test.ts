// Metrics: the database-backed gauges at scrape time, a failing source left out, bounded operation names.

import { expect, it } from 'vitest';
import { createLogger, setLogger } from './logger.ts';
import { Metrics, OPERATION_NAME_LENGTH, OPERATION_NAMES_KEPT } from './metrics.ts';

it('reads runs by status and the queue size when scraped, every status listed', async () => {
  let succeeded = 1;
  const metrics = new Metrics({
    runsByStatus: async () => ({ SUCCEEDED: succeeded, RUNNING: 2 }),
    queueJobs: async () => ({ queued: 3, active: 2 }),
  });
  const first = (await metrics.scrape()).body;
  expect(first).toContain('tuneql_runs{status="SUCCEEDED"} 1\n');
  expect(first).toContain('tuneql_runs{status="RUNNING"} 2\n');
  expect(first).toContain('tuneql_runs{status="QUEUED"} 0\n');
  expect(first).toContain('tuneql_queue_jobs{state="queued"} 3\n');
  expect(first).toContain('tuneql_queue_jobs{state="active"} 2\n');
  expect(first).toMatch(/^process_cpu_user_seconds_total \d/m);
  succeeded = 5;
  expect((await metrics.scrape()).body).toContain('tuneql_runs{status="SUCCEEDED"} 5\n');
});

it('leaves a failing source out of the scrape instead of failing it, and logs why', async () => {
  const lines: Record<string, unknown>[] = [];
  setLogger(createLogger({ pretty: false, destination: { write: (s: string) => lines.push(JSON.parse(s)) } }));
  const metrics = new Metrics({
    runsByStatus: async () => {
      throw new Error('database "x" does not exist');
    },
    queueJobs: async () => ({ queued: 0, active: 1 }),
  });
  const { body, contentType } = await metrics.scrape();
  expect(contentType).toMatch(/^text\/plain/);
  expect(body).not.toMatch(/^tuneql_runs\{/m);
  expect(body).toContain('tuneql_queue_jobs{state="active"} 1\n');
  expect(lines).toMatchObject([
    {
      level: 'warn',
      msg: 'metrics: cannot count runs by status; tuneql_runs left out of this scrape',
      err: { message: 'database "x" does not exist' },
    },
  ]);
});

it('cuts operation names and counts names past the limit as other', () => {
  const metrics = new Metrics();
  expect(metrics.operationNameLabel(undefined)).toBe('unknown');
  expect(metrics.operationNameLabel('')).toBe('unknown');
  expect(metrics.operationNameLabel('x'.repeat(500))).toHaveLength(OPERATION_NAME_LENGTH);
  for (let i = 1; i < OPERATION_NAMES_KEPT; i++) expect(metrics.operationNameLabel(`Op${i}`)).toBe(`Op${i}`);
  expect(metrics.operationNameLabel('OneTooMany')).toBe('other');
  expect(metrics.operationNameLabel('Op1')).toBe('Op1');
});
