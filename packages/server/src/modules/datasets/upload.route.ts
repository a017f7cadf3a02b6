// POST /uploads?filename=NAME: the request body is the file (a dataset, or a model archive). It is
// streamed to a file in this machine's cache with its size counted against the limit and hashed, then
// into storage (multipart on S3); the answer is the upload's id for createDataset or importModelFromUpload.

import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { describeError } from '../../graphql/errors.ts';
import type { Services } from '../../services.ts';
import { requireScope, unavailableMessage } from '../auth/auth.service.ts';
import { DatasetErrorCode } from './dataset.errors.ts';

class TooLarge extends Error {}

const NAME = /^[\w][\w.-]{0,199}$/;

export function uploadRoute(services: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    const fail = (status: number, code: string, message: string) => {
      res.status(status).json({ errors: [{ message, extensions: { code } }] });
    };
    try {
      requireScope(await services.auth.authenticate(req.headers.authorization), 'write');
    } catch (err) {
      const d = describeError(err);
      if (!d) fail(503, 'SERVICE_UNAVAILABLE', unavailableMessage(err));
      else fail(d.code === 'FORBIDDEN' ? 403 : 401, d.code, d.message);
      return;
    }
    const filename = String(req.query.filename ?? '');
    if (!NAME.test(filename)) {
      fail(
        400,
        'BAD_USER_INPUT',
        `filename=${JSON.stringify(filename)}: give the file's name (letters, digits, . _ -), e.g. ?filename=train.csv`,
      );
      return;
    }
    const limit = services.settings.maxUploadBytes;
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > limit) {
      fail(413, DatasetErrorCode.UPLOAD_TOO_LARGE, `${filename}: ${declared} bytes is over the upload limit of ${limit} bytes`);
      req.resume();
      return;
    }
    const id = randomUUID();
    const path = join(services.cache.folder('tmp'), `upload-${id}`);
    const hash = createHash('sha256');
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > limit) return done(new TooLarge());
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, counter, createWriteStream(path));
    } catch (err) {
      await rm(path, { force: true });
      if (err instanceof TooLarge) {
        fail(413, DatasetErrorCode.UPLOAD_TOO_LARGE, `${filename}: over the upload limit of ${limit} bytes`);
        req.destroy();
      } else if (!res.headersSent) fail(400, 'UPLOAD_FAILED', `${filename}: the upload did not complete (${(err as Error).message})`);
      return;
    }
    const sha256 = hash.digest('hex');
    try {
      await services.storage.putFile(`uploads/${id}`, path);
      // The server reads it back soon (createDataset): keep this copy as the cache's.
      await services.cache.adopt(path, sha256);
    } catch (err) {
      await rm(path, { force: true });
      const d = describeError(err);
      fail(503, d?.code ?? 'STORAGE_UNAVAILABLE', `${filename}: could not be stored (${(err as Error).message})`);
      return;
    }
    const upload = await services.datasets.recordUpload({ filename, bytes, sha256, path: `uploads/${id}` });
    res.status(201).json({ id: upload.id, filename, bytes, sha256: upload.sha256 });
  };
}
