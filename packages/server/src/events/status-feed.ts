// Run changes for subscribers: a run's row each time its status changes or its progress moves
// (at most once a second per run, so a fast run does not flood the run list). Notifications carry
// the changes; with `poll` (the embedded database, whose socket passes no NOTIFY between processes)
// the runs are also compared every POLL_MS, so `tuneql worker` processes' changes reach subscribers.

import type { DataSource } from 'typeorm';
import { RunEntity } from '../modules/runs/run.entity.ts';
import { type Notifier, Topic } from './notifier.ts';

const PROGRESS_INTERVAL_MS = 1_000;
const POLL_MS = 2_000;

/** What a poll compares: status and progress of runs that are active or just ended. */
async function snapshot(dataSource: DataSource, runId: string | undefined): Promise<Map<string, string>> {
  const rows = (await dataSource.query(
    `SELECT id, status, last_seq FROM runs
     WHERE ($1::uuid IS NULL OR id = $1::uuid) AND (status IN ('QUEUED', 'RUNNING') OR finished_at > now() - interval '1 minute')`,
    [runId ?? null],
  )) as { id: string; status: string; last_seq: number }[];
  return new Map(rows.map((r) => [r.id, `${r.status}:${r.last_seq}`]));
}

export async function* followRunChanges(
  dataSource: DataSource,
  notifier: Notifier,
  runId: string | undefined,
  signal?: AbortSignal,
  poll = false,
): AsyncGenerator<RunEntity> {
  const pending = new Set<string>();
  const lastProgress = new Map<string, number>();
  let wake: (() => void) | undefined;
  const take = (id: string, progressOnly: boolean) => {
    if (runId && id !== runId) return;
    if (progressOnly) {
      const now = Date.now();
      if (now - (lastProgress.get(id) ?? 0) < PROGRESS_INTERVAL_MS) return;
      lastProgress.set(id, now);
    }
    pending.add(id);
    wake?.();
  };
  const offStatus = notifier.on(Topic.RUN_STATUS, (id) => take(id, false));
  const offEvents = notifier.on(Topic.RUN_EVENTS, (id) => take(id, true));
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  // The last state each run was seen or sent in, so a poll does not send again what a notification sent.
  const known = poll ? await snapshot(dataSource, runId) : new Map<string, string>();
  try {
    while (!signal?.aborted) {
      if (poll) {
        for (const [id, state] of await snapshot(dataSource, runId)) {
          const before = known.get(id);
          // Same status, later events: progress only (throttled); otherwise a change of status.
          if (before !== state) take(id, before?.split(':')[0] === state.split(':')[0]);
        }
      }
      if (!pending.size) {
        // Bounded, so a subscription the client ended gets to its finally block without a change.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, poll ? POLL_MS : 5_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        continue;
      }
      const ids = [...pending];
      pending.clear();
      for (const id of ids) {
        const run = await dataSource.getRepository(RunEntity).findOneBy({ id });
        if (!run) continue;
        // A run is sent when its status or progress moved, once, however many wake-ups said so.
        const state = `${run.status}:${run.lastSeq}`;
        if (known.get(id) === state) continue;
        known.set(id, state);
        yield run;
      }
    }
  } finally {
    offStatus();
    offEvents();
    signal?.removeEventListener('abort', onAbort);
  }
}
