// The services one server or worker process holds, built once at start and shared by resolvers,
// HTTP routes and workers.

import { createRegistry, type StrategyRegistry } from '@tuneql/adapters';
import { DataThreads } from '@tuneql/engine';
import type { DataSource } from 'typeorm';
import type { ServerSettings } from './config/settings.ts';
import type { Database } from './db/database.ts';
import { Notifier } from './events/notifier.ts';
import { followRunChanges } from './events/status-feed.ts';
import { ArtifactService } from './modules/artifacts/artifact.service.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { DatasetService } from './modules/datasets/dataset.service.ts';
import { ModelService } from './modules/models/model.service.ts';
import type { RunEntity } from './modules/runs/run.entity.ts';
import { RunService } from './modules/runs/run.service.ts';
import { RunEventStore } from './modules/runs/run-events.service.ts';
import { SweepService } from './modules/sweeps/sweep.service.ts';
import { logger } from './ops/logger.ts';
import { databaseMetricSources } from './ops/metric-sources.ts';
import { Metrics } from './ops/metrics.ts';
import { ReadinessChecks } from './ops/readiness.ts';
import { RunQueue } from './queue/run-queue.ts';
import { openStorage } from './storage/open-storage.ts';
import type { Storage } from './storage/storage.ts';
import { StorageCache } from './storage/storage-cache.ts';
import { DatasetCache } from './training/prepare-run.ts';
import { runMemoryLimit } from './training/run-memory.ts';

export interface Services {
  settings: ServerSettings;
  db: Database;
  dataSource: DataSource;
  /** Where every stored file lives (TUNEQL_STORAGE); `storage.check()` says whether it can be used (for readiness checks). */
  storage: Storage;
  /** This machine's copies of stored files (TUNEQL_CACHE). */
  cache: StorageCache;
  notifier: Notifier;
  queue: RunQueue;
  strategies: StrategyRegistry;
  auth: AuthService;
  models: ModelService;
  datasets: DatasetService;
  runs: RunService;
  events: RunEventStore;
  /** Hyperparameter sweeps: their trials are runs, advanced by whichever process sees one end. */
  sweeps: SweepService;
  artifacts: ArtifactService;
  /** What /readyz checks; a dependency adds its own with one line: `readiness.add('storage', () => store.check())`. */
  readiness: ReadinessChecks;
  /** This process's Prometheus metrics (/metrics). */
  metrics: Metrics;
  /** Worker threads that read, check and tokenize datasets, so this event loop only routes. */
  data: DataThreads;
  /** Datasets kept tokenized (packed) between preflight estimates and this process's runs. */
  preflightDatasets: DatasetCache;
  statusFeed(runId: string | undefined, signal?: AbortSignal): AsyncGenerator<RunEntity>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Strategy plugins to load by package name or path (TUNEQL_PLUGINS, comma-separated). */
  plugins?: readonly string[];
}

export async function createServices(settings: ServerSettings, db: Database, options: ServiceOptions = {}): Promise<Services> {
  const { dataSource } = db;
  const storage = openStorage(settings, (line) => logger().warn({ storage: settings.storage }, `storage: ${line}`));
  // A storage that cannot be used fails the start, with the setting to fix, rather than the first run.
  await storage.check();
  const cache = new StorageCache(storage, settings.cacheDir);
  const notifier = new Notifier();
  // The embedded database does not pass notifications between connections; see events/notifier.ts.
  await notifier.listen(db.embedded ? undefined : db.connection);
  const queue = await RunQueue.start(db.connection, { heartbeatSeconds: settings.heartbeatSeconds, retries: settings.runRetries });
  const strategies = createRegistry();
  for (const plugin of options.plugins ?? []) await strategies.load(plugin);
  const models = new ModelService(dataSource, cache);
  const data = new DataThreads({ maxMemoryMb: settings.dataMemoryMb, memorySetting: 'TUNEQL_DATA_MEMORY_MB' });
  const datasets = new DatasetService(dataSource, cache, data);
  const readiness = new ReadinessChecks().add('database', () => dataSource.query('SELECT 1')).add('storage', () => storage.check());
  const metrics = new Metrics(databaseMetricSources(dataSource, queue));
  const preflightDatasets = new DatasetCache();
  const runs = new RunService({
    dataSource,
    cache,
    notifier,
    queue,
    models,
    datasets,
    strategies,
    memoryLimit: runMemoryLimit(settings.runMemoryBytes),
    data,
    preparedData: preflightDatasets,
  });
  const services: Services = {
    settings,
    db,
    dataSource,
    storage,
    cache,
    notifier,
    queue,
    strategies,
    auth: new AuthService(dataSource, settings.requireTokens, settings.tokenCacheSeconds),
    models,
    datasets,
    runs,
    sweeps: new SweepService({ dataSource, runs, strategies }),
    events: new RunEventStore(dataSource, notifier),
    artifacts: new ArtifactService(dataSource, cache),
    readiness,
    metrics,
    data,
    preflightDatasets,
    statusFeed: (runId, signal) => followRunChanges(dataSource, notifier, runId, signal, db.embedded),
    async close() {
      await queue.stop().catch(() => undefined);
      await data.close();
      await notifier.close();
      await db.close();
      storage.close?.();
    },
  };
  return services;
}
