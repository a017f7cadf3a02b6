// GET /artifacts/:id: the archive, with the same token check as the API (read scope).

import type { Request, Response } from 'express';
import { AppError, describeError } from '../../graphql/errors.ts';
import type { Services } from '../../services.ts';
import { requireScope } from '../auth/auth.service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function downloadRoute(services: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      requireScope(await services.auth.authenticate(req.headers.authorization), 'read');
      const id = String(req.params.id);
      // Artifact ids are UUIDs; anything else would reach the database as a malformed uuid (a 500).
      if (!UUID.test(id)) throw new AppError('ARTIFACT_NOT_FOUND', `artifact ${id} does not exist`, { id });
      const artifact = await services.artifacts.get(id);
      res.setHeader('content-type', 'application/gzip');
      res.setHeader('x-sha256', artifact.sha256);
      res.setHeader('content-disposition', `attachment; filename="${artifact.runId}-${artifact.kind.toLowerCase()}.tar.gz"`);
      // Through this machine's cache: fetched from storage once (verified), then served from disk.
      res.sendFile(await services.cache.file(artifact.path));
    } catch (err) {
      const d = describeError(err);
      const status =
        d?.code === 'UNAUTHENTICATED'
          ? 401
          : d?.code === 'FORBIDDEN'
            ? 403
            : d?.code === 'ARTIFACT_NOT_FOUND' || d?.code === 'OBJECT_NOT_FOUND'
              ? 404
              : d?.code === 'STORAGE_UNAVAILABLE'
                ? 503
                : 500;
      res
        .status(status)
        .json({ errors: [{ message: d?.message ?? 'internal error', extensions: { code: d?.code ?? 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}
