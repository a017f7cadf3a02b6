// GET /healthz (alive: the process answers), GET /readyz (ready: every registered check passes) and
// GET /metrics (Prometheus), for the API server and for a worker's own port alike.

import { Router } from 'express';
import type { Metrics } from './metrics.ts';
import type { ReadinessChecks } from './readiness.ts';

export interface OpsSources {
  readiness: ReadinessChecks;
  metrics: Metrics;
}

export function opsRoutes({ readiness, metrics }: OpsSources): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    // Liveness checks nothing else on purpose: a database outage must not get every process restarted.
    res.set('Cache-Control', 'no-store').json({ ok: true, uptimeSeconds: Math.round(process.uptime()), checks: [] });
  });
  router.get('/readyz', async (_req, res) => {
    const report = await readiness.run();
    const failed = report.checks.filter((c) => !c.ok);
    res
      .status(report.ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ ...report, ...(failed.length ? { error: `not ready: ${failed.map((c) => c.error).join('; ')}` } : {}) });
  });
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await metrics.scrape();
    res.set('Content-Type', contentType).set('Cache-Control', 'no-store').send(body);
  });
  return router;
}
