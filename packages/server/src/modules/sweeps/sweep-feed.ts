// A sweep's changes for subscribers: the sweep each time its status, its promoted trial or any trial's
// status or progress moves. Run notifications wake it; a poll catches changes made by processes whose
// notifications do not reach this one (the embedded database's workers).

import type { DataSource } from 'typeorm';
import { type Notifier, Topic } from '../../events/notifier.ts';
import { SweepEntity } from './sweep.entity.ts';

const POLL_MS = 1_000;

/** What a change is measured by: the sweep's status and winner, and each trial's status and last event. */
async function snapshot(dataSource: DataSource, sweepId: string): Promise<string> {
  const rows = (await dataSource.query(
    `SELECT s.status, s.best_run_id, coalesce(string_agg(r.status || ':' || r.last_seq, ',' ORDER BY r.sweep_trial), '') AS trials
     FROM sweeps s LEFT JOIN runs r ON r.sweep_id = s.id WHERE s.id = $1 GROUP BY s.id`,
    [sweepId],
  )) as { status: string; best_run_id: string | null; trials: string }[];
  const r = rows[0];
  return r ? `${r.status}|${r.best_run_id}|${r.trials}` : '';
}

/** The sweep now, then after each change; ends after the sweep's last change (it ended) or when `signal` aborts. */
export async function* followSweep(
  dataSource: DataSource,
  notifier: Notifier,
  sweepId: string,
  signal?: AbortSignal,
): AsyncGenerator<SweepEntity> {
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const offStatus = notifier.on(Topic.RUN_STATUS, poke);
  const offEvents = notifier.on(Topic.RUN_EVENTS, poke);
  signal?.addEventListener('abort', poke);
  let known: string | undefined;
  try {
    while (!signal?.aborted) {
      const state = await snapshot(dataSource, sweepId);
      if (state !== known) {
        known = state;
        const sweep = await dataSource.getRepository(SweepEntity).findOneBy({ id: sweepId });
        if (!sweep) return;
        yield sweep;
        if (sweep.status !== 'RUNNING') return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    offStatus();
    offEvents();
    signal?.removeEventListener('abort', poke);
  }
}
