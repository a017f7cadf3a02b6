// The storage every process shares: datasets, uploads, imported models, checkpoints, event journals and
// exports, as objects under keys like `models/ID/config.json`. A local folder or an S3-compatible
// bucket; the rest of the server sees only this interface.

import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** What is known of one stored object. */
export interface StoredObject {
  /** The key, relative to the storage's root (as the database records it). */
  key: string;
  bytes: number;
  /** Hex sha256 of the content, recorded when it was written; absent for objects written by other tools. */
  sha256: string | undefined;
}

export interface Storage {
  /** Where it is, for messages: a folder or `s3://bucket/prefix`. */
  readonly location: string;
  /** Fails with a StorageError naming the setting to fix when the storage cannot be reached or used. */
  check(): Promise<void>;
  /** Stores a local file under `key` (S3: multipart above the part size), recording its sha256. */
  putFile(key: string, file: string): Promise<StoredObject>;
  /** Stores a small value (a manifest) under `key`. */
  putBytes(key: string, data: Uint8Array | string): Promise<StoredObject>;
  /** The object's bytes as a stream; the stream fails with ChecksumMismatchError at its end if they differ from the recorded sha256. */
  read(key: string): Promise<NodeJS.ReadableStream>;
  /**
   * Downloads `key` into `file` (through a temporary file, verified, then renamed into place).
   * `verify: false` leaves the check to a reader that verifies the content end to end itself.
   */
  getFile(key: string, file: string, options?: { verify?: boolean }): Promise<StoredObject>;
  /** The object's size and recorded checksum; undefined when there is none. */
  head(key: string): Promise<StoredObject | undefined>;
  /** Every object under the folder `prefix` (keys start with `prefix/`), in key order; sha256 may be absent. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes the object; nothing happens when it does not exist. */
  remove(key: string): Promise<void>;
  /** Removes every object under the folder `prefix`. */
  removePrefix(prefix: string): Promise<void>;
  /** The local folder backend's own path for `key`, so reads on this machine need no copy; absent for remote storage. */
  localPath?(key: string): string;
  /** Releases connections (S3); the storage is not used after. */
  close?(): void;
}

export const StorageErrorCode = {
  /** The storage cannot be reached or refused the request after retries. */
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  /** The settings name a storage that does not exist or refuse the credentials. */
  STORAGE_MISCONFIGURED: 'STORAGE_MISCONFIGURED',
  OBJECT_NOT_FOUND: 'OBJECT_NOT_FOUND',
  CHECKSUM_MISMATCH: 'CHECKSUM_MISMATCH',
} as const;

export class StorageError extends Error {
  override name = 'StorageError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Bytes read back that do not hash to what was recorded when they were written. */
export class ChecksumMismatchError extends StorageError {
  override name = 'ChecksumMismatchError';
  constructor(where: string, expected: string, actual: string) {
    super(
      StorageErrorCode.CHECKSUM_MISMATCH,
      `${where}: sha256 ${actual.slice(0, 12)}… does not match the recorded ${expected.slice(0, 12)}…; the stored object is damaged (write it again)`,
    );
  }
}

/** Keys are folder-like relative paths; anything that could leave the root is refused. */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (!key || key.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..') || key.includes('\\'))
    throw new StorageError('BAD_KEY', `${JSON.stringify(key)} is not a storage key (a relative path without '..', '.' or empty parts)`);
  return key;
}

/** Passes bytes through and fails at the end when their sha256 differs from `expected` (when given). */
export function verifyingStream(where: string, expected: string | undefined): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      const actual = hash.digest('hex');
      done(expected && actual !== expected ? new ChecksumMismatchError(where, expected, actual) : undefined);
    },
  });
}

export interface RetryPolicy {
  /** Tries in all, the first included. @default 6 */
  attempts: number;
  /** The wait before the second try; it doubles after each (with jitter). @default 500 (ms) */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500 };

/**
 * Runs `op` again after failures `transient` accepts, waiting baseDelay, 2x, 4x... (plus up to 25%
 * jitter so that many workers do not retry in step). The last failure is thrown.
 */
export async function withRetry<T>(
  op: () => Promise<T>,
  transient: (err: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= policy.attempts || !transient(err)) throw err;
      const delay = policy.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random() / 4);
      onRetry?.(err, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
