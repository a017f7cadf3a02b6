// The untuned base model with a run's task head, exported once per (model, head, seed) into a cache
// folder, so the playground can show the base model's answers beside the fine-tuned one's.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadPretrained } from '@tuneql/engine';
import type { RunSpec } from '../training/run-spec.ts';
import { CARD_FILE, ONNX_FILE, TOKENIZER_FILE, writeModelFolder } from './model-folder.ts';

/** What fixes the base model's export: the run's model folder, task, label set, length and seed. */
export interface BaseModelSpec {
  /** A Hugging Face model folder. */
  model: string;
  task: RunSpec['task'];
  /** The run's labels in id order (its model card's); the model's own config decides when absent. */
  labels?: readonly string[];
  max_length: number;
  /** The run's seed: the head starts from the same values the run's did. */
  seed: number;
}

// Bump when the folder's content changes, so older cache entries are not reused.
const LAYOUT = 1;

/** Exports in flight in this process, by folder, so concurrent callers share one export. */
const pending = new Map<string, Promise<string>>();

/**
 * The folder (under `cacheDir`) holding the base model with a freshly initialized task head, seeded
 * as the run's, as model.onnx + tokenizer.json + tuneql.json; exported on the first call and reused
 * after. The folder's name hashes the spec and the model files' sizes and times, so a changed model
 * gets a new export.
 */
export async function baseModelExport(spec: BaseModelSpec, cacheDir: string): Promise<string> {
  const model = resolve(spec.model);
  const files = await Promise.all(
    ['config.json', 'model.safetensors', TOKENIZER_FILE].map(async (f) => {
      const s = await stat(join(model, f)).catch(() => undefined);
      return s ? [f, s.size, s.mtimeMs] : [f, null];
    }),
  );
  const key = createHash('sha256')
    .update(JSON.stringify([LAYOUT, model, files, spec.task, spec.labels ?? null, spec.max_length, spec.seed]))
    .digest('hex')
    .slice(0, 20);
  const dir = join(resolve(cacheDir), `base-${key}`);
  if (complete(dir)) return dir;
  let job = pending.get(dir);
  if (!job) {
    job = exportInto(dir, { ...spec, model }).finally(() => pending.delete(dir));
    pending.set(dir, job);
  }
  return job;
}

function complete(dir: string): boolean {
  return existsSync(join(dir, ONNX_FILE)) && existsSync(join(dir, CARD_FILE));
}

async function exportInto(dir: string, spec: BaseModelSpec): Promise<string> {
  const labels = spec.labels ? [...spec.labels] : undefined;
  const model = await loadPretrained(spec.model, { task: spec.task, numLabels: labels?.length, seed: spec.seed });
  // Written beside the final folder and renamed into place: a reader never sees half an export.
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  await mkdir(tmp, { recursive: true });
  try {
    await writeModelFolder(tmp, model, {
      tokenizerFile: join(spec.model, TOKENIZER_FILE),
      card: { task: spec.task, labels: labels ?? labelsOf(model.config.raw), max_length: spec.max_length },
      weights: false,
    });
    try {
      await rename(tmp, dir);
    } catch (err) {
      // Another process finished the same export first: keep its folder.
      if (!complete(dir)) throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

function labelsOf(raw: Record<string, unknown>): string[] | undefined {
  const id2label = raw.id2label as Record<string, string> | undefined;
  if (!id2label) return undefined;
  return Object.keys(id2label)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => id2label[k] as string);
}
