// Where /metrics' database-backed gauges come from: the runs table and the training queue, read at scrape time.

import type { DataSource } from 'typeorm';
import type { RunQueue } from '../queue/run-queue.ts';
import type { MetricSources } from './metrics.ts';

export function databaseMetricSources(dataSource: DataSource, queue: RunQueue): MetricSources {
  return {
    async runsByStatus() {
      const rows = (await dataSource.query('SELECT status, count(*)::int AS n FROM runs GROUP BY status')) as {
        status: string;
        n: number;
      }[];
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    queueJobs: () => queue.jobCounts(),
  };
}
