// Datasets: an uploaded CSV/JSONL file checked row by row against a task and column mapping, with
// statistics, the split sizes a run will use, and a preview.

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  type ColumnMap,
  DatasetError,
  type DatasetRecord,
  percentile,
  readTable,
  splitDataset,
  TASKS,
  type TableFormat,
  type Task,
  Tokenizer,
  validateTables,
} from '@tuneql/engine';
import { type DataSource, IsNull } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { AppError } from '../../graphql/errors.ts';
import type { StorageCache } from '../../storage/storage-cache.ts';
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

/** The text a record carries, for length statistics. */
function textOf(r: DatasetRecord): string {
  switch (r.task) {
    case 'token-classification':
      return r.words.join(' ');
    case 'question-answering':
      return `${r.question} ${r.context}`;
    default:
      return 'textPair' in r && r.textPair ? `${r.text} ${r.textPair}` : r.text;
  }
}

function labelOf(r: DatasetRecord, labels: readonly string[] | undefined): string | undefined {
  return r.task === 'sequence-classification' ? (labels?.[r.label] ?? String(r.label)) : undefined;
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

export class DatasetService extends EntityService<DatasetEntity> {
  constructor(dataSource: DataSource, cache: StorageCache) {
    super(dataSource, cache, DatasetEntity, 'dataset', DatasetErrorCode.DATASET_NOT_FOUND);
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
    const { records, labels, stats } = await this.validate(source, upload.filename, request);
    const dataset = await this.repo.save({
      name: request.name,
      task: request.task,
      format: request.format ?? (upload.filename.match(/\.(jsonl|ndjson)$/i) ? 'jsonl' : 'csv'),
      columns: request.columns ?? {},
      labels: labels ?? null,
      filename: upload.filename,
      path: '',
      bytes: upload.bytes,
      rowCount: records.length,
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

  private async validate(file: string, filename: string, request: CreateDatasetRequest) {
    const table = await readTable({ name: filename, content: new Uint8Array(await readFile(file)) }, { format: request.format });
    const task = request.task as Task;
    const validated = validateTables([table], { task, columns: request.columns as ColumnMap | undefined, labels: request.labels });
    const issues = [...table.issues, ...validated.issues].filter((i) => (i.level ?? 'error') === 'error');
    if (issues.length) throw new DatasetError(issues);
    const records = validated.records[0] ?? [];
    if (!records.length) throw new AppError(DatasetErrorCode.DATASET_INVALID, `${filename} has no rows`);
    const lengths = records.map((r) => textOf(r).length).sort((a, b) => a - b);
    // A Map: labels such as 'constructor' or '__proto__' must not meet Object.prototype's members.
    const counts = new Map<string, number>();
    for (const r of records) {
      const l = labelOf(r, validated.labels);
      if (l !== undefined) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    const splits = splitDataset(records, { ...SPLIT, seed: 42, stratifyBy: (r) => labelOf(r, validated.labels) ?? 0 });
    const stats: DatasetStatsRecord = {
      rows: records.length,
      splits: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
      labels: counts.size ? Object.fromEntries(counts) : null,
      textLength: {
        min: lengths[0] ?? 0,
        // Whole characters: the GraphQL type is Int, and an interpolated percentile is not.
        p50: Math.round(percentile(lengths, 50)),
        p95: Math.round(percentile(lengths, 95)),
        max: lengths.at(-1) ?? 0,
      },
    };
    return { records, labels: validated.labels, stats };
  }

  /**
   * Tokens per example with a model's tokenizer (special tokens included), as a histogram of `bins`
   * equal-width bins from 0 to the longest example.
   */
  async tokenLengths(
    id: string,
    tokenizerFile: string,
    bins: number,
  ): Promise<{ counts: number[]; binWidth: number; max: number; p50: number; p95: number }> {
    const dataset = await this.get(id);
    const table = await readTable(await this.cache.file(dataset.path), { format: dataset.format as TableFormat });
    const validated = validateTables([table], {
      task: dataset.task as Task,
      columns: dataset.columns as ColumnMap,
      labels: dataset.labels ?? undefined,
    });
    const tokenizer = Tokenizer.fromFile(tokenizerFile);
    // Unpadded: a padding section in tokenizer.json would make every example as long as the padding.
    const unpadded = { padding: null };
    const lengths = (validated.records[0] ?? [])
      .map(
        (r) =>
          (r.task === 'question-answering'
            ? tokenizer.encode(r.question, r.context, unpadded)
            : tokenizer.encode(textOf(r), undefined, unpadded)
          ).ids.length,
      )
      .sort((a, b) => a - b);
    const max = lengths.at(-1) ?? 0;
    const binWidth = Math.max(1, Math.ceil((max + 1) / bins));
    const counts = new Array<number>(Math.ceil((max + 1) / binWidth)).fill(0);
    for (const n of lengths) counts[Math.floor(n / binWidth)] = (counts[Math.floor(n / binWidth)] ?? 0) + 1;
    return { counts, binWidth, max, p50: percentile(lengths, 50), p95: percentile(lengths, 95) };
  }

  /** Rows of the stored file as parsed, `offset` from the first. */
  async preview(id: string, offset: number, limit: number): Promise<{ row: number; data: Record<string, unknown> }[]> {
    const dataset = await this.get(id);
    const table = await readTable(await this.cache.file(dataset.path), { format: dataset.format as TableFormat });
    return table.rows.slice(offset, offset + limit).map((r) => ({ row: r.row, data: { ...r.data } }));
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
