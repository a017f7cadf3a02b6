// This machine's copies of stored objects (TUNEQL_CACHE): files by their sha256 and trees (models,
// exports) by the hash of their manifest, so a worker downloads a model once however many runs use it.
// With the local folder storage nothing is copied: reads go to the folder itself.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readManifest } from './published-tree.ts';
import { ChecksumMismatchError, type Storage, StorageError, StorageErrorCode } from './storage.ts';

export class StorageCache {
  readonly storage: Storage;
  readonly dir: string;
  /** Downloads in flight in this process, by destination, so concurrent callers share one. */
  private readonly pending = new Map<string, Promise<string>>();

  constructor(storage: Storage, dir: string) {
    this.storage = storage;
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  /** A folder of the cache, created if needed. */
  folder(...parts: string[]): string {
    const dir = join(this.dir, ...parts);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A new empty folder for one job's temporary files; the caller removes it. */
  tmpDir(label: string): Promise<string> {
    return mkdtemp(join(this.folder('tmp'), `${label}-`));
  }

  private once(dest: string, make: () => Promise<string>): Promise<string> {
    let job = this.pending.get(dest);
    if (!job) {
      job = make().finally(() => this.pending.delete(dest));
      this.pending.set(dest, job);
    }
    return job;
  }

  /** A local copy of the object `key`, verified; the object itself with the local folder storage. */
  async file(key: string): Promise<string> {
    if (this.storage.localPath) {
      const path = this.storage.localPath(key);
      if (!existsSync(path)) throw new StorageError(StorageErrorCode.OBJECT_NOT_FOUND, `${key} does not exist in ${this.storage.location}`);
      return path;
    }
    const info = await this.storage.head(key);
    if (!info) throw new StorageError(StorageErrorCode.OBJECT_NOT_FOUND, `${key} does not exist in ${this.storage.location}`);
    if (info.sha256) return this.blob(key, info.sha256);
    // Objects without a recorded checksum (written by other tools) cannot be kept by content: fetched each time.
    const dest = join(this.folder('objects'), hashOf(key));
    await this.storage.getFile(key, dest);
    return dest;
  }

  private blob(key: string, sha256: string): Promise<string> {
    const dest = join(this.folder('blobs'), sha256);
    if (existsSync(dest)) return Promise.resolve(dest);
    return this.once(dest, async () => {
      const got = await this.storage.getFile(key, dest);
      if (got.sha256 !== sha256) {
        await rm(dest, { force: true });
        throw new ChecksumMismatchError(`${this.storage.location}/${key}`, sha256, got.sha256 ?? '?');
      }
      return dest;
    });
  }

  /** Keeps a file this process has just stored (an upload) as the cache's copy of its content. */
  async adopt(file: string, sha256: string): Promise<void> {
    if (this.storage.localPath) return rm(file, { force: true });
    const dest = join(this.folder('blobs'), sha256);
    if (existsSync(dest)) return rm(file, { force: true });
    await rename(file, dest);
  }

  /** A local folder holding the complete tree `prefix` (a model, an export); the folder itself with the local storage. */
  async tree(prefix: string): Promise<string> {
    if (this.storage.localPath) {
      const path = this.storage.localPath(prefix);
      if (!existsSync(path))
        throw new StorageError(StorageErrorCode.OBJECT_NOT_FOUND, `${prefix} does not exist in ${this.storage.location}`);
      return path;
    }
    const manifest = await readManifest(this.storage, prefix);
    if (!manifest)
      throw new StorageError(
        StorageErrorCode.OBJECT_NOT_FOUND,
        `${this.storage.location}/${prefix} does not exist or is incomplete (no manifest)`,
      );
    const id = hashOf(JSON.stringify(manifest.files.map((f) => [f.path, f.sha256])));
    const dest = join(this.folder('trees'), id);
    if (existsSync(dest)) return dest;
    return this.once(dest, async () => {
      const tmp = `${dest}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      try {
        for (const f of manifest.files) {
          const blob = await this.blob(`${prefix}/${f.path}`, f.sha256);
          const target = join(tmp, f.path);
          await mkdir(dirname(target), { recursive: true });
          // Linked, not copied: the blob and the tree file share the disk space.
          await link(blob, target).catch(() => copyFile(blob, target));
        }
        await rename(tmp, dest).catch((err: unknown) => {
          // Another process assembled the same tree first.
          if (!existsSync(dest)) throw err;
        });
        return dest;
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
  }
}

function hashOf(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}
