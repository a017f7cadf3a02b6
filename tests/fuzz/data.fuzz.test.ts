// Fuzzing the dataset readers: arbitrary bytes and well-formed CSV/JSONL with damage (quotes, BOMs, CR/LF mixes,
// NULs, bad UTF-8, huge fields, deep JSON, values of the wrong type), read and validated for every task with odd
// column mappings and label sets. A file is either read, with its problems as issues, or refused with a
// DatasetError or DatasetConfigError; never another exception, and within the time and memory bounds.

import fc from 'fast-check';
import { describe } from 'vitest';
import {
  DatasetConfigError,
  DatasetError,
  readTable,
  splitDataset,
  type ValidateOptions,
  validateTables,
} from '../../packages/engine/src/data/index.ts';
import { datasetFile, validation } from './dataset-files.ts';
import { itFuzzes, refusedOnlyWith, withinBounds } from './fuzz-settings.ts';

const DATASET_ERRORS = [DatasetError, DatasetConfigError];

/** What the server does with an upload: read it, validate it for the task, split the records. */
async function readAndValidate(name: string, bytes: Uint8Array, options: unknown) {
  const table = await readTable({ name, content: bytes }, { chunkBytes: 1 + (bytes.length % 997) });
  // Tasks, mappings and labels arrive from GraphQL as the client sent them, so the types are not to be trusted.
  const validated = validateTables([table], options as ValidateOptions);
  const records = validated.records[0] ?? [];
  if (records.length > 0) splitDataset(records, { validation: 0.1, test: 0.1, seed: 42 });
  return validated;
}

describe('dataset readers under fuzzing', () => {
  itFuzzes(
    'CSV, TSV and JSONL files, damaged or arbitrary, read and validated for every task: issues or a DatasetError, nothing else',
    () =>
      fc.asyncProperty(datasetFile, validation, async ({ name, bytes }, options) => {
        await withinBounds(`reading ${name} (${bytes.length} bytes)`, () =>
          refusedOnlyWith(DATASET_ERRORS, () => readAndValidate(name, bytes, options)),
        );
      }),
    { runs: 600, budgetMs: 6_000 },
  );
});
