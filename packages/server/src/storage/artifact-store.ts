// The artifact store: run folders (checkpoints, exports), uploaded files and imported models, on a
// local folder. Paths stored in the database are relative to its root, so the folder can move.

import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

export class ArtifactStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  /** The absolute path of a stored relative path; refuses one that leaves the store. */
  resolve(path: string): string {
    const abs = resolve(this.root, path);
    const rel = relative(this.root, abs);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${path} is outside the artifact store`);
    return abs;
  }

  relative(abs: string): string {
    return relative(this.root, abs);
  }

  /** A folder of the store, created if needed. */
  dir(...parts: string[]): string {
    const dir = this.resolve(join(...parts));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  runDir(runId: string): string {
    return this.dir('runs', runId);
  }

  async remove(path: string): Promise<void> {
    await rm(this.resolve(path), { recursive: true, force: true });
  }
}

/** One attempt's folder of a run: its checkpoints, its event journal, its exports until the run succeeds. */
export function attemptDir(store: ArtifactStore, runId: string, attempt: number): string {
  return store.dir('runs', runId, 'attempts', String(attempt));
}

/** The exports of a run that succeeded: model/ and, for strategies with their own files, adapter/. */
export function runExportDir(store: ArtifactStore, runId: string): string {
  return join(store.runDir(runId), 'export');
}
