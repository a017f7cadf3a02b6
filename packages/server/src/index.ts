// @tuneql/server: bootstrap() brings up the database, the queue, the API and (optionally) in-process
// workers; startWorker() runs a worker process against the same database.

import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerSettings } from './config/settings.ts';
import { openDatabase } from './db/database.ts';
import { type HttpServer, startHttpServer } from './http/server.ts';
import { type Logger, logger } from './ops/logger.ts';
import { type OpsServer, startOpsServer } from './ops/ops-server.ts';
import { createServices, type Services } from './services.ts';
import { failLostRuns, TrainWorker } from './worker/train-worker.ts';

export { readSettings, type ServerSettings, SettingsError } from './config/settings.ts';
export { createLogger, type Logger, logger, setLogger } from './ops/logger.ts';
export type { Services } from './services.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface Running {
  url: string;
  /** Whether the console is served at url. */
  console: boolean;
  services: Services;
  workers: TrainWorker[];
  close(): Promise<void>;
}

export interface BootstrapOptions {
  plugins?: readonly string[];
  /** Where the process logs. @default logger() (JSON lines on stdout, pretty on a terminal; TUNEQL_LOG_LEVEL) */
  log?: Logger;
}

/** Registers the project's demo model and dataset on a fresh database. */
async function registerDemo(services: Services, log: Logger): Promise<void> {
  const modelDir = join(REPO, 'models', 'austen-bert-mini');
  const dataFile = join(REPO, 'examples', 'austen', 'novels.jsonl');
  if (!existsSync(modelDir) || !existsSync(dataFile)) return;
  if (!(await services.models.findByName('austen-bert-mini'))) {
    await services.models.importDirectory('austen-bert-mini', modelDir, 'demo');
    log.info('registered the demo model austen-bert-mini');
  }
  if (!(await services.datasets.findByName('austen-novels'))) {
    const upload = await services.datasets.uploadLocalFile(dataFile, 'novels.jsonl');
    await services.datasets.create({
      name: 'austen-novels',
      uploadId: upload.id,
      task: 'sequence-classification',
      columns: { text: 'text', label: 'label' },
    });
    log.info('registered the demo dataset austen-novels');
  }
}

export async function bootstrap(settings: ServerSettings, options: BootstrapOptions = {}): Promise<Running> {
  const log = options.log ?? logger();
  const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, serveEmbedded: true });
  let services: Services | undefined;
  let http: HttpServer | undefined;
  const workers: TrainWorker[] = [];
  try {
    services = await createServices(settings, db, { plugins: options.plugins });
    if (settings.demo) await registerDemo(services, log);
    http = await startHttpServer(services);
    await failLostRuns(services);
    for (let i = 0; i < settings.inProcessWorkers; i++) {
      const worker = new TrainWorker(services, log);
      await worker.start();
      workers.push(worker);
    }
  } catch (err) {
    await http?.close().catch(() => undefined);
    if (services) await services.close().catch(() => undefined);
    else await db.close().catch(() => undefined);
    throw err;
  }
  const s = services;
  const h = http;
  return {
    url: h.url,
    console: h.console,
    services: s,
    workers,
    async close() {
      for (const w of workers) await w.drain();
      await h.close();
      await s.close();
    },
  };
}

/** A worker process: connects to the database a server uses and trains the runs it claims. */
export async function startWorker(
  settings: ServerSettings,
  options: BootstrapOptions & { concurrency?: number } = {},
): Promise<{ worker: TrainWorker; ops: OpsServer | undefined; close(): Promise<void> }> {
  const log = options.log ?? logger();
  const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, serveEmbedded: false });
  const services = await createServices(settings, db, { plugins: options.plugins });
  let ops: OpsServer | undefined;
  try {
    if (settings.workerPort !== undefined) {
      ops = await startOpsServer({
        readiness: services.readiness,
        metrics: services.metrics,
        host: settings.host,
        port: settings.workerPort,
        log,
      });
      log.info({ url: ops.url }, `worker health and metrics on ${ops.url} (/healthz, /readyz, /metrics)`);
    }
  } catch (err) {
    await services.close().catch(() => undefined);
    throw err;
  }
  const worker = new TrainWorker(services, log);
  await worker.start(options.concurrency ?? 1);
  return {
    worker,
    ops,
    async close() {
      await worker.drain();
      await ops?.close();
      await services.close();
    },
  };
}
