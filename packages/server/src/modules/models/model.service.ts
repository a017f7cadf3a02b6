// Base models: imported from a folder or an uploaded archive (Hugging Face layout), checked by loading
// them as the trainer will, published to storage, described, listed and deleted.

import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  type Architecture,
  architectureFor,
  type Checkpoint,
  ConfigError,
  instantiate,
  loadCheckpoint,
  type Task,
  Tokenizer,
} from '@tuneql/engine';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { AppError } from '../../graphql/errors.ts';
import { extractArchive } from '../../storage/archive.ts';
import { publishTree, removeTree } from '../../storage/published-tree.ts';
import type { StorageCache } from '../../storage/storage-cache.ts';
import { tokenizerLimit } from '../../training/model-limits.ts';
import { UploadEntity } from '../datasets/upload.entity.ts';
import { EntityService } from '../entity-service.ts';
import { RunEntity } from '../runs/run.entity.ts';
import { ModelEntity } from './model.entity.ts';
import { ModelErrorCode } from './model.errors.ts';

export interface ModelDescription {
  modelType: string;
  architecture: string | null;
  parameterCount: number;
  config: Record<string, unknown>;
  tokenizer: { type: string; vocabSize: number; maxLength?: number };
  supportedTasks: string[];
}

/**
 * The config read as training reads it (known architecture, positive sizes within bounds, heads that divide the
 * width) and traced against the checkpoint's tensors with shapes only, so a config that disagrees with its
 * weights is refused here, naming the key, rather than at a run's first step; nothing is allocated for it.
 */
function checkModelConfig(checkpoint: Checkpoint, source: string): Architecture {
  try {
    const arch = architectureFor(checkpoint.config, source);
    instantiate(checkpoint.config, { task: arch.tasks[0] as Task, shapesOnly: true }, checkpoint.tensors, source);
    return arch;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const given = err.key === undefined ? undefined : JSON.stringify(checkpoint.config[err.key]);
    throw new AppError(
      ModelErrorCode.MODEL_CONFIG_INVALID,
      `${basename(dirname(source))}: ${err.message.replace(`${source}: `, 'config.json: ')}`,
      {
        key: err.key ?? null,
        value: given ?? null,
      },
    );
  }
}

/** Reads a Hugging Face folder the way a run will: config, every tensor, the tokenizer. */
export async function describeModelDir(dir: string): Promise<ModelDescription> {
  const where = (file: string) => join(dir, file);
  for (const file of ['config.json', 'tokenizer.json']) {
    if (!existsSync(where(file)))
      throw new AppError(
        ModelErrorCode.MODEL_INVALID,
        `${basename(dir)}: ${file} is missing; a model folder needs config.json, model.safetensors and tokenizer.json`,
      );
  }
  try {
    const checkpoint = await loadCheckpoint(dir);
    const arch = checkModelConfig(checkpoint, where('config.json'));
    let parameterCount = 0;
    for (const t of checkpoint.tensors.values()) parameterCount += t.shape.reduce((a, b) => a * b, 1);
    const tokenizer = Tokenizer.fromFile(where('tokenizer.json'));
    const tokenizerJson = JSON.parse(await readFile(where('tokenizer.json'), 'utf8')) as { model?: { type?: string } };
    const architectures = checkpoint.config.architectures;
    return {
      modelType: arch.modelType,
      architecture: Array.isArray(architectures) && typeof architectures[0] === 'string' ? architectures[0] : null,
      parameterCount,
      config: checkpoint.config,
      tokenizer: { type: tokenizerJson.model?.type ?? 'unknown', vocabSize: tokenizer.vocabSize, maxLength: tokenizerLimit(dir) },
      supportedTasks: [...arch.tasks],
    };
  } catch (err) {
    if (err instanceof AppError) throw err;
    // JSON.parse quotes the text it stopped at: say which rule broke, never what the file holds.
    const why = err instanceof SyntaxError ? 'config.json or tokenizer.json is not valid JSON' : (err as Error).message;
    throw new AppError(ModelErrorCode.MODEL_INVALID, `${basename(dir)} cannot be used as a model: ${why}`);
  }
}

export class ModelService extends EntityService<ModelEntity> {
  constructor(dataSource: DataSource, cache: StorageCache) {
    super(dataSource, cache, ModelEntity, 'model', ModelErrorCode.MODEL_NOT_FOUND);
  }

  findByName(name: string): Promise<ModelEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Publishes the folder `dir` to storage (as the tree `models/ID`) after checking it loads. */
  async importDirectory(name: string, dir: string, source = `directory:${dir}`): Promise<ModelEntity> {
    if (!existsSync(dir)) throw new AppError(ModelErrorCode.MODEL_INVALID, `${dir} does not exist on the server`);
    await this.assertNameFree(name);
    const description = await describeModelDir(dir);
    const model = await this.repo.save({ name, ...description, path: '', source });
    const key = `models/${model.id}`;
    try {
      // Links are published as the files they point to (importAllowedDirectory checked where they lead).
      // The tree becomes visible with its manifest, written last: no reader sees half a model.
      await publishTree(this.storage, key, dir);
    } catch (err) {
      await this.repo.delete({ id: model.id });
      await removeTree(this.storage, key).catch(() => undefined);
      throw err;
    }
    model.path = key;
    return await this.repo.save(model);
  }

  /**
   * Imports a server folder named through the API: only inside one of `roots`, after resolving links, and only
   * when no link inside it leads out of them, so a client cannot make the server read anything else. A folder
   * that does not exist gets the same answer as one outside the roots: the API is no way to probe the disk.
   */
  async importAllowedDirectory(name: string, dir: string, roots: readonly string[]): Promise<ModelEntity> {
    const realRoots = roots.map((root) => (existsSync(root) ? realpathSync(root) : resolve(root)));
    const inside = (path: string) =>
      realRoots.some((root) => {
        const rel = relative(root, path);
        return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
      });
    const refused = () =>
      new AppError(
        ModelErrorCode.MODEL_PATH_NOT_ALLOWED,
        `${dir} is not a folder inside the folders this server imports models from (${roots.join(', ')}), or it links outside them; upload an archive instead, or add the folder to TUNEQL_MODEL_DIRS`,
        { argument: 'path' },
      );
    let real: string;
    try {
      real = realpathSync(resolve(dir));
    } catch {
      throw refused();
    }
    if (!inside(real) || !statSync(real).isDirectory()) throw refused();
    // A link inside the folder is followed when it is copied: each must stay inside the allowed folders.
    for (const entry of readdirSync(real, { recursive: true, withFileTypes: true })) {
      if (!entry.isSymbolicLink()) continue;
      let target: string;
      try {
        target = realpathSync(join(entry.parentPath, entry.name));
      } catch {
        throw refused();
      }
      if (!inside(target)) throw refused();
    }
    return this.importDirectory(name, real, `directory:${real}`);
  }

  /** Extracts an uploaded .tar/.tar.gz (checked against path escapes, links and bombs), then imports it. */
  async importUpload(name: string, uploadId: string): Promise<ModelEntity> {
    const upload = isUuid(uploadId) ? await this.dataSource.getRepository(UploadEntity).findOneBy({ id: uploadId }) : null;
    if (!upload) throw new AppError('UPLOAD_NOT_FOUND', `upload ${uploadId} does not exist; POST the archive to /uploads first`);
    const archive = await this.cache.file(upload.path);
    const scratch = await this.cache.tmpDir('model');
    try {
      const dest = join(scratch, 'model');
      try {
        await extractArchive(archive, dest);
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new AppError(ModelErrorCode.MODEL_INVALID, `${upload.filename}: ${(err as Error).message}`, { reason: code });
      }
      const model = await this.importDirectory(name, dest, `upload:${upload.filename}`);
      await this.dataSource.getRepository(UploadEntity).update({ id: upload.id }, { usedAt: new Date() });
      return model;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  async delete(id: string): Promise<boolean> {
    const model = await this.get(id);
    const runs = await this.dataSource.getRepository(RunEntity).countBy({ modelId: id });
    if (runs) throw new AppError(ModelErrorCode.MODEL_IN_USE, `model ${model.name} is used by ${runs} run(s); delete them first`, { runs });
    await this.repo.delete({ id });
    await removeTree(this.storage, model.path);
    return true;
  }

  private async assertNameFree(name: string): Promise<void> {
    if (!name.trim()) throw new AppError('BAD_USER_INPUT', 'a model needs a name');
    if (await this.findByName(name))
      throw new AppError(ModelErrorCode.MODEL_NAME_TAKEN, `a model named '${name}' exists already; choose another name`);
  }
}
