// A worker's own small HTTP server (TUNEQL_WORKER_PORT): /healthz, /readyz and /metrics only, so an
// orchestrator can probe a worker and Prometheus can scrape its step rates and heartbeats.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requestLogging, requestTiming } from './http-observation.ts';
import type { Logger } from './logger.ts';
import { type OpsSources, opsRoutes } from './ops-routes.ts';

export interface OpsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsSources & { host: string; port: number; log: Logger }): Promise<OpsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestTiming(options.metrics), requestLogging(options.log), opsRoutes(options));
  app.use((_req, res) => {
    res.status(404).json({ error: 'a worker serves only GET /healthz, /readyz and /metrics' });
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new Error(`the worker's health and metrics port ${options.host}:${options.port} (TUNEQL_WORKER_PORT): ${err.message}`)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
