// Adapter files: a JSON config next to a safetensors file of named float32 tensors.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '@tuneql/engine';
import { StrategyError } from '../contract/errors.ts';

export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';

export interface StoredTensor {
  shape: readonly number[];
  data: Float32Array;
}

/** Writes adapter_config.json and adapter_model.safetensors into `dir`; returns the file names. */
export async function writeAdapterFiles(
  dir: string,
  config: Record<string, unknown>,
  tensors: ReadonlyMap<string, StoredTensor> | Readonly<Record<string, StoredTensor>>,
): Promise<string[]> {
  await writeFile(join(dir, ADAPTER_CONFIG_NAME), `${JSON.stringify(config, null, 2)}\n`);
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_NAME), tensors);
  return [ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME];
}

function missing(file: string, plugin: string): StrategyError {
  return new StrategyError('STRATEGY_ARTIFACT_INVALID', `${file} is missing; give the folder that the strategy's export wrote`, {
    plugin,
    hook: 'load',
  });
}

/** Reads adapter_config.json from `dir`; a missing or malformed file is an error that names it. */
export async function readAdapterConfig(dir: string, plugin: string): Promise<Record<string, unknown>> {
  const file = join(dir, ADAPTER_CONFIG_NAME);
  if (!existsSync(file)) throw missing(file, plugin);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new StrategyError('STRATEGY_ARTIFACT_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { plugin, hook: 'load' });
  }
}

/** Reads what writeAdapterFiles wrote; a missing or non-float file is an error that names it. */
export async function readAdapterFiles(
  dir: string,
  plugin: string,
): Promise<{ config: Record<string, unknown>; tensors: Map<string, StoredTensor> }> {
  const config = await readAdapterConfig(dir, plugin);
  const weightsFile = join(dir, ADAPTER_WEIGHTS_NAME);
  if (!existsSync(weightsFile)) throw missing(weightsFile, plugin);
  const tensors = new Map<string, StoredTensor>();
  for (const [name, t] of (await readSafetensors(weightsFile)).tensors) {
    if (!(t.data instanceof Float32Array)) {
      throw new StrategyError('STRATEGY_ARTIFACT_INVALID', `${weightsFile}: tensor '${name}' is ${t.dtype}, not a floating-point tensor`, {
        plugin,
        hook: 'load',
      });
    }
    tensors.set(name, { shape: t.shape, data: t.data });
  }
  return { config, tensors };
}
