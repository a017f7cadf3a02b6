// Run changes for subscribers: a run's row each time its status changes or its progress moves
// (at most once a second per run, so a fast run does not flood the run list).

import type { DataSource } from 'typeorm';
import { RunEntity } from '../modules/runs/run.entity.ts';
import { type Notifier, Topic } from './notifier.ts';

const PROGRESS_INTERVAL_MS = 1_000;

export async function* followRunChanges(
  dataSource: DataSource,
  notifier: Notifier,
  runId: string | undefined,
  signal?: AbortSignal,
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
  try {
    while (!signal?.aborted) {
      if (!pending.size) {
        // Bounded, so a subscription the client ended gets to its finally block without a change.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5_000);
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
        if (run) yield run;
      }
    }
  } finally {
    offStatus();
    offEvents();
    signal?.removeEventListener('abort', onAbort);
  }
}
