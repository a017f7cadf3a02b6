// Dataset work off the main event loop: each request runs in a worker thread of its own (which exits after, so its
// memory goes with it), at most `threads` at a time, with a heap limit so a hostile file fails one request and not
// the process. Progress comes back as it goes.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type DataReply, type DataRequest, fromWire, type LoadInThreadOptions } from './data-protocol.ts';
import type { DataProgress, LoadedDataset } from './dataset.ts';
import { DatasetError } from './issues.ts';
import { type PackedDataset, unpackDataset } from './packed.ts';
import type { ReadOptions } from './read.ts';
import { type DataSource, sourceName } from './source.ts';
import type { DatasetSummary } from './summary.ts';
import type { SourceRow } from './table.ts';
import type { ValidateOptions } from './validate.ts';

export interface DataThreadsOptions {
  /** Requests running at once; more wait their turn. @default the cores less one, at least 2 (a long tokenizing does not hold up an upload's check) */
  threads?: number;
  /** Heap limit of each thread in MiB; past it the request fails with a DatasetError and the process goes on. @default 4096 */
  maxMemoryMb?: number;
  /** What the error tells a user to raise (a server names its setting). @default 'maxMemoryMb' */
  memorySetting?: string;
}

export type OnDataProgress = (progress: DataProgress) => void;

export class DataThreads {
  readonly threads: number;
  readonly maxMemoryMb: number;
  private readonly memorySetting: string;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers = new Set<Worker>();

  constructor(options: DataThreadsOptions = {}) {
    this.threads = Math.max(1, options.threads ?? Math.max(2, availableParallelism() - 1));
    this.maxMemoryMb = options.maxMemoryMb ?? 4096;
    this.memorySetting = options.memorySetting ?? 'maxMemoryMb';
  }

  /** Validates one file for a task and summarizes it; a DatasetError (capped, counted) when any row is wrong. */
  summarize(
    source: DataSource,
    read: ReadOptions,
    validate: ValidateOptions,
    split: { validation: number; test: number; seed: number },
    onProgress?: OnDataProgress,
  ): Promise<{ summary: DatasetSummary; labels?: string[] }> {
    return this.run({ type: 'summarize', source, read, validate, split }, onProgress);
  }

  /** loadDataset in a thread, in the packed form that crossed over (unpackDataset makes the examples). */
  loadPacked(options: LoadInThreadOptions, onProgress?: OnDataProgress): Promise<PackedDataset> {
    return this.run({ type: 'load', options }, onProgress);
  }

  /** loadDataset in a thread; the examples are rebuilt here a slice at a time. */
  async load(options: LoadInThreadOptions, onProgress?: OnDataProgress): Promise<LoadedDataset> {
    return unpackDataset(await this.loadPacked(options, onProgress));
  }

  /** Tokens per record of one file with the tokenizer in `tokenizerFile`, ascending. */
  tokenLengths(
    source: DataSource,
    read: ReadOptions,
    validate: ValidateOptions,
    tokenizerFile: string,
    onProgress?: OnDataProgress,
  ): Promise<Int32Array> {
    return this.run({ type: 'tokenLengths', source, read, validate, tokenizerFile }, onProgress);
  }

  /** Rows [offset, offset + limit) of a file as parsed (rows with problems skipped); reads no further than that. */
  preview(source: DataSource, read: ReadOptions, offset: number, limit: number): Promise<SourceRow[]> {
    return this.run({ type: 'preview', source, read, offset, limit });
  }

  /** Stops the threads still running; their requests fail. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private async turn(): Promise<void> {
    if (this.running < this.threads) {
      this.running++;
      return;
    }
    // The finishing request hands its place over, so `running` stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private async run<T>(request: DataRequest, onProgress?: OnDataProgress): Promise<T> {
    await this.turn();
    try {
      return await this.start<T>(request, onProgress);
    } finally {
      this.release();
    }
  }

  private start<T>(request: DataRequest, onProgress?: OnDataProgress): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const worker = new Worker(new URL('./data-worker.ts', import.meta.url), {
        workerData: request,
        // A nursery as large as a busy main thread's: tokenizing makes many short-lived strings.
        resourceLimits: { maxOldGenerationSizeMb: this.maxMemoryMb, maxYoungGenerationSizeMb: 64 },
      });
      this.workers.add(worker);
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.workers.delete(worker);
        fn();
        void worker.terminate();
      };
      worker.on('message', (reply: DataReply) => {
        if (reply.type === 'progress') onProgress?.(reply.progress);
        else if (reply.type === 'done') settle(() => resolve(reply.value as T));
        else settle(() => reject(fromWire(reply.error)));
      });
      worker.on('error', (err: Error & { code?: string }) => {
        if (err.code !== 'ERR_WORKER_OUT_OF_MEMORY') return settle(() => reject(new Error(`the data thread failed: ${err.message}`)));
        const message = `reading it needed more than ${this.maxMemoryMb} MiB; split the file, or raise ${this.memorySetting}`;
        settle(() => reject(new DatasetError([{ file: fileOf(request), message }])));
      });
      worker.on('exit', (code) => settle(() => reject(new Error(`the data thread stopped (exit code ${code}) before answering`))));
    });
  }
}

/** The file a request reads first, for messages. */
function fileOf(request: DataRequest): string {
  if (request.type !== 'load') return sourceName(request.source);
  const files = request.options.files as { file?: DataSource; train?: DataSource };
  return sourceName((files.file ?? files.train) as DataSource);
}

let shared: DataThreads | undefined;

/** The process's DataThreads with the default settings (the CLI's, and anything not given its own). */
export function dataThreads(): DataThreads {
  shared ??= new DataThreads();
  return shared;
}
