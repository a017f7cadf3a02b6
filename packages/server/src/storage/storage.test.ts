// The storage contract, run against both backends: the local folder and S3 (s3rver in this process).

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolderStorage } from './local-storage.ts';
import { fetchTree, listTrees, manifestKey, publishTree, readManifest } from './published-tree.ts';
import { S3Storage } from './s3-storage.ts';
import { type Storage, StorageError } from './storage.ts';
import { StorageCache } from './storage-cache.ts';
import { startTestS3Server, type TestS3Server } from './test-s3-server.ts';

let s3: TestS3Server;
const scratch = mkdtempSync(join(tmpdir(), 'tuneql-storage-test-'));

beforeAll(async () => {
  s3 = await startTestS3Server();
});
afterAll(async () => {
  await s3?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function s3Storage(prefix: string, retry = { attempts: 6, baseDelayMs: 200 }): S3Storage {
  return new S3Storage({
    url: `s3://${s3.bucket}/${prefix}`,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    retry,
    partSize: 5 * 2 ** 20,
  });
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

interface Backend {
  name: string;
  make(): Storage;
  /** Replaces the object's bytes behind the storage's back, leaving its recorded checksum. */
  damage(storage: Storage, key: string, bytes: string): Promise<void>;
}

const BACKENDS: Backend[] = [
  {
    name: 'local folder',
    make: () => new LocalFolderStorage(mkdtempSync(join(scratch, 'folder-'))),
    damage: async (storage, key, bytes) => writeFile((storage as LocalFolderStorage).localPath(key), bytes),
  },
  {
    name: 's3',
    make: () => s3Storage(`t-${Math.random().toString(36).slice(2, 8)}`),
    damage: async (storage, key, bytes) => {
      const s = storage as S3Storage;
      const client = new S3Client({
        endpoint: s3.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const Key = `${s.prefix}/${key}`;
      const head = await client.send(new HeadObjectCommand({ Bucket: s.bucket, Key }));
      await client.send(new PutObjectCommand({ Bucket: s.bucket, Key, Body: bytes, Metadata: head.Metadata }));
      client.destroy();
    },
  },
];

describe.each(BACKENDS)('$name', (backend) => {
  it('stores a file and streams it back with its size and sha256; head, list and remove', async () => {
    const storage = backend.make();
    await storage.check();
    const file = join(scratch, `a-${backend.name}.txt`);
    writeFileSync(file, 'hello storage\n');
    const put = await storage.putFile('runs/r1/a.txt', file);
    expect(put).toEqual({ key: 'runs/r1/a.txt', bytes: 14, sha256: sha('hello storage\n') });
    await storage.putBytes('runs/r1/sub/b.json', '{"b":1}');
    await storage.putBytes('runs/r10/c.txt', 'not under runs/r1');
    expect(await text(await storage.read('runs/r1/a.txt'))).toBe('hello storage\n');
    expect(await storage.head('runs/r1/a.txt')).toEqual(put);
    expect(await storage.head('runs/r1/missing')).toBeUndefined();
    expect((await storage.list('runs/r1')).map((o) => [o.key, o.bytes])).toEqual([
      ['runs/r1/a.txt', 14],
      ['runs/r1/sub/b.json', 7],
    ]);
    const copy = join(scratch, `copy-${backend.name}.txt`);
    expect((await storage.getFile('runs/r1/sub/b.json', copy)).sha256).toBe(sha('{"b":1}'));
    expect(readFileSync(copy, 'utf8')).toBe('{"b":1}');
    await storage.remove('runs/r1/a.txt');
    expect(await storage.head('runs/r1/a.txt')).toBeUndefined();
    await storage.removePrefix('runs/r1');
    expect(await storage.list('runs/r1')).toEqual([]);
    expect((await storage.list('runs/r10')).map((o) => o.key)).toEqual(['runs/r10/c.txt']);
  });

  it('detects bytes that no longer match their recorded sha256, when streaming and when downloading', async () => {
    const storage = backend.make();
    await storage.putBytes('d/x.bin', 'the original bytes');
    await backend.damage(storage, 'd/x.bin', 'the damaged bytes!');
    await expect(text(await storage.read('d/x.bin'))).rejects.toThrow(/does not match the recorded/);
    const dest = join(scratch, `damaged-${backend.name}`);
    await expect(storage.getFile('d/x.bin', dest)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
    // Nothing half-verified is left where the caller asked for the file.
    expect(() => readFileSync(dest)).toThrow();
  });

  it('round-trips a file larger than the part size (multipart on S3) without changing a byte', async () => {
    const storage = backend.make();
    const big = randomBytes(11 * 2 ** 20 + 123);
    const file = join(scratch, `big-${backend.name}`);
    writeFileSync(file, big);
    // The requests the SDK sends, by command name (S3 only).
    const sent: string[] = [];
    if (storage instanceof S3Storage)
      storage.client.middlewareStack.add(
        (next, context) => (args) => {
          sent.push(context.commandName ?? '?');
          return next(args);
        },
        { step: 'initialize' },
      );
    const put = await storage.putFile('big/file.bin', file);
    expect(put.sha256).toBe(sha(big));
    const back = join(scratch, `big-back-${backend.name}`);
    await storage.getFile('big/file.bin', back);
    expect(sha(readFileSync(back))).toBe(sha(big));
    if (storage instanceof S3Storage) {
      // 11 MiB in 5 MiB parts: three parts, then the download.
      expect(sent.filter((c) => c === 'UploadPartCommand')).toHaveLength(3);
      expect(sent).toContain('CompleteMultipartUploadCommand');
      expect(sent).not.toContain('PutObjectCommand');
    }
  }, 30_000);

  it('makes a tree visible only once its manifest is written, and checks each file against it', async () => {
    const storage = backend.make();
    const dir = join(scratch, `tree-${backend.name}`);
    await mkdir(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'state.safetensors'), 'weights');
    writeFileSync(join(dir, 'nested', 'trainer.json'), '{"step":4}');
    writeFileSync(join(dir, '.DS_Store'), 'litter');
    // A checkpoint whose upload was cut off: its files are there, its manifest is not.
    await storage.putBytes('ck/step-0000002-000000002/state.safetensors', 'half');
    expect(await listTrees(storage, 'ck')).toEqual([]);
    expect(await readManifest(storage, 'ck/step-0000002-000000002')).toBeUndefined();
    await expect(fetchTree(storage, 'ck/step-0000002-000000002', join(scratch, `nope-${backend.name}`))).rejects.toThrow(
      /manifest is missing/,
    );

    const manifest = await publishTree(storage, 'ck/step-0000004-000000004', dir);
    expect(manifest.files).toEqual([
      { path: 'nested/trainer.json', bytes: 10, sha256: sha('{"step":4}') },
      { path: 'state.safetensors', bytes: 7, sha256: sha('weights') },
    ]);
    expect(await listTrees(storage, 'ck')).toEqual(['step-0000004-000000004']);
    const dest = join(scratch, `fetched-${backend.name}`);
    await fetchTree(storage, 'ck/step-0000004-000000004', dest);
    expect(readFileSync(join(dest, 'nested', 'trainer.json'), 'utf8')).toBe('{"step":4}');

    // The cache assembles the tree once, by content; the same content under another key is the same folder.
    const cache = new StorageCache(storage, mkdtempSync(join(scratch, 'cache-')));
    const a = await cache.tree('ck/step-0000004-000000004');
    expect(readFileSync(join(a, 'state.safetensors'), 'utf8')).toBe('weights');
    if (storage instanceof S3Storage) {
      await publishTree(storage, 'ck2/same', dir);
      const gets: string[] = [];
      storage.client.middlewareStack.add(
        (next, context) => (args) => {
          if (context.commandName === 'GetObjectCommand') gets.push((args.input as { Key: string }).Key);
          return next(args);
        },
        { step: 'initialize' },
      );
      // Downloaded once: asked again, or under another key with the same files, only the manifest is read.
      expect(await cache.tree('ck/step-0000004-000000004')).toBe(a);
      expect(await cache.tree('ck2/same')).toBe(a);
      expect(gets.map((k) => k.slice(k.indexOf('/') + 1))).toEqual(['ck/step-0000004-000000004.manifest.json', 'ck2/same.manifest.json']);
      // A file replaced under its manifest is refused.
      await storage.putBytes('ck/step-0000004-000000004/state.safetensors', 'other');
      await expect(fetchTree(storage, 'ck/step-0000004-000000004', join(scratch, `x-${backend.name}`))).rejects.toMatchObject({
        code: 'CHECKSUM_MISMATCH',
      });
      expect(await storage.head(manifestKey('ck2/same'))).toBeDefined();
    }
  });
});

describe('s3', () => {
  it('retries a write while the server is down and succeeds once it is back', async () => {
    const storage = s3Storage('retry');
    const file = join(scratch, 'retry.bin');
    writeFileSync(file, 'written across an outage');
    await s3.pause();
    const write = storage.putFile('retry/x.bin', file);
    await new Promise((r) => setTimeout(r, 1_500));
    await s3.resume();
    expect((await write).sha256).toBe(sha('written across an outage'));
    expect(await text(await storage.read('retry/x.bin'))).toBe('written across an outage');
  }, 30_000);

  it('gives up after its retries with STORAGE_UNAVAILABLE, naming the endpoint', async () => {
    const storage = s3Storage('down', { attempts: 2, baseDelayMs: 50 });
    await s3.pause();
    try {
      const err = await storage.putBytes('down/x', 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect((err as Error).message).toContain(`AWS_ENDPOINT_URL=${s3.endpoint}`);
    } finally {
      await s3.resume();
    }
  }, 30_000);

  it('check() names the credentials when they are refused, and TUNEQL_STORAGE when the bucket does not exist', async () => {
    const wrong = new S3Storage({
      url: `s3://${s3.bucket}/x`,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' },
    });
    await expect(wrong.check()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    const missing = new S3Storage({
      url: 's3://no-such-bucket/x',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    await expect(missing.check()).rejects.toThrow(/bucket 'no-such-bucket' \(TUNEQL_STORAGE=s3:\/\/no-such-bucket\/x\) does not exist/);
    const unreachable = s3Storage('x');
    await s3.pause();
    try {
      await expect(unreachable.check()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      await expect(unreachable.check()).rejects.toThrow(`AWS_ENDPOINT_URL=${s3.endpoint}`);
    } finally {
      await s3.resume();
    }
    await unreachable.check();
  });
});
