// Exports of a finished run as one .tar.gz each: the strategy's adapter, the merged model (Hugging
// Face layout) or the ONNX model with its tokenizer; built once from the run's published export, then
// kept in storage.

import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { AppError } from '../../graphql/errors.ts';
import { createTarGz } from '../../storage/archive.ts';
import { runArchiveKey, runExportKey } from '../../storage/run-keys.ts';
import { StorageError, StorageErrorCode } from '../../storage/storage.ts';
import type { StorageCache } from '../../storage/storage-cache.ts';
import { EntityService } from '../entity-service.ts';
import { RunEntity } from '../runs/run.entity.ts';
import { RunErrorCode } from '../runs/run.errors.ts';
import { ArtifactEntity } from './artifact.entity.ts';

export const EXPORT_KINDS = ['ADAPTER', 'MERGED', 'ONNX'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Which files of the run's export folder each kind holds. */
const SELECTION: Record<ExportKind, { folder: string; keep: (name: string) => boolean }> = {
  ADAPTER: { folder: 'adapter', keep: () => true },
  MERGED: { folder: 'model', keep: (n) => n !== 'model.onnx' && n !== 'onnx' },
  ONNX: {
    folder: 'model',
    keep: (n) =>
      ['model.onnx', 'onnx', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tuneql.json', 'config.json'].includes(
        n,
      ),
  },
};

export class ArtifactService extends EntityService<ArtifactEntity> {
  constructor(dataSource: DataSource, cache: StorageCache) {
    super(dataSource, cache, ArtifactEntity, 'artifact', 'ARTIFACT_NOT_FOUND');
  }

  listForRun(runId: string): Promise<ArtifactEntity[]> {
    return this.repo.find({ where: { runId }, order: { createdAt: 'ASC' } });
  }

  /** The run's export of `kind`, archived on first request. */
  async export(runId: string, kind: ExportKind): Promise<ArtifactEntity> {
    const run = isUuid(runId) ? await this.dataSource.getRepository(RunEntity).findOneBy({ id: runId }) : null;
    if (!run) throw new AppError(RunErrorCode.RUN_NOT_FOUND, `run ${runId} does not exist`, { id: runId });
    if (run.status !== 'SUCCEEDED') {
      throw new AppError(RunErrorCode.EXPORT_UNAVAILABLE, `run ${runId} is ${run.status}; exports exist once it has SUCCEEDED`, {
        status: run.status,
      });
    }
    const existing = await this.repo.findOneBy({ runId, kind });
    if (existing && (await this.storage.head(existing.path))) return existing;
    const selection = SELECTION[kind];
    const exportKey = runExportKey(runId, selection.folder as 'model' | 'adapter');
    // The export as a folder on this machine; absent when the strategy wrote no such folder.
    const source = await this.cache.tree(exportKey).catch((err: unknown) => {
      if (err instanceof StorageError && err.code === StorageErrorCode.OBJECT_NOT_FOUND) return undefined;
      throw err;
    });
    if (!source) {
      throw new AppError(
        RunErrorCode.EXPORT_UNAVAILABLE,
        kind === 'ADAPTER'
          ? `strategy '${run.strategyId}' writes no adapter of its own; export MERGED or ONNX instead`
          : `run ${runId} has no ${kind} export`,
        { kind },
      );
    }
    const scratch = await this.cache.tmpDir('export');
    const staging = join(scratch, 'files');
    try {
      await mkdir(staging);
      for (const name of await readdir(source))
        if (selection.keep(name)) await cp(join(source, name), join(staging, name), { recursive: true });
      const file = join(scratch, `${kind.toLowerCase()}.tar.gz`);
      const { bytes, sha256 } = await createTarGz(staging, file);
      const stored = await this.storage.putFile(runArchiveKey(runId, kind), file);
      await this.cache.adopt(file, sha256);
      if (existing) await this.repo.delete({ id: existing.id });
      return await this.repo.save({ runId, kind, path: stored.key, bytes, sha256 });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}
