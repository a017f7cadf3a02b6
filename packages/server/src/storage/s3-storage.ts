// Storage in an S3-compatible bucket (AWS S3, MinIO, R2...) through the AWS SDK v3: files stream up
// (multipart above the part size, through lib-storage's Upload) and down, each object carries its
// sha256 as metadata and is verified when read, and whole-object operations are retried with
// exponential backoff on top of the SDK's own retries.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  checkKey,
  DEFAULT_RETRY,
  type RetryPolicy,
  type Storage,
  StorageError,
  StorageErrorCode,
  type StoredObject,
  verifyingStream,
  withRetry,
} from './storage.ts';

export interface S3StorageOptions {
  /** `s3://bucket/prefix` (TUNEQL_STORAGE). */
  url: string;
  /** The S3 API's address; AWS's own when absent. (AWS_ENDPOINT_URL) */
  endpoint?: string;
  /** @default us-east-1 (AWS_REGION) */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`) for MinIO, s3rver and the like. @default false (TUNEQL_S3_FORCE_PATH_STYLE) */
  forcePathStyle?: boolean;
  /** Static credentials; the SDK's default chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, profiles...) when absent. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Our retries around whole-object operations. @default 6 tries from 500 ms, doubling */
  retry?: RetryPolicy;
  /** Files above this are uploaded in parts of this size. @default 8 MiB (S3's minimum part is 5 MiB) */
  partSize?: number;
  /** Told about each retry (what failed, and when the next try is). @default none */
  log?: (line: string) => void;
}

/** `s3://bucket/prefix` into its bucket and key prefix (without slashes at either end). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m?.[1] || m[1].length < 3)
    throw new StorageError(
      StorageErrorCode.STORAGE_MISCONFIGURED,
      `TUNEQL_STORAGE=${url}: expected s3://BUCKET/PREFIX with a bucket name of 3 or more characters`,
    );
  return { bucket: m[1], prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

interface AwsError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function statusOf(err: unknown): number | undefined {
  return (err as AwsError).$metadata?.httpStatusCode;
}

/** Worth another try: the network, a timeout, throttling or a server error (not refused credentials, a missing object or a checksum). */
export function isTransient(err: unknown): boolean {
  if (err instanceof StorageError) return err.code === StorageErrorCode.STORAGE_UNAVAILABLE;
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  // No HTTP answer at all: refused or reset connection, DNS, timeouts.
  return true;
}

export class S3Storage implements Storage {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The SDK client (tests watch the requests it sends). */
  readonly client: S3Client;
  private readonly options: S3StorageOptions;
  private readonly retry: RetryPolicy;
  private readonly partSize: number;

  constructor(options: S3StorageOptions) {
    const { bucket, prefix } = parseS3Url(options.url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.options = options;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.partSize = options.partSize ?? 8 * 2 ** 20;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      // The SDK retries single requests (standard mode: exponential backoff with jitter); withRetry
      // retries whole uploads and downloads, which the SDK cannot restart once a body has streamed.
      maxAttempts: 3,
      retryMode: 'standard',
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  }

  private objectKey(key: string): string {
    checkKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private where(key: string): string {
    return `${this.location}/${key}`;
  }

  /** An SDK error as a StorageError that says what failed and which setting to look at. */
  private explain(err: unknown, what: string): StorageError {
    if (err instanceof StorageError) return err;
    const e = err as AwsError & Error;
    const status = statusOf(err);
    const endpoint = `AWS_ENDPOINT_URL=${this.options.endpoint ?? '(AWS)'}`;
    if (status === 403 || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch' || e.name === 'AccessDenied')
      return new StorageError(
        StorageErrorCode.STORAGE_MISCONFIGURED,
        `${what}: ${endpoint} refused the credentials for bucket '${this.bucket}' (${e.name ?? status}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
        { cause: err },
      );
    if (e.name === 'NoSuchBucket' || (status === 404 && what.startsWith('checking')))
      return new StorageError(
        StorageErrorCode.STORAGE_MISCONFIGURED,
        `${what}: bucket '${this.bucket}' (TUNEQL_STORAGE=${this.options.url}) does not exist at ${endpoint}; create it or fix TUNEQL_STORAGE`,
        { cause: err },
      );
    if (status === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound')
      return new StorageError(StorageErrorCode.OBJECT_NOT_FOUND, `${what}: no such object`, { cause: err });
    return new StorageError(
      StorageErrorCode.STORAGE_UNAVAILABLE,
      `${what}: ${endpoint} did not answer usefully (${e.name ?? 'error'}: ${e.message || status}); check that the storage is up and reachable (TUNEQL_STORAGE=${this.options.url})`,
      { cause: err },
    );
  }

  private attempt<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(
      () => op().catch((err: unknown) => Promise.reject(this.explain(err, what))),
      isTransient,
      this.retry,
      (err, attempt, delayMs) =>
        this.options.log?.(`${(err as Error).message}; try ${attempt + 1} of ${this.retry.attempts} in ${(delayMs / 1000).toFixed(1)} s`),
    );
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw this.explain(err, `checking TUNEQL_STORAGE=${this.options.url}`);
    }
  }

  async putFile(key: string, file: string): Promise<StoredObject> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    const bytes = (await stat(file)).size;
    await this.attempt(`writing ${this.where(key)}`, async () => {
      // Each try streams the file again from its start.
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: this.objectKey(key), Body: createReadStream(file), Metadata: { sha256 } },
        partSize: this.partSize,
        queueSize: 2,
        leavePartsOnError: false,
      });
      await upload.done();
    });
    return { key, bytes, sha256 };
  }

  async putBytes(key: string, data: Uint8Array | string): Promise<StoredObject> {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    const sha256 = createHash('sha256').update(body).digest('hex');
    await this.attempt(`writing ${this.where(key)}`, () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: body, Metadata: { sha256 } })),
    );
    return { key, bytes: body.length, sha256 };
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const r = await this.attempt(`reading ${this.where(key)}`, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
      );
      return { key, bytes: r.ContentLength ?? 0, sha256: r.Metadata?.sha256 };
    } catch (err) {
      if (err instanceof StorageError && err.code === StorageErrorCode.OBJECT_NOT_FOUND) return undefined;
      throw err;
    }
  }

  private async open(key: string): Promise<{ body: Readable; info: StoredObject }> {
    const r = await this.attempt(`reading ${this.where(key)}`, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
    );
    return { body: r.Body as Readable, info: { key, bytes: r.ContentLength ?? 0, sha256: r.Metadata?.sha256 } };
  }

  async read(key: string): Promise<NodeJS.ReadableStream> {
    const { body, info } = await this.open(key);
    return body.pipe(verifyingStream(this.where(key), info.sha256));
  }

  async getFile(key: string, file: string, options: { verify?: boolean } = {}): Promise<StoredObject> {
    await mkdir(dirname(file), { recursive: true });
    return this.attempt(`reading ${this.where(key)}`, async () => {
      const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      try {
        const { body, info } = await this.open(key);
        await pipeline(body, verifyingStream(this.where(key), options.verify === false ? undefined : info.sha256), createWriteStream(tmp));
        await rename(tmp, file);
        return info;
      } finally {
        await rm(tmp, { force: true });
      }
    });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const folder = `${this.objectKey(prefix)}/`;
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.attempt(`listing ${this.where(prefix)}/`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key.slice(strip), bytes: o.Size ?? 0, sha256: undefined });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async remove(key: string): Promise<void> {
    await this.attempt(`removing ${this.where(key)}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })),
    );
  }

  async removePrefix(prefix: string): Promise<void> {
    const objects = await this.list(prefix);
    // A few at a time: enough to be quick, few enough not to be throttled.
    for (let i = 0; i < objects.length; i += 8) await Promise.all(objects.slice(i, i + 8).map((o) => this.remove(o.key)));
  }

  close(): void {
    this.client.destroy();
  }
}
