// Uploads no dataset or model was made from are deleted TUNEQL_UPLOAD_RETENTION_HOURS after they arrive, file
// and row, by a sweep every few minutes; used ones stay. Every replica sweeps; deleting twice is harmless.

import { IsNull } from 'typeorm';
import { logger } from '../../ops/logger.ts';
import type { Services } from '../../services.ts';
import { UploadEntity } from './upload.entity.ts';

/** The longest wait between sweeps. @default 10 minutes */
const MAX_SWEEP_MS = 10 * 60_000;

export function sweepUnusedUploads(services: Pick<Services, 'settings' | 'dataSource' | 'storage'>): {
  sweep(): Promise<number>;
  stop(): void;
} {
  const retentionMs = services.settings.uploadRetentionHours * 3_600_000;
  const repo = () => services.dataSource.getRepository(UploadEntity);
  let running: Promise<number> | undefined;
  const sweep = async (): Promise<number> => {
    const stale = await repo()
      .createQueryBuilder('u')
      .where('u.usedAt IS NULL AND u.createdAt < :before', { before: new Date(Date.now() - retentionMs) })
      .orderBy('u.createdAt', 'ASC')
      .limit(500)
      .getMany();
    for (const upload of stale) {
      // The row goes first: an upload that no longer exists cannot be used while its file is being removed.
      const gone = await repo().delete({ id: upload.id, usedAt: IsNull() });
      if (gone.affected) await services.storage.remove(upload.path);
    }
    return stale.length;
  };
  if (retentionMs <= 0) return { sweep: async () => 0, stop() {} };
  const timer = setInterval(
    () => {
      running ??= sweep()
        .catch((err: unknown) => {
          logger().error({ err }, 'deleting unused uploads failed');
          return 0;
        })
        .finally(() => (running = undefined));
    },
    Math.max(1_000, Math.min(MAX_SWEEP_MS, retentionMs / 2)),
  );
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
