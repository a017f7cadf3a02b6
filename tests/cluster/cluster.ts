// A TuneQL cluster on real containers for the multi-host suite: PostgreSQL, an S3-compatible object
// store, the API and workers, each in its own podman container (its own network namespace and
// hostname) on a private network, no volume shared. The host reaches only the API, on a loopback port.

import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, '../..');

const POSTGRES_PASSWORD = 'cluster-test';
const BUCKET = 'tuneql-cluster';

/**
 * Builds (or reuses) the images with scripts/container-images.sh (unless scripts/dev.sh has just done
 * it) and returns the environment podman needs (CONTAINERS_CONF). The script fails, never skips, when podman or an image cannot be had.
 */
export function ensureImages(): NodeJS.ProcessEnv {
  // `scripts/dev.sh test` has just run the script on this tree.
  if (process.env.TUNEQL_IMAGES_BUILT === '1' && process.env.CONTAINERS_CONF) return process.env;
  const out = execFileSync('bash', [`${REPO}/scripts/container-images.sh`], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const conf = out.match(/^export CONTAINERS_CONF=(.+)$/m)?.[1];
  if (!conf) throw new Error(`scripts/container-images.sh did not say which containers.conf to use:\n${out}`);
  return { ...process.env, CONTAINERS_CONF: conf };
}

class ContainerExited extends Error {}

export interface ClusterOptions {
  /** TUNEQL_* and other settings for the API and the workers. */
  env?: Record<string, string>;
}

export class Cluster {
  /** Names are unique per test process, so two suites on one machine do not meet. */
  readonly prefix = `tqc-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  readonly network = `${this.prefix}-net`;
  readonly workers: string[] = [];
  url = '';
  token = '';
  private started: string[] = [];
  private readonly podmanEnv: NodeJS.ProcessEnv;
  private readonly options: ClusterOptions;

  constructor(podmanEnv: NodeJS.ProcessEnv, options: ClusterOptions = {}) {
    this.podmanEnv = podmanEnv;
    this.options = options;
  }

  async podman(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run('podman', args, { env: this.podmanEnv, maxBuffer: 64 * 2 ** 20 });
      return stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`podman ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
    }
  }

  name(role: string): string {
    return `${this.prefix}-${role}`;
  }

  /** The settings every TuneQL container gets: the database and the object store, by their network aliases. */
  private tuneqlEnv(): string[] {
    const env: Record<string, string> = {
      DATABASE_URL: `postgres://postgres:${POSTGRES_PASSWORD}@postgres:5432/postgres`,
      TUNEQL_STORAGE: `s3://${BUCKET}/runs-${this.prefix}`,
      AWS_ENDPOINT_URL: 'http://objectstore:9000',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      TUNEQL_S3_FORCE_PATH_STYLE: 'true',
      ...this.options.env,
    };
    return Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  }

  private async container(role: string, args: string[]): Promise<string> {
    const name = this.name(role);
    this.started.push(name);
    await this.podman(
      'run',
      '-d',
      '--name',
      name,
      '--hostname',
      name,
      '--network',
      this.network,
      '--label',
      'tuneql.test=cluster',
      ...args,
    );
    return name;
  }

  async start(workers: number): Promise<void> {
    await this.podman('network', 'create', this.network);
    const pg = await this.container('postgres', [
      '--network-alias',
      'postgres',
      '-e',
      `POSTGRES_PASSWORD=${POSTGRES_PASSWORD}`,
      'localhost/tuneql-postgres',
    ]);
    await this.container('objectstore', ['--network-alias', 'objectstore', '-e', `TUNEQL_BUCKETS=${BUCKET}`, 'localhost/tuneql-s3rver']);
    await this.until('PostgreSQL accepts connections', async () => {
      await this.podman('exec', pg, 'pg_isready', '-q', '-h', '127.0.0.1');
      return true;
    });
    const api = await this.container('api', ['-p', '127.0.0.1::4000', ...this.tuneqlEnv(), 'localhost/tuneql', 'serve', '--workers', '0']);
    const port = (await this.podman('port', api, '4000/tcp')).split('\n')[0]?.split(':').pop();
    this.url = `http://127.0.0.1:${port}`;
    await this.until('the API answers', async () => {
      await this.mustRun(api);
      return (await this.logs(api)).includes('API on http') && (await fetch(`${this.url}/`)).ok;
    });
    this.token = (
      await this.podman('exec', api, 'tuneql', 'token', 'create', 'cluster-test', '--scope', 'read', '--scope', 'write')
    ).trim();
    for (let i = 0; i < workers; i++) await this.addWorker();
  }

  /** Starts one more worker container and waits until it polls the queue. */
  async addWorker(): Promise<string> {
    const name = await this.container(`worker-${this.workers.length + 1}`, [...this.tuneqlEnv(), 'localhost/tuneql', 'worker']);
    this.workers.push(name);
    await this.until(`${name} waits for runs`, async () => {
      await this.mustRun(name);
      return (await this.logs(name)).includes('waiting for runs');
    });
    return name;
  }

  /** Starts a stopped or killed worker container again and waits until its new process polls the queue. */
  async restartWorker(name: string): Promise<void> {
    const waits = async () => (await this.logs(name)).split('waiting for runs').length;
    const before = await waits();
    await this.podman('start', name);
    await this.until(`${name} waits for runs again`, async () => (await waits()) > before);
  }

  async logs(name: string): Promise<string> {
    const { stdout, stderr } = await run('podman', ['logs', name], { env: this.podmanEnv, maxBuffer: 64 * 2 ** 20 });
    return stdout + stderr;
  }

  /** The state podman reports: running, paused, exited... */
  async state(name: string): Promise<string> {
    return this.podman('inspect', '-f', '{{.State.Status}}', name);
  }

  /** Throws, ending any wait at once, when the container is no longer running (it exited on start). */
  private async mustRun(name: string): Promise<void> {
    const state = await this.state(name);
    if (state !== 'running') throw new ContainerExited(`${name} is ${state}`);
  }

  /** Every container's last log lines, for a failure's message. */
  async describe(): Promise<string> {
    const parts: string[] = [];
    for (const name of this.started) {
      const state = await this.state(name).catch(() => 'gone');
      const log = await this.logs(name).catch(() => '');
      parts.push(`--- ${name} (${state})\n${log.split('\n').slice(-40).join('\n')}`);
    }
    return parts.join('\n');
  }

  async until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await probe()) return;
      } catch (err) {
        if (err instanceof ContainerExited) throw new Error(`${what}: ${err.message}\n${await this.describe()}`);
        last = err;
      }
      if (Date.now() > end)
        throw new Error(`${what}: timed out (${(last as Error | undefined)?.message ?? 'no answer'})\n${await this.describe()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Removes every container and the network this cluster made. */
  async stop(): Promise<void> {
    for (const name of this.started.reverse()) await this.podman('rm', '-f', '-t', '0', name).catch(() => undefined);
    await this.podman('network', 'rm', '-f', this.network).catch(() => undefined);
  }
}
