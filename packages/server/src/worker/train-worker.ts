// A worker: claims queued runs, trains them with the run executor, writes every event under its
// claim (a newer attempt fences it out), honours cancellation within a step, and on drain (SIGTERM)
// checkpoints and hands its runs back to the queue.

import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TrainEvent } from '@tuneql/engine';
import { describeError } from '../graphql/errors.ts';
import { RunEntity, type RunUpdate } from '../modules/runs/run.entity.ts';
import { ClaimLostError, RunErrorCode } from '../modules/runs/run.errors.ts';
import type { Services } from '../services.ts';
import { executeRun } from '../training/execute-run.ts';

type StopReason = 'cancel' | 'drain' | 'claim-lost';

interface ActiveRun {
  runId: string;
  attempt: number;
  controller: AbortController;
  reason: StopReason | undefined;
  done: Promise<void>;
}

function hasCheckpoint(outDir: string): boolean {
  const dir = join(outDir, 'checkpoints');
  return existsSync(dir) && readdirSync(dir).some((n) => n.startsWith('step-'));
}

export class TrainWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly services: Services;
  private readonly active = new Map<string, ActiveRun>();
  private draining = false;
  private readonly log: (line: string) => void;

  constructor(services: Services, log: (line: string) => void = (l) => process.stderr.write(`[worker ${process.pid}] ${l}\n`)) {
    this.services = services;
    this.log = log;
  }

  async start(concurrency = 1): Promise<void> {
    await this.services.queue.work(concurrency, (job, signal) => this.handle(job.runId, signal));
    this.log(`${this.id} waiting for runs`);
  }

  /** Stops taking runs; running ones checkpoint, go back to QUEUED and are queued again for another worker. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.services.queue.stopWorkers();
    for (const run of this.active.values()) {
      run.reason ??= 'drain';
      run.controller.abort();
    }
    await Promise.all([...this.active.values()].map((r) => r.done));
  }

  private async claim(runId: string): Promise<RunEntity | undefined> {
    const rows = (await this.services.dataSource.query(
      `UPDATE runs SET attempt = attempt + 1, status = 'RUNNING', worker_id = $2, started_at = coalesce(started_at, now())
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') AND NOT cancel_requested RETURNING id`,
      [runId, this.id],
    )) as [unknown[], number] | unknown[];
    const updated = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : (rows as unknown[]);
    if (!updated.length) {
      // Cancelled while queued, deleted, or already finished: nothing to do.
      await this.services.dataSource.query(
        `UPDATE runs SET status = 'CANCELLED', finished_at = now() WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') AND cancel_requested`,
        [runId],
      );
      return undefined;
    }
    return (await this.services.dataSource.getRepository(RunEntity).findOneBy({ id: runId })) ?? undefined;
  }

  /** Sets the run's final fields, only if this attempt still holds it. */
  private async finish(run: RunEntity, fields: RunUpdate): Promise<boolean> {
    const r = await this.services.dataSource.getRepository(RunEntity).update({ id: run.id, attempt: run.attempt, status: 'RUNNING' }, fields);
    this.services.runs.announce(run.id);
    return (r.affected ?? 0) > 0;
  }

  private async handle(runId: string, claimSignal: AbortSignal): Promise<void> {
    if (this.draining) throw new Error('worker is draining');
    const run = await this.claim(runId);
    if (!run) return;
    this.services.runs.announce(run.id);
    const controller = new AbortController();
    let resolveDone: () => void = () => {};
    const active: ActiveRun = { runId, attempt: run.attempt, controller, reason: undefined, done: new Promise((r) => (resolveDone = r)) };
    this.active.set(runId, active);
    const stop = (reason: StopReason) => {
      active.reason ??= reason;
      controller.abort();
    };
    claimSignal.addEventListener('abort', () => stop('claim-lost'));
    try {
      await this.train(run, active, stop);
    } finally {
      this.active.delete(runId);
      resolveDone();
    }
  }

  private async train(run: RunEntity, active: ActiveRun, stop: (reason: StopReason) => void): Promise<void> {
    const { runs, models, datasets, events, store } = this.services;
    const outDir = store.runDir(run.id);
    const resume = hasCheckpoint(outDir);
    this.log(`run ${run.id} attempt ${run.attempt}${resume ? ' (resuming from its checkpoint)' : ''}`);
    let totalSteps = 0;
    // Events are written in order, one at a time; the trainer does not wait for them.
    let writes = Promise.resolve();
    const onEvent = (e: TrainEvent) => {
      if (e.type === 'started') totalSteps = Number(e.values.total_steps ?? 0);
      writes = writes.then(async () => {
        if (active.reason === 'claim-lost') return;
        try {
          const r = await events.append(run.id, run.attempt, e, totalSteps);
          if (r.cancelRequested) stop('cancel');
        } catch (err) {
          if (err instanceof ClaimLostError) {
            this.log(err.message);
            stop('claim-lost');
          } else throw err;
        }
      });
    };
    try {
      const spec = runs.specOf(run, await models.get(run.modelId), await datasets.get(run.datasetId));
      const outcome = await executeRun(spec, {
        outDir,
        resume,
        signal: active.controller.signal,
        onEvent,
        registry: this.services.strategies,
      });
      await writes;
      await this.services.dataSource.getRepository(RunEntity).update(
        { id: run.id, attempt: run.attempt },
        { trainableParameters: outcome.trainableParameters, totalParameters: outcome.totalParameters },
      );
      if (active.reason === 'claim-lost') return;
      if (outcome.status === 'finished' || outcome.status === 'early_stopped') {
        await this.finish(run, { status: 'SUCCEEDED', best: outcome.best ?? null, finishedAt: new Date() });
      } else if (outcome.status === 'failed') {
        await this.finish(run, { status: 'FAILED', errorCode: RunErrorCode.TRAINING_FAILED, errorMessage: outcome.reason ?? 'training failed', finishedAt: new Date() });
      } else if (active.reason === 'drain') {
        // Back to the queue for another worker; it resumes from the checkpoint just written.
        if (await this.finish(run, { status: 'QUEUED', workerId: null })) await this.services.queue.enqueue(run.id);
      } else {
        await this.finish(run, { status: 'CANCELLED', finishedAt: new Date() });
      }
    } catch (err) {
      await writes.catch(() => undefined);
      if (active.reason === 'claim-lost' || err instanceof ClaimLostError) return;
      const d = describeError(err);
      this.log(`run ${run.id} failed: ${(err as Error).message}`);
      await this.finish(run, {
        status: 'FAILED',
        errorCode: d?.code ?? RunErrorCode.TRAINING_FAILED,
        errorMessage: d?.message ?? (err as Error).message,
        finishedAt: new Date(),
      });
    }
  }
}

/** Fails runs whose jobs used up their retries (workers kept dying on them). */
export async function failLostRuns(services: Services): Promise<void> {
  await services.queue.onLost(async ({ runId }) => {
    const r = await services.dataSource
      .getRepository(RunEntity)
      .update({ id: runId, status: 'RUNNING' }, { status: 'FAILED', errorCode: RunErrorCode.WORKER_LOST, errorMessage: 'the workers running it stopped responding too many times', finishedAt: new Date() });
    if (r.affected) services.runs.announce(runId);
  });
}
