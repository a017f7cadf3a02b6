// A run's sequence length against its model: the positions config.json gives it and the tokenizer's own
// limit, read the same way for a model folder (`tuneql train`, workers) and a registered model (createRun).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, modelMaxLength, type RawConfig } from '@tuneql/engine';
import { type RunSpec, RunSpecError } from './run-spec.ts';

/** How long a sequence the model takes. */
export interface SequenceLimits {
  /** Positions the model has (config.json's max_position_embeddings or n_positions; RoBERTa's less its offset). */
  positions: number;
  /** The tokenizer's model_max_length (tokenizer_config.json) or truncation length (tokenizer.json), when it sets one. */
  tokenizer: number | undefined;
}

/**
 * transformers writes model_max_length = int(1e30) for "no limit"; anything past the largest position
 * table the engine accepts means the same.
 */
const NO_LIMIT = 2 ** 40;

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // the tokenizer's own loading reports an unreadable file
  }
}

/** The tokenizer's limit in the model folder `dir`: tokenizer_config.json's model_max_length, else tokenizer.json's truncation. */
export function tokenizerLimit(dir: string): number | undefined {
  const declared = readJson(join(dir, 'tokenizer_config.json'))?.model_max_length;
  if (typeof declared === 'number' && Number.isInteger(declared) && declared > 0 && declared < NO_LIMIT) return declared;
  const truncation = readJson(join(dir, 'tokenizer.json'))?.truncation as { max_length?: unknown } | null | undefined;
  const cut = truncation?.max_length;
  return typeof cut === 'number' && Number.isInteger(cut) && cut > 0 ? cut : undefined;
}

/** A model's limits from its config.json and tokenizer limit; a config that cannot be read is the run's model problem. */
export function sequenceLimits(config: RawConfig, tokenizer: number | undefined): SequenceLimits {
  try {
    return { positions: modelMaxLength(config), tokenizer };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new RunSpecError(err.message, [{ path: 'model', message: err.message }]);
  }
}

/** Refuses a data.max_length past the model's positions or its tokenizer's limit, naming both numbers. */
export function checkMaxLength(spec: Pick<RunSpec, 'data'>, model: string, limits: SequenceLimits): void {
  const asked = spec.data.max_length;
  const refuse = (limit: number, what: string): never => {
    const message = `data.max_length ${asked} is more than ${what}; set data.max_length to ${limit} or less`;
    throw new RunSpecError(message, [{ path: 'data.max_length', message }]);
  };
  if (asked > limits.positions) refuse(limits.positions, `the ${limits.positions} positions of model ${model}`);
  if (limits.tokenizer !== undefined && asked > limits.tokenizer)
    refuse(limits.tokenizer, `the ${limits.tokenizer} tokens the tokenizer of model ${model} takes (its model_max_length)`);
}
