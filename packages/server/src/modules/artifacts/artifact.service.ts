// Exports of a finished run as one .tar.gz each: the strategy's adapter, the merged model (Hugging
// Face layout) or the ONNX model with its tokenizer; built once, then served from the store.

import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { AppError } from '../../graphql/errors.ts';
import { createTarGz } from '../../storage/archive.ts';
import type { ArtifactStore } from '../../storage/artifact-store.ts';
import { runExportDir } from '../../storage/artifact-store.ts';
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
  constructor(dataSource: DataSource, store: ArtifactStore) {
    super(dataSource, store, ArtifactEntity, 'artifact', 'ARTIFACT_NOT_FOUND');
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
    if (existing && existsSync(this.store.resolve(existing.path))) return existing;
    const selection = SELECTION[kind];
    const source = join(runExportDir(this.store, runId), selection.folder);
    if (!existsSync(source)) {
      throw new AppError(
        RunErrorCode.EXPORT_UNAVAILABLE,
        kind === 'ADAPTER'
          ? `strategy '${run.strategyId}' writes no adapter of its own; export MERGED or ONNX instead`
          : `run ${runId} has no ${kind} export`,
        { kind },
      );
    }
    const staging = await mkdtemp(join(this.store.dir('tmp'), 'export-'));
    try {
      for (const name of await readdir(source))
        if (selection.keep(name)) await cp(join(source, name), join(staging, name), { recursive: true });
      const file = join(this.store.dir('runs', runId, 'artifacts'), `${kind.toLowerCase()}.tar.gz`);
      const { bytes, sha256 } = await createTarGz(staging, file);
      if (existing) await this.repo.delete({ id: existing.id });
      return await this.repo.save({ runId, kind, path: this.store.relative(file), bytes, sha256 });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}
