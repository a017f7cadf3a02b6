/// <reference path="./s3rver.d.ts" />
// An S3-compatible server for tests (s3rver, in this process, on a random loopback port) and the
// settings that point TuneQL at it. It can be stopped and started again on the same port and
// folder, which is how the tests make the storage briefly unreachable.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** Environment for `tuneql serve` / `tuneql worker` using `s3://BUCKET/PREFIX`. */
  env(prefix: string): Record<string, string>;
  /** Stops answering (connections are refused) until resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestS3Server(bucket = 'tuneql-test'): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'tuneql-s3-'));
  // Kept-alive client connections would hold close() open (and keep being answered): drop them.
  const stop = async (s: S3rver) => {
    const closing = s.close();
    s.httpServer?.closeAllConnections();
    await closing;
  };
  const make = (port: number) => new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  let server: S3rver | undefined = make(0);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: (prefix) => ({
      TUNEQL_STORAGE: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      TUNEQL_S3_FORCE_PATH_STYLE: 'true',
    }),
    async pause() {
      if (server) await stop(server);
      server = undefined;
    },
    async resume() {
      server = make(port);
      await server.run();
    },
    async close() {
      if (server) await stop(server);
      server = undefined;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
