// The strategies that ship with TuneQL, and a registry that holds them.

import { type RegistryOptions, StrategyRegistry } from '../contract/registry.ts';
import type { Strategy } from '../contract/strategy.ts';
import { bottleneck } from './bottleneck/index.ts';
import { full } from './full/index.ts';
import { lora } from './lora/index.ts';
import { partial } from './partial/index.ts';

export const BUILTIN_STRATEGIES: readonly Strategy[] = [full, partial, lora, bottleneck];

/** A registry with the built-in strategies registered; load plugins into it by name or path. */
export function createRegistry(options?: RegistryOptions): StrategyRegistry {
  const registry = new StrategyRegistry(options);
  for (const s of BUILTIN_STRATEGIES) registry.register(s, '@tuneql/adapters');
  return registry;
}
