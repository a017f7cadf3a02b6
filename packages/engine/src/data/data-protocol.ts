// Requests to a data thread and its replies; errors cross as plain objects and become their classes again.

import { ChatTemplateError, type ChatTemplateErrorCode } from '../chat/template.ts';
import type { Task } from '../models/config.ts';
import { DatasetConfigError } from './columns.ts';
import type { DataProgress, LoadDatasetOptions } from './dataset.ts';
import { DatasetError, type DatasetIssue, type IssueKind } from './issues.ts';
import type { ReadOptions } from './read.ts';
import type { DataSource } from './source.ts';
import type { ValidateOptions } from './validate.ts';

/** LoadDatasetOptions as a thread takes them: the tokenizer by its file, no callbacks, sources that clone. */
export type LoadInThreadOptions = Omit<LoadDatasetOptions, 'tokenizer' | 'onProgress'> & { tokenizerFile: string; task: Task };

export type DataRequest =
  /** Validate one file and summarize it (an upload becoming a dataset). */
  | {
      type: 'summarize';
      source: DataSource;
      read: ReadOptions;
      validate: ValidateOptions;
      split: { validation: number; test: number; seed: number };
    }
  /** loadDataset, answered packed. */
  | { type: 'load'; options: LoadInThreadOptions }
  /** Tokens per record of one file, ascending. */
  | { type: 'tokenLengths'; source: DataSource; read: ReadOptions; validate: ValidateOptions; tokenizerFile: string }
  /** Rows [offset, offset + limit) as parsed; the reading stops there. */
  | { type: 'preview'; source: DataSource; read: ReadOptions; offset: number; limit: number };

export interface WireDataError {
  name: string;
  message: string;
  stack?: string;
  issues?: DatasetIssue[];
  kinds?: IssueKind[];
  /** A ChatTemplateError's code and template. */
  code?: ChatTemplateErrorCode;
  template?: string;
}

export type DataReply =
  | { type: 'progress'; progress: DataProgress }
  | { type: 'done'; value: unknown }
  | { type: 'error'; error: WireDataError };

export function fromWire(e: WireDataError): Error {
  if (e.name === 'DatasetError' && e.issues && e.kinds) return new DatasetError(e.issues, e.kinds);
  if (e.name === 'DatasetConfigError') return new DatasetConfigError(e.message);
  if (e.name === 'ChatTemplateError' && e.code && e.template !== undefined) return new ChatTemplateError(e.code, e.template, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
