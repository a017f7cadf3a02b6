// `tuneql serve`, `tuneql worker` and `tuneql token`: the platform's processes and its API tokens.
// Server modules use decorators, so they are imported only after the decorator hook is registered.

import { parseArgs } from 'node:util';
import type { ServerSettings } from '../config/settings.ts';
import { logger } from '../ops/logger.ts';
import { registerDecoratorHook } from '../runtime/decorators.ts';

async function server() {
  registerDecoratorHook();
  return import('../index.ts');
}

function pluginList(value: string | undefined): string[] {
  return (value ?? process.env.TUNEQL_PLUGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const COMMON = {
  data: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  plugins: { type: 'string' },
} as const;

function overrides(values: { data?: string; host?: string; port?: string }): Partial<ServerSettings> {
  const o: Partial<ServerSettings> = {};
  if (values.data) o.dataDir = values.data;
  if (values.host) o.host = values.host;
  if (values.port !== undefined) o.port = Number(values.port);
  return o;
}

function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger().info({ signal }, `${signal}: checkpointing running runs and stopping (again to quit now)`);
    stop().then(
      () => {
        logger().info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger().error({ err }, `stop failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

/**
 * A server or worker that could not start says why on stderr, as the command always did, and, when
 * stdout goes to a log collector rather than a terminal, as a fatal log line too, so the collected
 * log of a process that died at start says why. Then it exits 1.
 */
export function exitLogged(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`tuneql: ${message}\n`);
  if (!process.stdout.isTTY) {
    try {
      logger().fatal({ err }, `cannot start: ${message}`);
    } catch {
      // No logger (TUNEQL_LOG_LEVEL is what is wrong): stderr has said it.
    }
  }
  process.exit(1);
}

/** Starts the API (and in-process workers); with --demo-run, fine-tunes the demo model right away. */
export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...COMMON, workers: { type: 'string' }, 'demo-run': { type: 'boolean' } } });
  const log = logger(); // a wrong TUNEQL_LOG_LEVEL stops the start here, before anything is opened
  const { bootstrap, readSettings } = await server();
  const o = overrides(values);
  if (values.workers !== undefined) o.inProcessWorkers = Number(values.workers);
  const settings = readSettings(process.env, o);
  const running = await bootstrap(settings, { plugins: pluginList(values.plugins) });
  onStop(() => running.close());
  const where = settings.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${settings.dataDir}`;
  log.info(
    { url: running.url, database: settings.databaseUrl ? 'postgresql' : 'pglite', workers: settings.inProcessWorkers },
    `API on ${running.url}/graphql (subscriptions: ${running.url.replace('http', 'ws')}/graphql); database: ${where}; health and metrics: /healthz, /readyz, /metrics`,
  );
  if (running.console) log.info(`console on ${running.url}/`);
  else log.info(`no console build in ${settings.consoleDir} (build it: pnpm --filter @tuneql/web build)`);
  if (values['demo-run']) {
    const { demoRun } = await import('./demo-run.ts');
    await demoRun(running.url);
    log.info(`still serving on ${running.url}/graphql; Ctrl-C stops`);
  }
}

export async function workerCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { ...COMMON, concurrency: { type: 'string' } } });
  logger(); // a wrong TUNEQL_LOG_LEVEL stops the start here, before anything is opened
  const { readSettings, startWorker } = await server();
  const settings = readSettings(process.env, overrides(values));
  const handle = await startWorker(settings, {
    plugins: pluginList(values.plugins),
    concurrency: values.concurrency ? Number(values.concurrency) : 1,
  });
  onStop(() => handle.close());
}

/** `tuneql token create NAME --scope read|write` prints a new token once; `tuneql token list`. */
export async function tokenCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...COMMON, scope: { type: 'string', multiple: true }, 'expires-in-days': { type: 'string' } },
  });
  const { readSettings } = await server();
  const { openDatabase, DatabaseError } = await import('../db/database.ts');
  const { AuthService } = await import('../modules/auth/auth.service.ts');
  const settings = readSettings(process.env, overrides(values));
  const open = (serveEmbedded: boolean) => openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, serveEmbedded });
  // Through a running server's embedded database, or, when none runs, by opening it here.
  const db = await open(false).catch((err: unknown) => {
    if (err instanceof DatabaseError && !settings.databaseUrl) return open(true);
    throw err;
  });
  try {
    const auth = new AuthService(db.dataSource, true);
    const [action, name] = positionals;
    if (action === 'create' && name) {
      const days = values['expires-in-days'] === undefined ? undefined : Number(values['expires-in-days']);
      if (days !== undefined && !(days > 0)) throw new Error(`--expires-in-days ${values['expires-in-days']}: give a number of days > 0`);
      const expiresAt = days === undefined ? null : new Date(Date.now() + days * 86_400_000);
      const { token, secret } = await auth.create(name, (values.scope ?? ['read']) as ('read' | 'write')[], expiresAt);
      process.stderr.write(`[tuneql] token '${token.name}' (${token.scopes.join(', ')}); shown only now:\n`);
      process.stdout.write(`${secret}\n`);
    } else if (action === 'list') {
      for (const t of await auth.list())
        process.stdout.write(
          `${t.id}  ${t.prefix}…  ${t.name}  ${t.scopes.join(',')}${t.revokedAt ? '  revoked' : ''}${t.expiresAt ? `  expires ${t.expiresAt.toISOString()}` : ''}\n`,
        );
    } else if (action === 'revoke' && name) {
      if (!(await auth.revoke(name))) throw new Error(`no token ${name}`);
    } else {
      throw new Error(
        'usage: tuneql token create NAME [--scope read] [--scope write] [--expires-in-days N] | tuneql token list | tuneql token revoke ID',
      );
    }
  } finally {
    await db.close();
  }
}
