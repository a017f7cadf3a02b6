// Load-time checks of a strategy definition (id, versions, host range, schema, hooks) and of a run's config.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { closestName, TASKS } from '@tuneql/engine';
import { z } from 'zod';
import { StrategyError } from './errors.ts';
import { parseRange, parseVersion, satisfies } from './semver.ts';
import type { ConfigSchema, Strategy } from './strategy.ts';

export const STRATEGY_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const PREFIX = /^[a-z][a-z0-9_]*$/;

/** The host's version: the engine package's, read from its package.json. */
export const HOST_VERSION: string = readEngineVersion();

function readEngineVersion(): string {
  // The engine's exports map publishes only its entry point; its package.json lies above that file.
  let dir = dirname(createRequire(import.meta.url).resolve('@tuneql/engine'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@tuneql/engine' && typeof pkg.version === 'string') return pkg.version;
    } catch {}
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find @tuneql/engine/package.json to read the host version');
    dir = up;
  }
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
}

/**
 * Checks everything about a strategy object that can be checked without a model: the id pattern, its
 * version, its host range against `hostVersion`, the schema (a zod object with a JSON Schema), defaults,
 * tasks, architectures, prefix and hooks. `source` (a package name or path) names where it came from.
 */
export function validateStrategy(strategy: unknown, source?: string, hostVersion = HOST_VERSION): asserts strategy is Strategy {
  const from = source ? ` (from ${source})` : '';
  if (typeof strategy !== 'object' || strategy === null) {
    throw new StrategyError(
      'STRATEGY_DEFINITION_INVALID',
      `a strategy${from} must be an object made with defineStrategy({...}), got ${describe(strategy)}`,
      { plugin: source },
    );
  }
  const s = strategy as Record<string, unknown>;
  const id = s.id;
  if (typeof id !== 'string' || !STRATEGY_ID.test(id)) {
    throw new StrategyError(
      'STRATEGY_ID_INVALID',
      `strategy id ${describe(id)}${from} is invalid: an id is lowercase words joined by hyphens (${STRATEGY_ID}), e.g. 'lora' or 'prefix-tuning'`,
      { plugin: source ?? (typeof id === 'string' ? id : undefined), path: 'id' },
    );
  }
  const bad = (path: string, want: string): never => {
    throw new StrategyError('STRATEGY_DEFINITION_INVALID', `strategy '${id}'${from}: '${path}' must be ${want}, got ${describe(s[path])}`, {
      plugin: id,
      path,
    });
  };
  if (typeof s.version !== 'string' || !parseVersion(s.version)) bad('version', "a semantic version such as '1.0.0'");
  if (typeof s.description !== 'string' || !s.description.trim()) bad('description', 'a non-empty string');
  if (typeof s.host !== 'string') bad('host', "a semver range of TuneQL host versions such as '^0.1.0'");
  const host = s.host as string;
  try {
    parseRange(host);
  } catch (err) {
    throw new StrategyError('STRATEGY_DEFINITION_INVALID', `strategy '${id}'${from}: 'host': ${(err as Error).message}`, {
      plugin: id,
      path: 'host',
    });
  }
  if (!satisfies(hostVersion, host)) {
    throw new StrategyError(
      'STRATEGY_HOST_MISMATCH',
      `strategy '${id}' ${s.version}${from} supports TuneQL host ${host}, but this host is ${hostVersion}; use a version of the plugin made for ${hostVersion}`,
      { plugin: id, path: 'host' },
    );
  }
  const schema = s.configSchema as { _zod?: { def?: { type?: string } }; safeParse?: unknown } | undefined;
  if (typeof schema?.safeParse !== 'function' || schema._zod?.def?.type !== 'object')
    bad('configSchema', 'a zod object schema (z.object({...}))');
  try {
    z.toJSONSchema(s.configSchema as ConfigSchema, { io: 'input' });
  } catch (err) {
    throw new StrategyError(
      'STRATEGY_DEFINITION_INVALID',
      `strategy '${id}'${from}: 'configSchema' cannot be written as JSON Schema (${(err as Error).message}); avoid transforms and custom types`,
      { plugin: id, path: 'configSchema', cause: err },
    );
  }
  const defaults = s.defaults as { learningRate?: unknown } | undefined;
  if (typeof defaults?.learningRate !== 'number' || !(defaults.learningRate > 0)) {
    throw new StrategyError(
      'STRATEGY_DEFINITION_INVALID',
      `strategy '${id}'${from}: 'defaults.learningRate' must be a positive number, got ${describe(defaults?.learningRate)}`,
      { plugin: id, path: 'defaults.learningRate' },
    );
  }
  if (!Array.isArray(s.tasks) || !s.tasks.length || s.tasks.some((t) => !TASKS.includes(t))) {
    bad('tasks', `a non-empty list of ${TASKS.join(', ')}`);
  }
  if (!Array.isArray(s.architectures) || !s.architectures.length || s.architectures.some((a) => typeof a !== 'string' || !a)) {
    bad('architectures', "a non-empty list of model types ('bert', 'gpt2', ...) or ['*']");
  }
  if (s.parameterPrefix !== undefined && (typeof s.parameterPrefix !== 'string' || !PREFIX.test(s.parameterPrefix))) {
    bad('parameterPrefix', `a lowercase name segment start such as 'lora_' (${PREFIX})`);
  }
  if (typeof s.inject !== 'function') bad('inject', 'a function');
  for (const hook of ['schedule', 'merge', 'export', 'load']) {
    if (s[hook] !== undefined && typeof s[hook] !== 'function') bad(hook, 'a function when present');
  }
}

/** Parses a run's strategy config; a failure names the strategy and every field at fault, an unknown option the valid ones. */
export function parseStrategyConfig<S extends ConfigSchema>(strategy: Strategy<S>, raw: unknown): z.output<S> {
  const options = Object.keys(strategy.configSchema.shape);
  const given = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? Object.keys(raw) : [];
  // Checked here, not left to the schema: a plugin's z.object() would drop a misspelled option without a word.
  const unknown = given.filter((k) => !options.includes(k));
  const result = strategy.configSchema.safeParse(raw ?? {});
  if (result.success && !unknown.length) return result.data;
  const where = (path: readonly PropertyKey[]) => (path.length ? `config.${path.map(String).join('.')}` : 'config');
  const issues = (result.error?.issues ?? []).filter((i) => i.code !== 'unrecognized_keys' || i.path.length > 0);
  const lines = issues.map((i) => `${where(i.path)}: ${i.message}`);
  for (const k of unknown) {
    const near = closestName(k, options);
    lines.push(
      `config.${k}: '${strategy.id}' has no option '${k}'${near ? ` (did you mean '${near}'?)` : ''}; its options are ${options.join(', ')}`,
    );
  }
  const first = issues[0]?.path.map(String).join('.') ?? unknown[0] ?? '';
  throw new StrategyError(
    'STRATEGY_CONFIG_INVALID',
    `strategy '${strategy.id}': ${lines.join('; ')}; fix the run's strategy config (its JSON Schema lists the fields)`,
    { plugin: strategy.id, path: first || undefined },
  );
}

/** The config schema as JSON Schema (draft 2020-12), the shape of the config a user writes (defaults optional). */
export function configJsonSchema(strategy: Strategy): Record<string, unknown> {
  return z.toJSONSchema(strategy.configSchema, { io: 'input' }) as Record<string, unknown>;
}
