// The server's settings: where its data lives, which database it uses, how it listens, and its limits,
// from the environment and the command line, with the embedded defaults a first run needs.

import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../graphql/limits.ts';

export interface ServerSettings {
  /** Data folder: the embedded database, artifacts, uploads. @default ./.tuneql (TUNEQL_DATA) */
  dataDir: string;
  /** A PostgreSQL connection string; the embedded PGlite database when absent. (DATABASE_URL) */
  databaseUrl: string | undefined;
  /** @default 127.0.0.1 (TUNEQL_HOST) */
  host: string;
  /** @default 4000 (TUNEQL_PORT); 0 picks a free port */
  port: number;
  /** Requests without a token are refused. Off by default only when bound to loopback. (TUNEQL_REQUIRE_TOKENS) */
  requireTokens: boolean;
  /** Workers run inside the server process. @default 1 (TUNEQL_WORKERS) */
  inProcessWorkers: number;
  /** The largest dataset or model archive accepted, in bytes. @default 512 MiB (TUNEQL_MAX_UPLOAD_BYTES) */
  maxUploadBytes: number;
  /** Introspection queries allowed. @default true (TUNEQL_INTROSPECTION) */
  introspection: boolean;
  limits: QueryLimits;
  /** Register the project's demo model and dataset on first start. @default true (TUNEQL_DEMO) */
  demo: boolean;
  /** The console's production build (a static export) served at /, when the folder exists. @default packages/web/out (TUNEQL_CONSOLE_DIR) */
  consoleDir: string;
  /**
   * Server folders that importModelFromDirectory may read (the API cannot name any other path).
   * @default the project's models/ folder (TUNEQL_MODEL_DIRS, separated by ':')
   */
  modelDirs: string[];
  /** Workers a run may lose (killed, machine gone) before it is failed with WORKER_LOST. @default 5 (TUNEQL_RUN_RETRIES) */
  runRetries: number;
  /** How long a worker's claim on a run lives without a heartbeat, in seconds. @default 10 (TUNEQL_HEARTBEAT_SECONDS; pg-boss's minimum) */
  heartbeatSeconds: number;
  /**
   * `tuneql worker` serves /healthz, /readyz and /metrics on this port (on `host`), for an orchestrator's
   * probes and Prometheus; 0 picks a free port. @default off (TUNEQL_WORKER_PORT)
   */
  workerPort: number | undefined;
  /** How often a worker logs a running run's progress (step/total, loss, steps/s), in seconds. @default 30 (TUNEQL_PROGRESS_LOG_SECONDS) */
  progressLogSeconds: number;
}

const PROJECT_MODELS = fileURLToPath(new URL('../../../../models', import.meta.url));
const CONSOLE_BUILD = fileURLToPath(new URL('../../../web/out', import.meta.url));

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

function flag(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new SettingsError(`${name}=${value}: expected true or false`);
}

function count(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SettingsError(`${name}=${value}: expected a whole number >= ${min}`);
  return n;
}

/** Settings from `env` with `overrides` (command-line flags) on top. */
export function readSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerSettings> = {}): ServerSettings {
  const host = overrides.host ?? env.TUNEQL_HOST ?? '127.0.0.1';
  const settings: ServerSettings = {
    dataDir: resolve(overrides.dataDir ?? env.TUNEQL_DATA ?? '.tuneql'),
    databaseUrl: overrides.databaseUrl ?? (env.DATABASE_URL || undefined),
    host,
    port: overrides.port ?? count(env.TUNEQL_PORT, 'TUNEQL_PORT', 4000),
    requireTokens: overrides.requireTokens ?? flag(env.TUNEQL_REQUIRE_TOKENS, 'TUNEQL_REQUIRE_TOKENS', !isLoopback(host)),
    inProcessWorkers: overrides.inProcessWorkers ?? count(env.TUNEQL_WORKERS, 'TUNEQL_WORKERS', 1),
    maxUploadBytes: overrides.maxUploadBytes ?? count(env.TUNEQL_MAX_UPLOAD_BYTES, 'TUNEQL_MAX_UPLOAD_BYTES', 512 * 2 ** 20, 1),
    introspection: overrides.introspection ?? flag(env.TUNEQL_INTROSPECTION, 'TUNEQL_INTROSPECTION', true),
    limits: overrides.limits ?? DEFAULT_QUERY_LIMITS,
    demo: overrides.demo ?? flag(env.TUNEQL_DEMO, 'TUNEQL_DEMO', true),
    modelDirs:
      overrides.modelDirs ??
      (env.TUNEQL_MODEL_DIRS ? env.TUNEQL_MODEL_DIRS.split(':').filter(Boolean) : [PROJECT_MODELS]).map((d) => resolve(d)),
    consoleDir: resolve(overrides.consoleDir ?? env.TUNEQL_CONSOLE_DIR ?? CONSOLE_BUILD),
    runRetries: overrides.runRetries ?? count(env.TUNEQL_RUN_RETRIES, 'TUNEQL_RUN_RETRIES', 5),
    heartbeatSeconds: overrides.heartbeatSeconds ?? count(env.TUNEQL_HEARTBEAT_SECONDS, 'TUNEQL_HEARTBEAT_SECONDS', 10, 10),
    workerPort:
      'workerPort' in overrides
        ? overrides.workerPort
        : env.TUNEQL_WORKER_PORT
          ? count(env.TUNEQL_WORKER_PORT, 'TUNEQL_WORKER_PORT', 0)
          : undefined,
    progressLogSeconds: overrides.progressLogSeconds ?? count(env.TUNEQL_PROGRESS_LOG_SECONDS, 'TUNEQL_PROGRESS_LOG_SECONDS', 30, 1),
  };
  if (!settings.requireTokens && !isLoopback(settings.host)) {
    throw new SettingsError(
      `listening on ${settings.host} without API tokens would open the API to the network; bind to 127.0.0.1 or set TUNEQL_REQUIRE_TOKENS=true and create a token with 'tuneql token create'`,
    );
  }
  return settings;
}
