// A run's checkpoints in storage, so that any worker on any host can resume it: each checkpoint the
// trainer writes in the worker's scratch folder is published as a tree (state, loop position, best
// weights, and the event journal up to that step) whose manifest is written last, and a resumed attempt
// downloads the newest complete one. A checkpoint cut off mid-upload has no manifest and is ignored.

import { copyFileSync, existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fetchTree, MANIFEST_SUFFIX, publishTree, removeTree } from '../storage/published-tree.ts';
import { checkpointsKey } from '../storage/run-keys.ts';
import type { Storage } from '../storage/storage.ts';

/** The event journal's name, in the scratch folder and in each published checkpoint. */
export const JOURNAL = 'events.jsonl';
/** The trainer keeps the best weights beside its checkpoints; each published checkpoint carries a copy. */
const BEST = 'best.safetensors';

export interface PublishedCheckpoint {
  attempt: number;
  /** `step-…`, as the trainer names it. */
  name: string;
  /** The tree's key in storage. */
  key: string;
}

/** Every complete checkpoint of the run's attempts up to `upTo`, newest attempt first and, within one, newest step first. */
export async function completeCheckpoints(storage: Storage, runId: string, upTo: number): Promise<PublishedCheckpoint[]> {
  const out: PublishedCheckpoint[] = [];
  const pattern = new RegExp(`^runs/${runId}/attempts/(\\d+)/checkpoints/(step-[\\d-]+)${MANIFEST_SUFFIX.replace('.', '\\.')}$`);
  for (const o of await storage.list(`runs/${runId}/attempts`)) {
    const m = pattern.exec(o.key);
    if (!m) continue;
    const attempt = Number(m[1]);
    if (attempt <= upTo) out.push({ attempt, name: m[2] as string, key: `${checkpointsKey(runId, attempt)}/${m[2]}` });
  }
  return out.sort((a, b) => b.attempt - a.attempt || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
}

/**
 * Downloads the complete checkpoints of the attempt that published `newest` (newest first) into
 * `outDir/checkpoints` as the trainer lays them out, with latest.json pointing at the newest and the
 * best weights beside them; returns the journal the newest carried. The state files are checked by
 * the trainer against the checksum in their trainer.json (itself verified here), so a damaged
 * newest checkpoint is skipped for the one before with the trainer's CHECKPOINT_DAMAGED warning.
 */
export async function fetchCheckpoint(
  storage: Storage,
  newest: PublishedCheckpoint,
  outDir: string,
  siblings: readonly PublishedCheckpoint[] = [newest],
): Promise<string | undefined> {
  const root = join(outDir, 'checkpoints');
  await mkdir(root, { recursive: true });
  let journal: string | undefined;
  const sameAttempt = siblings.filter((c) => c.attempt === newest.attempt && c.name <= newest.name);
  for (const checkpoint of sameAttempt) {
    const dir = join(root, checkpoint.name);
    await rm(dir, { recursive: true, force: true });
    const manifest = await fetchTree(storage, checkpoint.key, dir, undefined, (path) => path === 'state.safetensors');
    const has = (f: string) => manifest.files.some((x) => x.path === f);
    if (checkpoint === newest) {
      if (has(BEST)) await rename(join(dir, BEST), join(root, BEST));
      if (has(JOURNAL)) {
        journal = join(outDir, `attempt-${checkpoint.attempt}-${JOURNAL}`);
        await rename(join(dir, JOURNAL), journal);
      }
    } else {
      await rm(join(dir, BEST), { force: true });
      await rm(join(dir, JOURNAL), { force: true });
    }
  }
  await writeFile(join(root, 'latest.json'), `${JSON.stringify({ checkpoint: newest.name })}\n`);
  return journal;
}

/**
 * Publishes an attempt's checkpoints in the order written, one at a time, keeping the newest `keep`
 * in storage. Older ones are removed only after a newer one is complete, so a failure never leaves
 * the run without its last good checkpoint.
 */
export class CheckpointPublisher {
  private readonly storage: Storage;
  private readonly runId: string;
  private readonly attempt: number;
  private readonly staging: string;
  private readonly keep: number;
  private chain: Promise<void> = Promise.resolve();
  /** Set when a checkpoint could not be published after retries; later ones are not tried. */
  failure: Error | undefined;
  private readonly onFailure: (err: Error) => void;
  private readonly published: string[] = [];
  private snapshots = 0;

  constructor(options: {
    storage: Storage;
    runId: string;
    attempt: number;
    outDir: string;
    keep?: number;
    onFailure: (err: Error) => void;
  }) {
    this.storage = options.storage;
    this.runId = options.runId;
    this.attempt = options.attempt;
    this.staging = join(options.outDir, 'publishing');
    this.keep = options.keep ?? 2;
    this.onFailure = options.onFailure;
  }

  /**
   * Takes a snapshot of the checkpoint the trainer has just written (`dir`) with the journal so far,
   * synchronously, before the trainer goes on and may replace the best weights or prune the folder,
   * then queues its upload.
   */
  add(dir: string, journal: string): void {
    if (this.failure || !existsSync(join(dir, 'trainer.json'))) return;
    const name = basename(dir);
    // A folder of its own per snapshot: the trainer may write the same step twice (an evaluation's
    // checkpoint, then a cancel's), and the second must not remove the first while it uploads.
    const snapshot = join(this.staging, `${name}.${++this.snapshots}`);
    rmSync(snapshot, { recursive: true, force: true });
    mkdirSync(snapshot, { recursive: true });
    // The trainer writes each checkpoint's files once (new files, renamed into place): links are safe
    // and free. The best weights and the journal change later, so they are copied.
    for (const f of ['state.safetensors', 'trainer.json']) {
      try {
        linkSync(join(dir, f), join(snapshot, f));
      } catch {
        copyFileSync(join(dir, f), join(snapshot, f));
      }
    }
    const best = join(dir, '..', BEST);
    if (existsSync(best)) copyFileSync(best, join(snapshot, BEST));
    if (existsSync(journal)) copyFileSync(journal, join(snapshot, JOURNAL));
    this.chain = this.chain.then(() => this.publish(name, snapshot));
  }

  private async publish(name: string, snapshot: string): Promise<void> {
    if (this.failure) return;
    try {
      await publishTree(this.storage, `${checkpointsKey(this.runId, this.attempt)}/${name}`, snapshot);
      // The same step published again replaces its tree; it is still one checkpoint.
      if (!this.published.includes(name)) this.published.push(name);
      while (this.published.length > this.keep) {
        const old = this.published.shift() as string;
        await removeTree(this.storage, `${checkpointsKey(this.runId, this.attempt)}/${old}`).catch(() => undefined);
      }
    } catch (err) {
      this.failure = err as Error;
      this.onFailure(err as Error);
    } finally {
      rmSync(snapshot, { recursive: true, force: true });
    }
  }

  /** Waits for every queued checkpoint; the first failure, if any, is in `failure`. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
