// Run events in the database: the worker appends them under its claim (fenced by the attempt number,
// each step recorded once), and subscribers read them in sequence order from any replica.

import type { TrainEvent } from '@tuneql/engine';
import type { DataSource } from 'typeorm';
import { type Notifier, Topic } from '../../events/notifier.ts';
import { type KeysetSource, queryKeyset } from '../../graphql/connection.ts';
import { logger } from '../../ops/logger.ts';
import { RunEntity, type RunProgressRecord, type RunUpdate } from './run.entity.ts';
import { ClaimLostError } from './run.errors.ts';
import { RunEventEntity } from './run-event.entity.ts';

/**
 * Event types recorded once per step: a resumed attempt replays the steps after its checkpoint. Warnings
 * are not among them: each is said once, when it happens, and two at one step are both kept.
 */
const ONCE_PER_STEP = new Set(['step', 'eval', 'checkpoint', 'test']);
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** How often a subscriber looks for new events without a notification (other processes on PGlite). */
export const POLL_MS = 1_000;

/** How long a worker's event transaction may sit idle before PostgreSQL ends it. */
const STALLED_TRANSACTION_MS = 5_000;

export interface AppendResult {
  /** The stored sequence number; undefined when the step was already recorded by an earlier attempt. */
  seq: number | undefined;
  cancelRequested: boolean;
}

function etaOf(progress: RunProgressRecord | null, step: number, totalSteps: number, now: number): number | null {
  if (!progress || step <= progress.step) return progress?.etaSeconds ?? null;
  const seconds = (now - Date.parse(progress.updatedAt)) / 1000;
  const perStep = seconds / (step - progress.step);
  const fresh = perStep * (totalSteps - step);
  // Smoothed: one slow step (an evaluation) should not make the estimate jump.
  return progress.etaSeconds === null ? fresh : 0.8 * progress.etaSeconds + 0.2 * fresh;
}

export class RunEventStore {
  private readonly dataSource: DataSource;
  readonly notifier: Notifier;

  constructor(dataSource: DataSource, notifier: Notifier) {
    this.dataSource = dataSource;
    this.notifier = notifier;
  }

  /**
   * Appends `event` for `attempt`; throws ClaimLostError when the run has moved to another attempt
   * or is no longer RUNNING. Progress, best metric and test results on the run follow the event.
   */
  async append(runId: string, attempt: number, event: TrainEvent, totalSteps: number): Promise<AppendResult> {
    const result = await this.dataSource.transaction(async (m) => {
      // A worker stalled inside this transaction (stopped, swapped out) must not hold the run's row
      // lock forever: the server ends its session, and the next attempt can claim the run.
      await m.query(`SET LOCAL idle_in_transaction_session_timeout = '${STALLED_TRANSACTION_MS}ms'`);
      const rows = (await m.query('SELECT attempt, status, last_seq, cancel_requested, progress FROM runs WHERE id = $1 FOR UPDATE', [
        runId,
      ])) as { attempt: number; status: string; last_seq: number; cancel_requested: boolean; progress: RunProgressRecord | null }[];
      const run = rows[0];
      if (!run || run.attempt !== attempt || run.status !== 'RUNNING') throw new ClaimLostError(runId, attempt);
      if (ONCE_PER_STEP.has(event.type)) {
        const seen = (await m.query('SELECT 1 FROM run_events WHERE run_id = $1 AND type = $2 AND step = $3', [
          runId,
          event.type,
          event.step,
        ])) as unknown[];
        if (seen.length) return { seq: undefined, cancelRequested: run.cancel_requested };
      }
      const seq = run.last_seq + 1;
      await m.getRepository(RunEventEntity).insert({
        runId,
        seq,
        type: event.type,
        step: event.step,
        epoch: event.epoch,
        time: new Date(event.time),
        values: event.values,
        message: event.message ?? null,
        code: event.code ?? null,
        attempt,
      });
      const update: RunUpdate & { progress?: RunProgressRecord } = { lastSeq: seq };
      if (event.type === 'step' || event.type === 'started') {
        const now = Date.parse(event.time);
        update.progress = {
          step: event.step,
          totalSteps,
          epoch: event.epoch,
          etaSeconds: event.type === 'step' ? etaOf(run.progress, event.step, totalSteps, now) : (run.progress?.etaSeconds ?? null),
          updatedAt: event.time,
        };
      }
      if (event.type === 'test') update.testResults = event.values;
      // The counts are known once the strategy is applied: show them while the run trains, not only at its end.
      if (event.type === 'started') {
        const { trainable_parameters: trainable, parameters: total } = event.values;
        if (typeof trainable === 'number') update.trainableParameters = trainable;
        if (typeof total === 'number') update.totalParameters = total;
        // The rate the run trains at, as the range test found it when it was asked to: the run's settings say so.
        const lr = event.values.learning_rate;
        if (typeof lr === 'number') {
          await m.query(
            "UPDATE runs SET hyperparameters = jsonb_set(hyperparameters, '{learning_rate}', to_jsonb($2::float8)) WHERE id = $1",
            [runId, lr],
          );
        }
      }
      await m.getRepository(RunEntity).update({ id: runId }, update);
      await m.query('SELECT pg_notify($1, $2)', [Topic.RUN_EVENTS, runId]);
      return { seq, cancelRequested: run.cancel_requested };
    });
    if (result.seq !== undefined) this.notifier.publishLocal(Topic.RUN_EVENTS, runId);
    return result;
  }

  /** Stored events after `afterSeq`, in order. */
  list(
    runId: string,
    afterSeq: number,
    limit: number,
    types?: readonly string[],
    order: 'ASC' | 'DESC' = 'ASC',
  ): Promise<RunEventEntity[]> {
    const q = this.dataSource
      .getRepository(RunEventEntity)
      .createQueryBuilder('e')
      .where('e.runId = :runId AND e.seq > :afterSeq', { runId, afterSeq })
      .orderBy('e.seq', order)
      .limit(limit);
    if (types?.length) q.andWhere('e.type IN (:...types)', { types });
    return q.getMany();
  }

  /** The run's events after `afterSeq` (of `types`, when given) in sequence order, to read a page at a time. */
  listing(runId: string, filter: { types?: readonly string[]; afterSeq?: number }): KeysetSource<RunEventEntity> {
    const query = () => {
      const q = this.dataSource
        .getRepository(RunEventEntity)
        .createQueryBuilder('e')
        .where('e.runId = :runId AND e.seq > :afterSeq', { runId, afterSeq: filter.afterSeq ?? 0 });
      if (filter.types?.length) q.andWhere('e.type IN (:...types)', { types: filter.types });
      return q;
    };
    return queryKeyset({ name: 'events', alias: 'e', query, key: [{ property: 'seq', kind: 'int' }], order: 'ASC' });
  }

  /**
   * Every event after `afterSeq`, then each new one as it is stored, with no gap and no duplicate;
   * ends when the run has finished and everything is delivered, or when `signal` aborts. All
   * followers of a run share one reader of new events (RunTail); each catches up on its own first.
   */
  async *follow(runId: string, afterSeq: number, signal?: AbortSignal): AsyncGenerator<RunEventEntity> {
    let tail = this.tails.get(runId);
    if (!tail) {
      tail = new RunTail(this, runId, () => this.tails.delete(runId));
      this.tails.set(runId, tail);
    }
    const follower = tail.attach();
    const onAbort = () => follower.wake();
    signal?.addEventListener('abort', onAbort);
    let last = afterSeq;
    try {
      for (;;) {
        if (signal?.aborted) return;
        const next = follower.queue.shift();
        if (next) {
          if (next.seq <= last) continue;
          if (next.seq === last + 1) {
            last = next.seq;
            yield next;
            continue;
          }
          follower.queue.unshift(next);
        }
        if (next || !follower.caughtUp) {
          // Behind the shared reader (just attached, or a gap): read from the store directly.
          const batch = await this.list(runId, last, 500);
          for (const e of batch) {
            last = e.seq;
            yield e;
          }
          if (batch.length < 500) follower.caughtUp = true;
          continue;
        }
        if (tail.finished && tail.high <= last) return;
        await follower.waitForMore();
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      tail.detach(follower);
    }
  }

  private readonly tails = new Map<string, RunTail>();

  /** The run's status (undefined once deleted). */
  async statusOf(runId: string): Promise<string | undefined> {
    return (await this.dataSource.getRepository(RunEntity).findOne({ where: { id: runId }, select: { status: true } }))?.status;
  }
}

interface Follower {
  queue: RunEventEntity[];
  caughtUp: boolean;
  wake(): void;
  waitForMore(): Promise<void>;
}

/** One reader of a run's new events for every follower in this process: two queries per wake-up, not two per follower. */
class RunTail {
  /** The highest seq read (or present when the tail started). */
  high = -1;
  finished = false;
  private readonly followers = new Set<Follower>();
  private readonly store: RunEventStore;
  private readonly runId: string;
  private readonly onEmpty: () => void;
  private running = false;
  private wakeReader: (() => void) | undefined;
  private off: (() => void)[] = [];

  constructor(store: RunEventStore, runId: string, onEmpty: () => void) {
    this.store = store;
    this.runId = runId;
    this.onEmpty = onEmpty;
    const { notifier } = store;
    const poke = (id: string) => {
      if (id === runId) this.wakeReader?.();
    };
    this.off = [notifier.on(Topic.RUN_EVENTS, poke), notifier.on(Topic.RUN_STATUS, poke)];
  }

  attach(): Follower {
    let resolveWait: (() => void) | undefined;
    const follower: Follower = {
      queue: [],
      caughtUp: false,
      wake: () => {
        resolveWait?.();
        resolveWait = undefined;
      },
      waitForMore: () =>
        new Promise<void>((resolve) => {
          resolveWait = resolve;
        }),
    };
    this.followers.add(follower);
    if (!this.running) void this.read();
    return follower;
  }

  detach(follower: Follower): void {
    this.followers.delete(follower);
    if (!this.followers.size) {
      for (const off of this.off) off();
      this.wakeReader?.();
      this.onEmpty();
    }
  }

  private async read(): Promise<void> {
    this.running = true;
    try {
      if (this.high < 0) {
        const rows = (await this.store.list(this.runId, 0, 1, undefined, 'DESC')) as RunEventEntity[];
        this.high = rows[0]?.seq ?? 0;
      }
      while (this.followers.size) {
        const status = await this.store.statusOf(this.runId);
        const batch = await this.store.list(this.runId, this.high, 500);
        if (batch.length) {
          this.high = batch.at(-1)?.seq ?? this.high;
          for (const f of this.followers) {
            f.queue.push(...batch);
            f.wake();
          }
        }
        if (batch.length === 500) continue;
        if (status === undefined || TERMINAL.has(status)) {
          // The status was read before the batch: a final event stored in between is in the batch.
          this.finished = true;
          for (const f of this.followers) f.wake();
          return;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          this.wakeReader = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeReader = undefined;
      }
    } catch (err) {
      logger().error({ err, runId: this.runId }, `reading events of run ${this.runId} failed: ${(err as Error).message}`);
      this.finished = true;
      for (const f of this.followers) f.wake();
    } finally {
      this.running = false;
    }
  }
}
