// The `tuneql train` configuration file (JSON or YAML): its schema, defaults, and errors that name the key.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createRegistry, type StrategyRegistry } from '@tuneql/adapters';
import { parse as parseYaml } from 'yaml';
import { dataSourceProblem, type RunSpec, RunSpecError, RunSpecSchema, withStrategyDefaults } from '../training/run-spec.ts';

/** The file's schema is a run's: model, task, data, strategy (default full), training, seed, device. */
export const TrainConfigSchema = RunSpecSchema;

export type TrainConfigFile = RunSpec;

/** A configuration file that cannot be used; lists every problem with its key. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

/**
 * Reads and validates CONFIG; relative paths in it are resolved against the file's folder. Training settings
 * the file leaves out take the strategy's suggestion (LoRA's learning rate), else the trainer's default, as
 * a run created through the API does.
 */
export async function readTrainConfig(file: string, registry: StrategyRegistry = createRegistry()): Promise<TrainConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`${file}: cannot be read (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>;
    const s = r.strategy;
    const id = s === undefined ? 'full' : typeof s === 'object' && s !== null ? ((s as { id?: unknown }).id ?? 'full') : undefined;
    if (typeof id === 'string' && registry.has(id)) {
      try {
        raw = { ...r, training: withStrategyDefaults(r.training, registry.get(id).defaults) };
      } catch (err) {
        if (!(err instanceof RunSpecError)) throw err;
        throw new ConfigFileError(`${file}: 1 problem:\n${err.problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
      }
    }
  }
  const parsed = TrainConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigFileError(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.join('\n')}`);
  }
  const config = parsed.data;
  const { data } = config;
  const problem = dataSourceProblem(data);
  if (problem) throw new ConfigFileError(`${file}: ${problem}`);
  const base = dirname(resolve(file));
  const at = (p: string | undefined) => (p === undefined ? undefined : resolve(base, p));
  return {
    ...config,
    model: resolve(base, config.model),
    data: { ...data, file: at(data.file), train: at(data.train), validation: at(data.validation), test: at(data.test) },
  };
}
