// Crash-safe file replacement: write a temp file in the target's folder, fsync it, then rename it over the target.

import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, ioError } from './errors.ts';

/** A fully written, fsynced temp file that has not yet replaced its target. */
export interface StagedFile {
  readonly target: string;
  readonly temp: string;
  /** Renames the temp file over the target; the target's folder is fsynced so the rename survives a power cut. */
  commit(): Promise<void>;
  /** Deletes the temp file; the target is untouched. */
  discard(): Promise<void>;
}

/**
 * Writes `target`'s new contents to a temp file next to it (same folder, so the rename cannot cross file systems).
 * If `fill` throws, the temp file is removed and the error passes through; `target` is never opened.
 */
export async function stageFile(target: string, fill: (handle: FileHandle) => Promise<void>): Promise<StagedFile> {
  const folder = dirname(target);
  const temp = join(folder, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx');
  } catch (err) {
    throw ioError(target, `create a temp file in ${folder}`, err, 'check that the folder exists and is writable');
  }
  try {
    await fill(handle);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    if (err instanceof CheckpointError) throw err;
    throw ioError(target, 'write the file', err, `check free disk space in ${folder}; the previous file, if any, is unchanged`);
  }
  await handle.close();
  let settled = false;
  return {
    target,
    temp,
    async commit() {
      if (settled) return;
      try {
        await rename(temp, target);
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        settled = true;
        throw ioError(target, 'replace the file', err, 'check that the path is not a folder and the folder is writable');
      }
      settled = true;
      await syncFolder(folder);
    },
    async discard() {
      if (settled) return;
      settled = true;
      await unlink(temp).catch(() => undefined);
    },
  };
}

/** Writes and commits in one step. */
export async function writeFileAtomic(target: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
  const staged = await stageFile(target, fill);
  await staged.commit();
}

/** Writes all of `bytes` at the handle's current position; a single write may be short for large buffers. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  // Linux caps one write() at just under 2 GiB; smaller pieces also keep the event loop responsive.
  const piece = 1 << 28;
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, Math.min(piece, bytes.length - done));
    if (bytesWritten <= 0) throw new Error(`write returned ${bytesWritten} bytes`);
    done += bytesWritten;
  }
}

async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder for fsync; there the rename is as durable as the platform makes it.
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
