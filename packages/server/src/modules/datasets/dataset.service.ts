// Datasets: an uploaded CSV/JSONL file checked row by row against a task and column mapping, with
// statistics, the split sizes a run will use, and a preview.

import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { type ColumnMap, type DataThreads, percentile, TASKS, type TableFormat, type Task } from '@tuneql/engine';
import { type DataSource, IsNull } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { AppError } from '../../graphql/errors.ts';
import { logger } from '../../ops/logger.ts';
import type { StorageCache } from '../../storage/storage-cache.ts';
import { progressLogger } from '../../training/data-progress.ts';
import { EntityService } from '../entity-service.ts';
import { RunEntity } from '../runs/run.entity.ts';
import { DatasetEntity, type DatasetStatsRecord } from './dataset.entity.ts';
import { DatasetErrorCode } from './dataset.errors.ts';
import { UploadEntity } from './upload.entity.ts';

export interface CreateDatasetRequest {
  name: string;
  uploadId: string;
  task: string;
  columns?: Record<string, string>;
  format?: TableFormat;
  labels?: string[];
}

/** The formats a dataset file may have. */
export const DATASET_FORMATS = ['csv', 'jsonl'] as const;

/**
 * The request with GraphQL's nulls as absent, or BAD_USER_INPUT naming the field: `columns` must map task fields
 * to column names (strings), `format` must be csv or jsonl.
 */
function checkRequest(input: CreateDatasetRequest): CreateDatasetRequest {
  const request = { ...input };
  const nullable = request as { columns?: unknown; format?: unknown; labels?: unknown };
  for (const key of ['columns', 'format', 'labels'] as const) if (nullable[key] === null) delete nullable[key];
  if (request.columns !== undefined) {
    const bad = Object.entries(request.columns).filter(([, column]) => typeof column !== 'string' || !column);
    if (typeof request.columns !== 'object' || Array.isArray(request.columns) || bad.length) {
      throw new AppError(
        'BAD_USER_INPUT',
        `columns maps task fields to column names, e.g. {"text": "review", "label": "stars"}; ${bad.map(([f, c]) => `columns.${f} is ${JSON.stringify(c)}`).join(', ') || 'got something else'}`,
        { field: bad[0] ? `columns.${bad[0][0]}` : 'columns' },
      );
    }
  }
  if (request.format !== undefined && !(DATASET_FORMATS as readonly string[]).includes(request.format)) {
    throw new AppError(
      'BAD_USER_INPUT',
      `format '${request.format}' is not supported; use one of ${DATASET_FORMATS.join(', ')} (or leave it out to go by the file name)`,
      { field: 'format', allowed: [...DATASET_FORMATS] },
    );
  }
  return request;
}

/** Split shares a run uses for a single file (the trainer's defaults). */
export const SPLIT = { validation: 0.1, test: 0.1 } as const;

/** Token lengths kept per (dataset, tokenizer file): a histogram's bins change, the lengths do not. */
const TOKEN_LENGTHS_KEPT = 16;

export class DatasetService extends EntityService<DatasetEntity> {
  /** Where files are read, checked and tokenized: worker threads, never this event loop. */
  private readonly data: DataThreads;
  private readonly tokenLengthCache = new Map<string, Promise<Int32Array>>();

  constructor(dataSource: DataSource, cache: StorageCache, data: DataThreads) {
    super(dataSource, cache, DatasetEntity, 'dataset', DatasetErrorCode.DATASET_NOT_FOUND);
    this.data = data;
  }

  findByName(name: string): Promise<DatasetEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Records an uploaded file already in the store. */
  recordUpload(upload: Omit<UploadEntity, 'id' | 'createdAt' | 'usedAt'>): Promise<UploadEntity> {
    return this.dataSource.getRepository(UploadEntity).save(upload);
  }

  /** Copies a file on the server into the uploads, as if it had been sent to POST /uploads. */
  async uploadLocalFile(file: string, filename: string): Promise<UploadEntity> {
    const stored = await this.storage.putFile(`uploads/${randomUUID()}`, file);
    return this.recordUpload({ filename, bytes: stored.bytes, sha256: stored.sha256 as string, path: stored.key });
  }

  /** Marks the upload used: a dataset or model was made from it, so the retention sweep keeps it. */
  async markUsed(id: string): Promise<void> {
    await this.dataSource.getRepository(UploadEntity).update({ id, usedAt: IsNull() }, { usedAt: new Date() });
  }

  async upload(id: string): Promise<UploadEntity> {
    const u = isUuid(id) ? await this.dataSource.getRepository(UploadEntity).findOneBy({ id }) : null;
    if (!u) throw new AppError(DatasetErrorCode.UPLOAD_NOT_FOUND, `upload ${id} does not exist; POST the file to /uploads first`, { id });
    return u;
  }

  /**
   * Validates every row for the task; on any error nothing is created and the DatasetError lists
   * every problem with its row and column. The file is copied, so the upload can be reused.
   */
  async create(input: CreateDatasetRequest): Promise<DatasetEntity> {
    const request = checkRequest(input);
    if (!request.name.trim()) throw new AppError('BAD_USER_INPUT', 'a dataset needs a name');
    if (!TASKS.includes(request.task as Task)) {
      throw new AppError('BAD_USER_INPUT', `task '${request.task}' is not one of ${TASKS.join(', ')}`, { field: 'task' });
    }
    if (await this.findByName(request.name)) {
      throw new AppError(DatasetErrorCode.DATASET_NAME_TAKEN, `a dataset named '${request.name}' exists already; choose another name`);
    }
    const upload = await this.upload(request.uploadId);
    const source = await this.cache.file(upload.path);
    const { rows, labels, stats } = await this.validate(source, upload.filename, request);
    const dataset = await this.repo.save({
      name: request.name,
      task: request.task,
      format: request.format ?? (upload.filename.match(/\.(jsonl|ndjson)$/i) ? 'jsonl' : 'csv'),
      columns: request.columns ?? {},
      labels: labels ?? null,
      filename: upload.filename,
      path: '',
      bytes: upload.bytes,
      rowCount: rows,
      stats,
    });
    try {
      const stored = await this.storage.putFile(`datasets/${dataset.id}-${upload.filename.replace(/[^\w.-]/g, '_')}`, source);
      dataset.path = stored.key;
    } catch (err) {
      await this.repo.delete({ id: dataset.id });
      throw err;
    }
    const saved = await this.repo.save(dataset);
    await this.markUsed(upload.id);
    return saved;
  }

  /** Checks every row in a data thread (streamed, issues capped) and summarizes the file; a DatasetError when any row is wrong. */
  private async validate(file: string, filename: string, request: CreateDatasetRequest) {
    const { summary, labels } = await this.data.summarize(
      { name: filename, path: file },
      { format: request.format },
      { task: request.task as Task, columns: request.columns as ColumnMap | undefined, labels: request.labels },
      { ...SPLIT, seed: 42 },
      progressLogger(`validating ${filename}`, (line) => logger().info(line)),
    );
    if (!summary.rows) throw new AppError(DatasetErrorCode.DATASET_INVALID, `${filename} has no rows`);
    const stats: DatasetStatsRecord = summary;
    return { rows: summary.rows, labels, stats };
  }

  /**
   * Tokens per example with a model's tokenizer (special tokens included), as a histogram of `bins`
   * equal-width bins from 0 to the longest example. Measured in a data thread and kept per dataset and tokenizer.
   */
  async tokenLengths(
    id: string,
    tokenizerFile: string,
    bins: number,
  ): Promise<{ counts: number[]; binWidth: number; max: number; p50: number; p95: number }> {
    const dataset = await this.get(id);
    const file = await this.cache.file(dataset.path);
    const stamp = statSync(tokenizerFile, { throwIfNoEntry: false });
    const key = JSON.stringify([dataset.id, tokenizerFile, stamp?.size, stamp?.mtimeMs]);
    let measured = this.tokenLengthCache.get(key);
    if (!measured) {
      measured = this.data.tokenLengths(
        { name: dataset.filename, path: file },
        { format: dataset.format as TableFormat },
        { task: dataset.task as Task, columns: dataset.columns as ColumnMap, labels: dataset.labels ?? undefined },
        tokenizerFile,
        progressLogger(`token lengths of ${dataset.name}`, (line) => logger().info(line)),
      );
      this.tokenLengthCache.set(key, measured);
      measured.catch(() => this.tokenLengthCache.delete(key));
      for (const old of this.tokenLengthCache.keys()) {
        if (this.tokenLengthCache.size <= TOKEN_LENGTHS_KEPT) break;
        this.tokenLengthCache.delete(old);
      }
    }
    const lengths = Array.from(await measured);
    const max = lengths.at(-1) ?? 0;
    const binWidth = Math.max(1, Math.ceil((max + 1) / bins));
    const counts = new Array<number>(Math.ceil((max + 1) / binWidth)).fill(0);
    for (const n of lengths) counts[Math.floor(n / binWidth)] = (counts[Math.floor(n / binWidth)] ?? 0) + 1;
    return { counts, binWidth, max, p50: percentile(lengths, 50), p95: percentile(lengths, 95) };
  }

  /** Rows of the stored file as parsed, `offset` from the first; the data thread reads no further than it needs. */
  async preview(id: string, offset: number, limit: number): Promise<{ row: number; data: Record<string, unknown> }[]> {
    const dataset = await this.get(id);
    const file = await this.cache.file(dataset.path);
    const rows = await this.data.preview({ name: dataset.filename, path: file }, { format: dataset.format as TableFormat }, offset, limit);
    return rows.map((r) => ({ row: r.row, data: { ...r.data } }));
  }

  async delete(id: string): Promise<boolean> {
    const dataset = await this.get(id);
    const runs = await this.dataSource.getRepository(RunEntity).countBy({ datasetId: id });
    if (runs)
      throw new AppError(DatasetErrorCode.DATASET_IN_USE, `dataset ${dataset.name} is used by ${runs} run(s); delete them first`, { runs });
    await this.repo.delete({ id });
    await this.storage.remove(dataset.path);
    return true;
  }
}
