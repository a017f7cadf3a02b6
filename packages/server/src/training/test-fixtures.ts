// Runs for the tests: the project's austen-bert-mini on a small, fixed slice of Austen's paragraphs.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunSpec, type RunSpec, type RunSpecInput } from './run-spec.ts';

export const AUSTEN_MODEL = fileURLToPath(new URL('../../../../models/austen-bert-mini', import.meta.url));
export const AUSTEN_DATA = fileURLToPath(new URL('../../../../examples/austen/novels.jsonl', import.meta.url));

/**
 * Every 12th paragraph of novels.jsonl (the file is grouped by novel, so all six appear), or every `every`th:
 * one in five of those to validation.jsonl (32), the others to train.jsonl (126), in a fresh temporary folder.
 */
export function austenSlice(every = 12): { dir: string; train: string; validation: string } {
  const lines = readFileSync(AUSTEN_DATA, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .filter((_, i) => i % every === 0);
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-austen-'));
  const write = (name: string, rows: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, `${rows.join('\n')}\n`);
    return file;
  };
  return {
    dir,
    train: write(
      'train.jsonl',
      lines.filter((_, i) => i % 5 !== 0),
    ),
    validation: write(
      'validation.jsonl',
      lines.filter((_, i) => i % 5 === 0),
    ),
  };
}

/** A short LoRA run on the slice (batch 8, 32 tokens, 8 steps, one onnxruntime thread); `override` replaces top-level keys. */
export function austenRun(slice: { train: string; validation: string }, override: Partial<RunSpecInput> = {}): RunSpec {
  return parseRunSpec({
    model: AUSTEN_MODEL,
    task: 'sequence-classification',
    data: { train: slice.train, validation: slice.validation, columns: { text: 'text', label: 'label' }, max_length: 32 },
    strategy: { id: 'lora', config: { r: 4, alpha: 8, dropout: 0.1 } },
    training: { epochs: 1, max_steps: 8, batch_size: 8, learning_rate: 3e-3, warmup_ratio: 0.1, max_buckets: 1 },
    seed: 7,
    threads: 1,
    ...override,
  });
}
