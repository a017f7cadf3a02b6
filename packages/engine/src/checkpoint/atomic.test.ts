// Crash safety: a write that fails part-way leaves the previous file or checkpoint folder exactly as it was.

import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CheckpointError } from './errors.ts';
import { loadCheckpoint, saveCheckpoint } from './hf.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import { fixture, sha256, tempDir } from './test-fixtures.ts';

// Fails the Nth FileHandle.write from now on (counting from 1), as a full disk or an I/O error would.
const failure = vi.hoisted(() => ({ afterWrites: Number.POSITIVE_INFINITY, writes: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof real.open>): Promise<FileHandle> => {
    const handle = await real.open(...args);
    // FileHandle methods need the real handle as `this`, so wrap rather than subclass.
    return new Proxy(handle, {
      get(target, key) {
        if (key === 'write') {
          return (...a: unknown[]) => {
            failure.writes++;
            if (failure.writes >= failure.afterWrites)
              return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
            return (target.write as (...b: unknown[]) => unknown)(...a);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return { ...real, open, default: { ...real, open } };
});

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  failure.afterWrites = Number.POSITIVE_INFINITY;
  failure.writes = 0;
});
afterEach(() => {
  failure.afterWrites = Number.POSITIVE_INFINITY;
  cleanup();
});

const failOnWrite = (n: number) => {
  failure.writes = 0;
  failure.afterWrites = n;
};

const twoTensors = {
  a: { shape: [1000], data: new Float32Array(1000).fill(1) },
  b: { dtype: 'BF16' as const, shape: [1000], data: new Float32Array(1000).fill(2) },
};

describe('writeSafetensors', () => {
  it('a write failing part-way leaves the previous file intact and no temp file behind', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, { old: { shape: [2], data: new Float32Array([7, 8]) } });
    const before = readFileSync(path);

    // Writes: header, tensor a, tensor b. Fail on the third, after real bytes of the new file are on disk.
    failOnWrite(3);
    const err = await writeSafetensors(path, twoTensors).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(
      new RegExp(`${path}: cannot write the file \\(ENOSPC\\); check free disk space .* the previous file, if any, is unchanged`),
    );
    expect(failure.writes).toBe(3);

    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect((await readSafetensors(path)).tensors.get('old')!.data).toEqual(new Float32Array([7, 8]));
  });

  it('a failure before the first byte leaves no file at all when there was none', async () => {
    const path = join(dir, 'fresh.safetensors');
    failOnWrite(1);
    await expect(writeSafetensors(path, twoTensors)).rejects.toThrow(CheckpointError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the rename failing (target is a folder) leaves the folder and no temp file', async () => {
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'inside'), { recursive: true });
    await expect(writeSafetensors(path, twoTensors)).rejects.toThrow(new RegExp(`${path}: cannot replace the file \\(E[A-Z]+\\)`));
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(path)).toEqual(['inside']);
  });

  it('a missing folder', async () => {
    const path = join(dir, 'no', 'such', 'folder', 'x.safetensors');
    await expect(writeSafetensors(path, twoTensors)).rejects.toThrow(
      /cannot create a temp file in .*folder \(ENOENT\); check that the folder exists/,
    );
  });
});

describe('saveCheckpoint', () => {
  it('a failure in the second shard leaves the previous checkpoint loadable and unchanged', async () => {
    cpSync(fixture('bert-single'), dir, { recursive: true });
    const hashes = () =>
      readdirSync(dir)
        .sort()
        .map((f) => `${f} ${sha256(readFileSync(join(dir, f)))}`);
    const before = hashes();
    const { config, tensors } = await loadCheckpoint(dir);

    // Each shard takes one write for its header and one per tensor: with 4000-byte shards, writes 1-2 are shard 1
    // (word embeddings), 3-9 shard 2, so the 12th fails inside shard 3 after two shards were fully staged.
    failOnWrite(12);
    await expect(saveCheckpoint(dir, { ...config, changed: true }, tensors, { maxShardBytes: 4000 })).rejects.toThrow(CheckpointError);
    expect(failure.writes).toBe(12);
    expect(hashes()).toEqual(before);
    const again = await loadCheckpoint(dir);
    expect(again.config).toEqual(config);
    expect([...again.tensors.keys()]).toEqual([...tensors.keys()]);
  });
});
