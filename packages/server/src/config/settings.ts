// The server's settings: where its data lives, which database it uses, how it listens, and its limits,
// from the environment and the command line, with the embedded defaults a first run needs.

import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from '../graphql/limits.ts';

export interface ServerSettings {
  /** Data folder: the embedded database, and by default the storage and the cache. @default ./.tuneql (TUNEQL_DATA) */
  dataDir: string;
  /**
   * Where datasets, uploads, models, checkpoints, event journals and exports are stored, shared by the
   * server and every worker: a folder, or `s3://bucket/prefix` for S3-compatible object storage.
   * @default $TUNEQL_DATA/artifacts (TUNEQL_STORAGE)
   */
  storage: string;
  /** This machine's copies of stored files (models, datasets, exports) and its training scratch space. @default $TUNEQL_DATA/cache (TUNEQL_CACHE) */
  cacheDir: string;
  /** How to reach S3 storage (used only when TUNEQL_STORAGE is an s3:// URL); credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY...). */
  s3: {
    /** The S3 API's address; AWS's own when absent. (AWS_ENDPOINT_URL) */
    endpoint: string | undefined;
    /** @default us-east-1 (AWS_REGION) */
    region: string;
    /** Path-style addressing (endpoint/bucket/key), as MinIO and s3rver need. @default false (TUNEQL_S3_FORCE_PATH_STYLE) */
    forcePathStyle: boolean;
  };
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
  /**
   * Heap limit of each thread that reads, checks and tokenizes a dataset, in MiB; a file that needs more fails
   * with DATASET_INVALID and the server goes on. @default 4096 (TUNEQL_DATA_MEMORY_MB)
   */
  dataMemoryMb: number;
  /**
   * Browser origins (`scheme://host[:port]`) besides the server's own that may call uploads, downloads and open
   * WebSockets; a request from any other Origin gets 403 ORIGIN_NOT_ALLOWED. Requests without an Origin (curl,
   * scripts) always pass. `*` allows every origin. @default none (TUNEQL_ALLOWED_ORIGINS, comma-separated)
   */
  allowedOrigins: string[];
  /**
   * Host names (optionally `name:port`) besides the server's own that requests may name in their Host header;
   * any other gets 403 HOST_NOT_ALLOWED (DNS rebinding). The server's own: its bind host, and on loopback
   * localhost, 127.0.0.1 and [::1]; on 0.0.0.0 or :: also this machine's name and interface addresses. Add the
   * public name a reverse proxy forwards. `*` allows every host. @default none (TUNEQL_ALLOWED_HOSTS, comma-separated)
   */
  allowedHosts: string[];
  /**
   * How long a token lookup is cached, in seconds; also how often open WebSockets re-check their token, which
   * bounds how long a token revoked on another replica keeps working. A revocation in this process applies at
   * once. @default 5 (TUNEQL_TOKEN_CACHE_SECONDS; 0: every request reads the database)
   */
  tokenCacheSeconds: number;
  /** The largest JSON body on /graphql and the largest graphql-ws message, in bytes. @default 1 MiB (TUNEQL_MAX_REQUEST_BYTES) */
  maxRequestBytes: number;
  /**
   * Uploads that no dataset or model was made from are deleted this many hours after they arrive, by a sweep that
   * runs every few minutes (every half period when that is shorter). @default 24 (TUNEQL_UPLOAD_RETENTION_HOURS,
   * fractions allowed; 0 keeps them forever)
   */
  uploadRetentionHours: number;
  rateLimits: RateLimitSettings;
  /**
   * The memory one run may use, in bytes: createRun refuses (RUN_TOO_LARGE) a run whose estimate, with every
   * example at maxLength, exceeds it. Set it to the workers' memory when they run on other machines than the
   * API. @default this machine's total memory, or its cgroup's limit when lower (TUNEQL_RUN_MEMORY_BYTES)
   */
  runMemoryBytes: number | undefined;
}

/**
 * Request rates, counted in memory per process: with several replicas each counts on its own, so a client may
 * make up to replicas × the limit. A limit of 0 turns that limit off. Over a limit: HTTP 429 with a JSON error
 * and Retry-After, or RATE_LIMITED on a GraphQL error.
 */
export interface RateLimitSettings {
  /** GraphQL operations (HTTP requests and WebSocket operations) and downloads per minute per API token. @default 1_200 (TUNEQL_RATE_LIMIT) */
  perToken: number;
  /** The same, per client address (tokens or none). @default 2_400 (TUNEQL_RATE_LIMIT_PER_ADDRESS) */
  perAddress: number;
  /** Uploads per minute per token and per address. @default 60 (TUNEQL_UPLOAD_RATE_LIMIT) */
  uploads: number;
  /** predict calls per minute per token and per address. @default 120 (TUNEQL_PREDICT_RATE_LIMIT) */
  predict: number;
  /** predict calls running at once in this process. @default 4 (TUNEQL_MAX_CONCURRENT_PREDICTS) */
  concurrentPredicts: number;
  /** Operations (subscriptions included) in flight on one WebSocket. @default 100 (TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET) */
  subscriptionsPerSocket: number;
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

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function hours(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new SettingsError(`${name}=${value}: expected a number of hours >= 0 (fractions allowed)`);
  return n;
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
  const dataDir = resolve(overrides.dataDir ?? env.TUNEQL_DATA ?? '.tuneql');
  const storage = overrides.storage ?? (env.TUNEQL_STORAGE || join(dataDir, 'artifacts'));
  const settings: ServerSettings = {
    dataDir,
    storage: storage.startsWith('s3://') ? storage : resolve(storage),
    cacheDir: resolve(overrides.cacheDir ?? (env.TUNEQL_CACHE || join(dataDir, 'cache'))),
    s3: overrides.s3 ?? {
      endpoint: env.AWS_ENDPOINT_URL || undefined,
      region: env.AWS_REGION || 'us-east-1',
      forcePathStyle: flag(env.TUNEQL_S3_FORCE_PATH_STYLE, 'TUNEQL_S3_FORCE_PATH_STYLE', false),
    },
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
    dataMemoryMb: overrides.dataMemoryMb ?? count(env.TUNEQL_DATA_MEMORY_MB, 'TUNEQL_DATA_MEMORY_MB', 4096, 64),
    allowedOrigins: overrides.allowedOrigins ?? list(env.TUNEQL_ALLOWED_ORIGINS).map((o) => o.replace(/\/+$/, '').toLowerCase()),
    allowedHosts: overrides.allowedHosts ?? list(env.TUNEQL_ALLOWED_HOSTS).map((h) => h.toLowerCase()),
    tokenCacheSeconds: overrides.tokenCacheSeconds ?? count(env.TUNEQL_TOKEN_CACHE_SECONDS, 'TUNEQL_TOKEN_CACHE_SECONDS', 5),
    maxRequestBytes: overrides.maxRequestBytes ?? count(env.TUNEQL_MAX_REQUEST_BYTES, 'TUNEQL_MAX_REQUEST_BYTES', 2 ** 20, 1024),
    uploadRetentionHours: overrides.uploadRetentionHours ?? hours(env.TUNEQL_UPLOAD_RETENTION_HOURS, 'TUNEQL_UPLOAD_RETENTION_HOURS', 24),
    runMemoryBytes:
      'runMemoryBytes' in overrides
        ? overrides.runMemoryBytes
        : env.TUNEQL_RUN_MEMORY_BYTES
          ? count(env.TUNEQL_RUN_MEMORY_BYTES, 'TUNEQL_RUN_MEMORY_BYTES', 0, 1)
          : undefined,
    rateLimits: overrides.rateLimits ?? {
      perToken: count(env.TUNEQL_RATE_LIMIT, 'TUNEQL_RATE_LIMIT', 1_200),
      perAddress: count(env.TUNEQL_RATE_LIMIT_PER_ADDRESS, 'TUNEQL_RATE_LIMIT_PER_ADDRESS', 2_400),
      uploads: count(env.TUNEQL_UPLOAD_RATE_LIMIT, 'TUNEQL_UPLOAD_RATE_LIMIT', 60),
      predict: count(env.TUNEQL_PREDICT_RATE_LIMIT, 'TUNEQL_PREDICT_RATE_LIMIT', 120),
      concurrentPredicts: count(env.TUNEQL_MAX_CONCURRENT_PREDICTS, 'TUNEQL_MAX_CONCURRENT_PREDICTS', 4, 1),
      subscriptionsPerSocket: count(env.TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET, 'TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET', 100, 1),
    },
  };
  if (!settings.requireTokens && !isLoopback(settings.host)) {
    throw new SettingsError(
      `listening on ${settings.host} without API tokens would open the API to the network; bind to 127.0.0.1 or set TUNEQL_REQUIRE_TOKENS=true and create a token with 'tuneql token create'`,
    );
  }
  return settings;
}
