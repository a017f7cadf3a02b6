// The job queue (pg-boss on the same database): one job per run attempt. Workers heartbeat their jobs;
// a job whose worker stops heartbeating is failed by the supervisor and retried by another worker,
// and one that has exhausted its retries lands on the dead-letter queue, which fails its run.

import type { ClientConfig } from 'pg';
import { PgBoss } from 'pg-boss';
import { logger } from '../ops/logger.ts';

export const TRAIN_QUEUE = 'tuneql-train';
export const LOST_QUEUE = 'tuneql-train-lost';

export interface TrainJob {
  runId: string;
}

/** The queue's side of a claim: which job, and how long it waited for a worker. */
export interface JobClaim {
  jobId: string;
  /** From the job becoming claimable (queued, or retried after a lost worker) to this claim, by the database's clock. */
  waitedSeconds: number;
  /** The job's retries so far: 0 on its first claim. */
  retryCount: number;
}

export interface RunQueueOptions {
  /** Seconds without a heartbeat before a job is taken from its worker. @default 10 */
  heartbeatSeconds: number;
  /** How often this process looks for lapsed heartbeats, in seconds. @default 2 */
  superviseSeconds?: number;
  /** How often idle workers poll for jobs, in seconds. @default 1 */
  pollSeconds?: number;
  /** Lost workers a run survives (killed, machine gone) before it goes to the dead-letter queue. @default 5 */
  retries?: number;
}

export class RunQueue {
  readonly boss: PgBoss;
  private readonly options: RunQueueOptions;

  private constructor(boss: PgBoss, options: RunQueueOptions) {
    this.boss = boss;
    this.options = options;
  }

  static async start(connection: ClientConfig, options: RunQueueOptions): Promise<RunQueue> {
    const boss = new PgBoss({
      ...(connection.connectionString
        ? { connectionString: connection.connectionString }
        : { host: connection.host, port: connection.port, user: connection.user, database: connection.database }),
      schema: 'pgboss',
      superviseIntervalSeconds: options.superviseSeconds ?? 2,
      // Lapsed heartbeats are failed by the per-queue monitor pass, which runs at most this often
      // (pg-boss's default, 60 s, would leave a dead worker's run waiting a minute).
      monitorIntervalSeconds: options.superviseSeconds ?? 2,
      max: 4,
    });
    boss.on('error', (err: Error) => logger().error({ err: err.message }, `queue (pg-boss): ${err.message}`));
    await boss.start();
    await boss.createQueue(LOST_QUEUE).catch(ignoreExists);
    await boss
      .createQueue(TRAIN_QUEUE, {
        retryLimit: options.retries ?? 5,
        retryDelay: 0,
        heartbeatSeconds: options.heartbeatSeconds,
        expireInSeconds: 24 * 3600 - 60,
        deadLetter: LOST_QUEUE,
      })
      .catch(ignoreExists);
    return new RunQueue(boss, options);
  }

  /** Queues an attempt of `runId`; returns the job id. */
  async enqueue(runId: string): Promise<string> {
    const id = await this.boss.send(TRAIN_QUEUE, { runId } satisfies TrainJob);
    if (!id) throw new Error(`run ${runId} could not be queued`);
    return id;
  }

  /**
   * Runs `handler` for each job, `concurrency` at a time; the signal aborts when the job's claim is
   * gone (its heartbeat lapsed and another worker may hold it).
   */
  async work(concurrency: number, handler: (job: TrainJob, signal: AbortSignal, claim: JobClaim) => Promise<void>): Promise<string> {
    return this.boss.work<
      TrainJob,
      unknown,
      { localConcurrency: number; pollingIntervalSeconds: number; batchSize: 1; includeMetadata: true }
    >(
      TRAIN_QUEUE,
      { localConcurrency: concurrency, pollingIntervalSeconds: this.options.pollSeconds ?? 1, batchSize: 1, includeMetadata: true },
      async (jobs) => {
        for (const job of jobs) {
          const waitedSeconds = Math.max(0, (job.startedOn.getTime() - job.startAfter.getTime()) / 1000);
          await handler(job.data, job.signal, { jobId: job.id, waitedSeconds, retryCount: job.retryCount });
        }
      },
    );
  }

  /** When the queue last recorded a heartbeat for a job (its claim counts as the first); undefined once the job is gone. */
  async lastHeartbeat(jobId: string): Promise<Date | undefined> {
    const job = await this.boss.getJobById(TRAIN_QUEUE, jobId);
    return job?.heartbeatOn ?? undefined;
  }

  /** The training queue's jobs waiting for a worker and held by one. */
  async jobCounts(): Promise<{ queued: number; active: number }> {
    const queue = await this.boss.getQueue(TRAIN_QUEUE);
    return { queued: queue?.queuedCount ?? 0, active: queue?.activeCount ?? 0 };
  }

  /** Runs `handler` for runs whose jobs ran out of retries. */
  async onLost(handler: (job: TrainJob) => Promise<void>): Promise<void> {
    await this.boss.work<TrainJob>(LOST_QUEUE, { pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) await handler(job.data);
    });
  }

  async stopWorkers(): Promise<void> {
    await this.boss.offWork(TRAIN_QUEUE).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 30_000 });
  }
}

function ignoreExists(err: unknown): void {
  if (!/already exists/i.test((err as Error).message)) throw err;
}
