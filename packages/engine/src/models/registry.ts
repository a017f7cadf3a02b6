// Supported architectures by config.json's model_type.

import type { Architecture } from './architecture.ts';
import { bert, roberta } from './bert.ts';
import { ConfigError, type RawConfig } from './config.ts';
import { distilbert } from './distilbert.ts';
import { gpt2 } from './gpt2.ts';
import { llama } from './llama.ts';

export const ARCHITECTURES: Readonly<Record<string, Architecture>> = { bert, roberta, distilbert, gpt2, llama };

export function architectureFor(config: RawConfig, source = 'config.json'): Architecture {
  const type = config.model_type;
  if (typeof type !== 'string')
    throw new ConfigError(`${source}: 'model_type' is missing; supported: ${Object.keys(ARCHITECTURES).join(', ')}`, 'model_type', type);
  // Own keys only: model_type 'toString' must not find Object.prototype.toString.
  const arch = Object.hasOwn(ARCHITECTURES, type) ? ARCHITECTURES[type] : undefined;
  if (!arch)
    throw new ConfigError(
      `${source}: model_type '${type}' is not supported; supported: ${Object.keys(ARCHITECTURES).join(', ')}`,
      'model_type',
      type,
    );
  return arch;
}
