// The strategies a host knows, registered or loaded by package name or path, each checked at load.

import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { closestName, type PretrainedModel } from '@tuneql/engine';
import { StrategyError } from './errors.ts';
import { type AppliedStrategy, type ApplyOptions, applyStrategy, restoreStrategy } from './host.ts';
import type { Strategy } from './strategy.ts';
import { configJsonSchema, HOST_VERSION, validateStrategy } from './validate.ts';

export interface RegistryOptions {
  /** The host version plugins' `host` ranges are checked against. @default the engine's version */
  hostVersion?: string;
}

export interface PluginLoadOptions {
  /**
   * Where a package name is resolved from and a relative path against: a folder, or a file (path or
   * file URL, e.g. a config file or import.meta.url). @default the working directory
   */
  from?: string;
}

function overlaps(a: string, b: string): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

export class StrategyRegistry {
  readonly hostVersion: string;
  private readonly entries = new Map<string, { strategy: Strategy; source: string | undefined }>();

  constructor(options: RegistryOptions = {}) {
    this.hostVersion = options.hostVersion ?? HOST_VERSION;
  }

  /** Checks and adds a strategy; `source` (its package or path) is named in errors. */
  register(strategy: Strategy, source?: string): Strategy {
    validateStrategy(strategy, source, this.hostVersion);
    const existing = this.entries.get(strategy.id);
    if (existing) {
      if (existing.strategy === strategy) return strategy;
      throw new StrategyError(
        'STRATEGY_DUPLICATE_ID',
        `strategy id '${strategy.id}'${source ? ` (from ${source})` : ''} is already registered${existing.source ? ` by ${existing.source}` : ''}; a plugin needs an id of its own`,
        { plugin: source ?? strategy.id, path: 'id' },
      );
    }
    const prefix = strategy.parameterPrefix;
    if (prefix) {
      for (const { strategy: other, source: otherSource } of this.entries.values()) {
        if (other.parameterPrefix && overlaps(prefix, other.parameterPrefix)) {
          throw new StrategyError(
            'STRATEGY_PREFIX_CONFLICT',
            `strategy '${strategy.id}' names its parameters with '${prefix}', which clashes with '${other.parameterPrefix}' of strategy '${other.id}'${otherSource ? ` (${otherSource})` : ''}; choose a prefix no other strategy starts with`,
            { plugin: strategy.id, path: 'parameterPrefix' },
          );
        }
      }
    }
    this.entries.set(strategy.id, { strategy, source });
    return strategy;
  }

  /**
   * Imports a plugin by package name ('@tuneql/plugin-ia3') or path ('./my-strategy.ts') and registers
   * the strategy it exports (as `default` or `strategy`).
   */
  async load(specifier: string, options: PluginLoadOptions = {}): Promise<Strategy> {
    const from = options.from ?? process.cwd();
    const fromPath = from.startsWith('file:') ? fileURLToPath(from) : resolve(from);
    const dir = existsSync(fromPath) && statSync(fromPath).isDirectory() ? fromPath : dirname(fromPath);
    let url: string;
    try {
      if (specifier.startsWith('file:')) url = specifier;
      else if (specifier.startsWith('.') || isAbsolute(specifier)) url = pathToFileURL(resolve(dir, specifier)).href;
      else url = pathToFileURL(createRequire(join(dir, 'noop.js')).resolve(specifier)).href;
    } catch (err) {
      throw new StrategyError(
        'STRATEGY_NOT_FOUND',
        `cannot find the strategy plugin '${specifier}' from ${dir}: install the package (pnpm add ${specifier}) or give a path to its module`,
        { plugin: specifier, cause: err },
      );
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (err) {
      const missing =
        (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes(fileURLToPath(url));
      throw new StrategyError(
        missing ? 'STRATEGY_NOT_FOUND' : 'STRATEGY_LOAD_FAILED',
        missing
          ? `cannot find the strategy plugin module ${fileURLToPath(url)} ('${specifier}')`
          : `the strategy plugin '${specifier}' failed to load: ${(err as Error).message}`,
        { plugin: specifier, cause: err },
      );
    }
    const strategy = mod.default ?? mod.strategy;
    if (strategy === undefined) {
      throw new StrategyError(
        'STRATEGY_DEFINITION_INVALID',
        `the module '${specifier}' exports no strategy: give it \`export default defineStrategy({...})\``,
        { plugin: specifier },
      );
    }
    return this.register(strategy as Strategy, specifier);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): Strategy {
    const entry = this.entries.get(id);
    if (!entry) {
      const near = closestName(id, [...this.entries.keys()]);
      const hint = near ? ` (did you mean '${near}'?)` : '';
      throw new StrategyError('STRATEGY_NOT_FOUND', `no strategy '${id}'${hint}; known: ${[...this.entries.keys()].join(', ') || 'none'}`, {
        plugin: id,
      });
    }
    return entry.strategy;
  }

  /** The package or path a strategy was loaded from; undefined for one registered directly (a built-in). */
  sourceOf(id: string): string | undefined {
    this.get(id);
    return this.entries.get(id)?.source;
  }

  list(): Strategy[] {
    return [...this.entries.values()].map((e) => e.strategy);
  }

  /** The strategy's config as JSON Schema, for the API and the console's form. */
  jsonSchema(id: string): Record<string, unknown> {
    return configJsonSchema(this.get(id));
  }

  apply(id: string, model: PretrainedModel, config?: unknown, options?: ApplyOptions): Promise<AppliedStrategy> {
    return applyStrategy(this.get(id), model, config, options);
  }

  restore(id: string, base: PretrainedModel, dir: string, options?: ApplyOptions): Promise<AppliedStrategy> {
    return restoreStrategy(this.get(id), base, dir, options);
  }
}
