// Storage on a local folder (the embedded default): a key is a path under the folder, and each file's
// sha256 is recorded beside the tree in `.checksums/` so reads are verified as on S3.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkKey, type Storage, StorageError, StorageErrorCode, type StoredObject, verifyingStream } from './storage.ts';

const CHECKSUMS = '.checksums';

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function temporary(file: string): string {
  return `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export class LocalFolderStorage implements Storage {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
    mkdirSync(this.root, { recursive: true });
  }

  localPath(key: string): string {
    return join(this.root, checkKey(key));
  }

  private checksumFile(key: string): string {
    return join(this.root, CHECKSUMS, checkKey(key));
  }

  async check(): Promise<void> {
    const probe = join(this.root, `.probe-${process.pid}`);
    try {
      await mkdir(this.root, { recursive: true });
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    } catch (err) {
      throw new StorageError(
        StorageErrorCode.STORAGE_MISCONFIGURED,
        `TUNEQL_STORAGE=${this.root}: the folder cannot be written (${(err as Error).message}); point TUNEQL_STORAGE at a writable folder or an s3:// URL`,
        { cause: err },
      );
    }
  }

  private async record(key: string, sha256: string): Promise<void> {
    const sum = this.checksumFile(key);
    await mkdir(dirname(sum), { recursive: true });
    await writeFile(sum, sha256);
  }

  async putFile(key: string, file: string): Promise<StoredObject> {
    const target = this.localPath(key);
    const { sha256, bytes } = await sha256File(file);
    await mkdir(dirname(target), { recursive: true });
    // Copied beside the target and renamed: a reader never sees half a file.
    const tmp = temporary(target);
    try {
      await copyFile(file, tmp);
      await this.record(key, sha256);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    return { key, bytes, sha256 };
  }

  async putBytes(key: string, data: Uint8Array | string): Promise<StoredObject> {
    const target = this.localPath(key);
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    const sha256 = createHash('sha256').update(buffer).digest('hex');
    await mkdir(dirname(target), { recursive: true });
    const tmp = temporary(target);
    await writeFile(tmp, buffer);
    await this.record(key, sha256);
    await rename(tmp, target);
    return { key, bytes: buffer.length, sha256 };
  }

  private async recorded(key: string): Promise<string | undefined> {
    return readFile(this.checksumFile(key), 'utf8').then(
      (s) => s.trim() || undefined,
      () => undefined,
    );
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const s = await stat(this.localPath(key)).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    return { key, bytes: s.size, sha256: await this.recorded(key) };
  }

  async read(key: string): Promise<NodeJS.ReadableStream> {
    const info = await this.head(key);
    if (!info) throw new StorageError(StorageErrorCode.OBJECT_NOT_FOUND, `${key} does not exist in ${this.root}`);
    return createReadStream(this.localPath(key)).pipe(verifyingStream(`${this.root}/${key}`, info.sha256));
  }

  async getFile(key: string, file: string, options: { verify?: boolean } = {}): Promise<StoredObject> {
    const info = await this.head(key);
    if (!info) throw new StorageError(StorageErrorCode.OBJECT_NOT_FOUND, `${key} does not exist in ${this.root}`);
    await mkdir(dirname(file), { recursive: true });
    const tmp = temporary(file);
    try {
      await pipeline(
        createReadStream(this.localPath(key)),
        verifyingStream(`${this.root}/${key}`, options.verify === false ? undefined : info.sha256),
        createWriteStream(tmp),
      );
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    return info;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const base = this.localPath(prefix);
    const out: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, e.name);
        if (e.isDirectory()) await walk(path);
        else if (e.isFile() && !e.name.includes('.tmp-')) {
          const key = relative(this.root, path).split('\\').join('/');
          out.push({ key, bytes: (await stat(path)).size, sha256: await this.recorded(key) });
        }
      }
    };
    await walk(base);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true, recursive: true });
    await rm(this.checksumFile(key), { force: true, recursive: true });
  }

  async removePrefix(prefix: string): Promise<void> {
    await this.remove(prefix);
  }

  /** Whether anything (file or folder) is stored at `key`. */
  exists(key: string): boolean {
    return existsSync(this.localPath(key));
  }
}
