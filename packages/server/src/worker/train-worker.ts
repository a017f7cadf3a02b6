// A worker: claims queued runs, trains them with the run executor in a scratch folder of its own,
// publishes every checkpoint (with the event journal) and the exports to storage, writes every event
// under its claim (a newer attempt fences it out), honours cancellation within a step, and on drain
// (SIGTERM) checkpoints and hands its runs back to the queue. It needs no folder shared with others.

import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { TrainEvent } from '@tuneql/engine';
import { Topic } from '../events/notifier.ts';
import { describeError } from '../graphql/errors.ts';
import { RunEntity, type RunUpdate } from '../modules/runs/run.entity.ts';
import { ClaimLostError, RunErrorCode } from '../modules/runs/run.errors.ts';
import { type Logger, logger } from '../ops/logger.ts';
import type { JobClaim } from '../queue/run-queue.ts';
import type { Services } from '../services.ts';
import { publishTree, removeTree } from '../storage/published-tree.ts';
import { runExportKey } from '../storage/run-keys.ts';
import { progressLogger } from '../training/data-progress.ts';
import { executeRun } from '../training/execute-run.ts';
import { CheckpointPublisher, completeCheckpoints, fetchCheckpoint, JOURNAL } from './run-checkpoints.ts';
import { type RunWatch, WorkerMonitor } from './run-monitor.ts';

/** Why a run stopped early: a user's cancel, a drain (SIGTERM), a lapsed claim, events that could not be recorded, or a checkpoint that could not be stored. */
type StopReason = 'cancel' | 'drain' | 'claim-lost' | 'unrecorded' | 'storage';

interface ActiveRun {
  runId: string;
  attempt: number;
  /** Its step rates, heartbeats and progress lines. */
  watch?: RunWatch;
  controller: AbortController;
  reason: StopReason | undefined;
  done: Promise<void>;
}

/** Journaled events worth recovering: the ones recorded once per step. */
const REPLAYED = new Set(['step', 'eval', 'checkpoint', 'test']);

export class TrainWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly services: Services;
  private readonly active = new Map<string, ActiveRun>();
  private draining = false;
  /** Lines about this worker carry its workerId; lines about a run add runId and attempt. */
  private readonly log: Logger;
  private readonly monitor: WorkerMonitor;

  constructor(services: Services, log: Logger = logger()) {
    this.services = services;
    this.log = log.child({ workerId: this.id });
    this.monitor = new WorkerMonitor(services.metrics, this.id);
  }

  async start(concurrency = 1): Promise<void> {
    await this.services.queue.work(concurrency, (job, signal, claim) => this.handle(job.runId, signal, claim));
    this.log.info({ concurrency }, `${this.id} waiting for runs`);
  }

  /** Stops taking runs; running ones checkpoint, go back to QUEUED and are queued again for another worker. */
  async drain(): Promise<void> {
    this.draining = true;
    // Abort first: the queue's offWork waits for running handlers to return.
    for (const run of this.active.values()) {
      run.reason ??= 'drain';
      run.controller.abort();
    }
    await Promise.all([...this.active.values()].map((r) => r.done));
    await this.services.queue.stopWorkers();
  }

  /** Lines about one attempt of a run: the worker's fields plus runId and attempt. */
  private runLog(run: RunEntity): Logger {
    return this.log.child({ runId: run.id, attempt: run.attempt });
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

  /** Fails the run because storage refused its checkpoints or exports; the checkpoints already published stay. */
  private async failForStorage(run: RunEntity, err: Error): Promise<void> {
    await this.finish(run, {
      status: 'FAILED',
      errorCode: RunErrorCode.STORAGE_UNAVAILABLE,
      errorMessage: `storage could not be written (${err.message}); resumeRun continues from the last stored checkpoint once it is back`,
      finishedAt: new Date(),
    });
  }

  /** Sets the run's final fields, only if this attempt still holds it. */
  private async finish(run: RunEntity, fields: RunUpdate): Promise<boolean> {
    const r = await this.services.dataSource
      .getRepository(RunEntity)
      .update({ id: run.id, attempt: run.attempt, status: 'RUNNING' }, fields);
    this.services.runs.announce(run.id);
    const done = (r.affected ?? 0) > 0;
    if (done && fields.status !== 'QUEUED') this.services.runs.ended(run);
    return done;
  }

  private async handle(runId: string, claimSignal: AbortSignal, claim: JobClaim): Promise<void> {
    if (this.draining) throw new Error('worker is draining');
    const run = await this.claim(runId);
    if (!run) {
      this.log.info({ runId, jobId: claim.jobId }, `run ${runId}: nothing to do (cancelled while queued, or already finished)`);
      return;
    }
    this.services.metrics.claimLatency.observe(claim.waitedSeconds);
    const log = this.runLog(run);
    log.info(
      { jobId: claim.jobId, waitedSeconds: claim.waitedSeconds, retryCount: claim.retryCount },
      `took run ${runId} (attempt ${run.attempt}) from the queue after ${claim.waitedSeconds.toFixed(2)} s waiting`,
    );
    this.services.runs.announce(run.id);
    const controller = new AbortController();
    let resolveDone: () => void = () => {};
    const active: ActiveRun = { runId, attempt: run.attempt, controller, reason: undefined, done: new Promise((r) => (resolveDone = r)) };
    this.active.set(runId, active);
    const stop = (reason: StopReason) => {
      active.reason ??= reason;
      controller.abort();
    };
    const onClaimLost = () => {
      log.warn(
        `run ${runId}: attempt ${run.attempt} no longer holds the run (the queue took the job back: heartbeat lapsed); stopping without writing`,
      );
      stop('claim-lost');
    };
    claimSignal.addEventListener('abort', onClaimLost);
    // A cancel request is announced at once (NOTIFY, or in-process); the trainer then stops at its next step.
    const offStatus = this.services.notifier.on(Topic.RUN_STATUS, (id) => {
      if (id !== runId) return;
      this.services.dataSource
        .getRepository(RunEntity)
        .findOne({ where: { id }, select: { cancelRequested: true } })
        .then((r) => {
          if (r?.cancelRequested) stop('cancel');
        })
        .catch(() => undefined);
    });
    active.watch = this.monitor.watch({
      runId,
      attempt: run.attempt,
      log,
      heartbeat: {
        read: () => this.services.queue.lastHeartbeat(claim.jobId),
        everyMs: (this.services.settings.heartbeatSeconds * 1000) / 4,
      },
      progressEveryMs: this.services.settings.progressLogSeconds * 1000,
    });
    try {
      await this.train(run, active, stop);
    } finally {
      active.watch.stop();
      // Settling the job ends the claim too; that is not a loss.
      claimSignal.removeEventListener('abort', onClaimLost);
      offStatus();
      this.active.delete(runId);
      resolveDone();
    }
  }

  /**
   * Records what an earlier attempt journaled but did not get into the database before it died: the
   * steps between its last recorded event and the checkpoint this attempt resumes from would
   * otherwise be missing. Steps already recorded are skipped by the store.
   */
  private async replayJournal(run: RunEntity, journal: string): Promise<void> {
    if (!existsSync(journal)) return;
    let replayed = 0;
    for (const line of readFileSync(journal, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let e: TrainEvent;
      try {
        e = JSON.parse(line) as TrainEvent;
      } catch {
        continue; // a line cut off by a crash
      }
      if (!REPLAYED.has(e.type)) continue;
      const r = await this.services.events.append(run.id, run.attempt, e, run.progress?.totalSteps ?? 0);
      if (r.seq !== undefined) replayed++;
    }
    if (replayed)
      this.runLog(run).info({ replayed }, `run ${run.id}: recorded ${replayed} events an earlier attempt journaled but had not stored`);
  }

  private async train(run: RunEntity, active: ActiveRun, stop: (reason: StopReason) => void): Promise<void> {
    const { cache } = this.services;
    // Each attempt trains in its own scratch folder and publishes under its own prefix, so a worker
    // that lost its claim and goes on for a step or two cannot touch the attempt that replaced it.
    const outDir = join(cache.folder('runs', run.id), `attempt-${run.attempt}`);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    try {
      await this.trainIn(outDir, run, active, stop);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }

  private async trainIn(outDir: string, run: RunEntity, active: ActiveRun, stop: (reason: StopReason) => void): Promise<void> {
    const { runs, models, datasets, events, storage } = this.services;
    const log = this.runLog(run);
    const journal = join(outDir, JOURNAL);
    let storageFailure: Error | undefined;
    const publisher = new CheckpointPublisher({
      storage,
      runId: run.id,
      attempt: run.attempt,
      outDir,
      onFailure: (err) => {
        storageFailure = err;
        log.error({ err }, `run ${run.id}: checkpoint could not be stored (${err.message}); stopping this attempt`);
        stop('storage');
      },
    });
    let totalSteps = 0;
    // Step timing (from the trainer's event times, skipping steps that ran an evaluation).
    let stepSeconds = 0;
    let timedSteps = 0;
    let previousStep: { step: number; time: number } | undefined;
    // Events are written in order, one at a time; the trainer does not wait for them.
    let writes = Promise.resolve();
    const onEvent = (e: TrainEvent) => {
      active.watch?.onEvent(e);
      // Written before the trainer goes on, so a checkpoint never holds steps the journal lacks.
      appendFileSync(journal, `${JSON.stringify(e)}\n`);
      if (e.type === 'checkpoint' && e.message) publisher.add(e.message, journal);
      if (e.type === 'started') totalSteps = Number(e.values.total_steps ?? 0);
      if (e.type === 'step') {
        const time = Date.parse(e.time);
        if (previousStep && e.step === previousStep.step + 1) {
          stepSeconds += (time - previousStep.time) / 1000;
          timedSteps++;
        }
        previousStep = { step: e.step, time };
      } else if (e.type === 'eval') previousStep = undefined;
      writes = writes.then(async () => {
        if (active.reason === 'claim-lost') return;
        try {
          const r = await events.append(run.id, run.attempt, e, totalSteps);
          if (r.cancelRequested) stop('cancel');
          // A sweep's trial is judged at each evaluation; a poor one stops like a cancelled run.
          else if (e.type === 'eval' && r.seq !== undefined && run.sweepId && (await this.services.sweeps.judge(run, e, totalSteps)))
            stop('cancel');
        } catch (err) {
          if (err instanceof ClaimLostError) {
            log.warn(err.message);
            stop('claim-lost');
          } else {
            // The database went away or refused: stop, and hand the run back below if the claim still holds.
            log.error({ err }, `run ${run.id}: cannot record events (${(err as Error).message}); stopping this attempt`);
            stop('unrecorded');
          }
        }
      });
    };
    try {
      // The newest complete checkpoint any earlier attempt published, on whichever host it ran.
      const stored = await completeCheckpoints(storage, run.id, run.attempt - 1);
      const previous = stored[0];
      const resume = previous !== undefined;
      if (previous) {
        const previousJournal = await fetchCheckpoint(storage, previous, outDir, stored);
        if (previousJournal) await this.replayJournal(run, previousJournal);
      }
      log.info(
        { resumeFromAttempt: previous?.attempt ?? null, checkpoint: previous?.name ?? null },
        `run ${run.id} attempt ${run.attempt}${previous ? ` (resuming from its checkpoint ${previous.name}, published by attempt ${previous.attempt})` : ' (from the start)'}`,
      );
      const model = await models.get(run.modelId);
      const dataset = await datasets.get(run.datasetId);
      const spec = runs.specOf(run, dataset, await runs.localFiles(model, dataset), model.name);
      const outcome = await executeRun(spec, {
        outDir,
        exportDir: join(outDir, 'export'),
        resume,
        signal: active.controller.signal,
        onEvent,
        registry: this.services.strategies,
        // Read and tokenized in a data thread (an in-process worker shares the API's event loop), reusing a preflight's.
        datasets: this.services.preflightDatasets,
        data: this.services.data,
        onDataProgress: progressLogger(`run ${run.id}: preparing ${dataset.name}`, (line) => log.info(line)),
      });
      await writes;
      await publisher.flush();
      await this.services.dataSource.getRepository(RunEntity).update(
        { id: run.id, attempt: run.attempt },
        {
          trainableParameters: outcome.trainableParameters,
          totalParameters: outcome.totalParameters,
          meanStepSeconds: timedSteps ? stepSeconds / timedSteps : null,
          peakMemoryBytes: outcome.peakMemoryBytes,
        },
      );
      if (active.reason === 'claim-lost') return;
      log.info(
        { outcome: outcome.status, steps: outcome.steps, stopReason: active.reason ?? null },
        `run ${run.id} attempt ${run.attempt}: ${outcome.status} after step ${outcome.steps}${outcome.status === 'cancelled' ? ` (${active.reason === 'drain' || active.reason === 'unrecorded' ? 'handing it back to the queue' : 'cancelled'})` : ''}`,
      );
      if (storageFailure) {
        await this.failForStorage(run, storageFailure);
      } else if (outcome.status === 'finished' || outcome.status === 'early_stopped') {
        // The winning attempt's exports become the run's, each visible once complete.
        try {
          for (const folder of ['model', 'adapter'] as const) {
            const key = runExportKey(run.id, folder);
            await removeTree(storage, key);
            if (existsSync(join(outDir, 'export', folder))) await publishTree(storage, key, join(outDir, 'export', folder));
          }
        } catch (err) {
          log.error({ err }, `run ${run.id}: the exports could not be stored (${(err as Error).message})`);
          await this.failForStorage(run, err as Error);
          return;
        }
        // A trial judged poor at the very end has nothing left to save: it succeeded.
        await this.finish(run, {
          status: 'SUCCEEDED',
          best: outcome.best ?? null,
          errorCode: null,
          errorMessage: null,
          finishedAt: new Date(),
        });
      } else if (outcome.status === 'failed') {
        await this.finish(run, {
          status: 'FAILED',
          errorCode: RunErrorCode.TRAINING_FAILED,
          errorMessage: outcome.reason ?? 'training failed',
          finishedAt: new Date(),
        });
      } else if (active.reason === 'drain' || active.reason === 'unrecorded') {
        // Back to the queue for another worker; it resumes from the checkpoint just written.
        if (await this.finish(run, { status: 'QUEUED', workerId: null })) await this.services.queue.enqueue(run.id);
      } else {
        await this.finish(run, { status: 'CANCELLED', finishedAt: new Date() });
      }
    } catch (err) {
      await writes.catch(() => undefined);
      await publisher.flush();
      if (active.reason === 'claim-lost' || err instanceof ClaimLostError) return;
      if (storageFailure) {
        await this.failForStorage(run, storageFailure);
        return;
      }
      const d = describeError(err);
      log.error({ err }, `run ${run.id} failed: ${(err as Error).message}`);
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
    const r = await services.dataSource.getRepository(RunEntity).update(
      { id: runId, status: 'RUNNING' },
      {
        status: 'FAILED',
        errorCode: RunErrorCode.WORKER_LOST,
        errorMessage: 'the workers running it stopped responding too many times',
        finishedAt: new Date(),
      },
    );
    if (r.affected) {
      services.runs.announce(runId);
      const run = await services.dataSource.getRepository(RunEntity).findOneBy({ id: runId });
      if (run) services.runs.ended(run);
    }
  });
}
