// GET /artifacts/:id: the archive, with the same token check as the API (read scope).

import type { Request, Response } from 'express';
import { describeError } from '../../graphql/errors.ts';
import type { Services } from '../../services.ts';
import { requireScope } from '../auth/auth.service.ts';

export function downloadRoute(services: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      requireScope(await services.auth.authenticate(req.headers.authorization), 'read');
      const artifact = await services.artifacts.get(String(req.params.id));
      res.setHeader('content-type', 'application/gzip');
      res.setHeader('x-sha256', artifact.sha256);
      res.setHeader('content-disposition', `attachment; filename="${artifact.runId}-${artifact.kind.toLowerCase()}.tar.gz"`);
      res.sendFile(services.store.resolve(artifact.path));
    } catch (err) {
      const d = describeError(err);
      const status = d?.code === 'UNAUTHENTICATED' ? 401 : d?.code === 'FORBIDDEN' ? 403 : d?.code === 'ARTIFACT_NOT_FOUND' ? 404 : 500;
      res.status(status).json({ errors: [{ message: d?.message ?? 'internal error', extensions: { code: d?.code ?? 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}
