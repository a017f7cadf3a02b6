// The registry's load-time checks (one coded error each), plugins loaded by path, and config JSON Schema.

import { loadPretrained } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry } from '../strategies/builtin.ts';
import { lora } from '../strategies/lora/index.ts';
import { parity } from '../testing/fixtures.ts';
import { STRATEGY_ERROR_CODES, StrategyError } from './errors.ts';
import { applyStrategy } from './host.ts';
import { StrategyRegistry } from './registry.ts';
import { defineStrategy, type Strategy } from './strategy.ts';
import { HOST_VERSION } from './validate.ts';

function probe(overrides: Partial<Strategy> = {}): Strategy {
  return defineStrategy({
    id: 'probe',
    version: '1.0.0',
    host: '^0.1.0',
    description: 'a strategy for tests',
    configSchema: z.strictObject({ k: z.int().min(1).default(1), mode: z.enum(['a', 'b']).default('a') }),
    defaults: { learningRate: 1e-3 },
    tasks: ['sequence-classification'],
    architectures: ['bert'],
    parameterPrefix: 'probe_',
    inject: ({ model }) => ({ trainable: model.params.count('trainable'), total: model.params.count(), added: [] }),
    ...overrides,
  } as Strategy);
}

/** The StrategyError a call throws (or rejects with). */
async function caught(fn: () => unknown): Promise<StrategyError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof StrategyError) return err;
    throw err;
  }
  throw new Error('expected a StrategyError, nothing was thrown');
}

describe('registering strategies', () => {
  it('reads the host version from the engine package', () => {
    expect(HOST_VERSION).toBe('0.1.0');
  });

  it('holds the built-ins, each under its id, with distinct prefixes', () => {
    const registry = createRegistry();
    expect(registry.list().map((s) => s.id)).toEqual(['full', 'partial', 'lora', 'bottleneck']);
    expect(registry.get('lora')).toBe(lora);
    expect(registry.register(lora)).toBe(lora); // the same object again is not a duplicate
  });

  it('STRATEGY_ID_INVALID: an id that is not lowercase words joined by hyphens', async () => {
    for (const id of ['LoRA', 'my_strategy', '-x', 'x-', 'a--b', '9lives', '']) {
      const err = await caught(() => new StrategyRegistry().register(probe({ id }), './plugins/mine.ts'));
      expect(err.code, id).toBe('STRATEGY_ID_INVALID');
      expect(err.message).toContain('(from ./plugins/mine.ts)');
      expect(err.path).toBe('id');
    }
    expect(() => new StrategyRegistry().register(probe({ id: 'prefix-tuning2' }))).not.toThrow();
  });

  it('STRATEGY_DUPLICATE_ID: a second strategy under a taken id', async () => {
    const registry = createRegistry();
    const err = await caught(() => registry.register(probe({ id: 'lora', parameterPrefix: 'mine_' }), 'my-lora'));
    expect(err).toMatchObject({ code: 'STRATEGY_DUPLICATE_ID', plugin: 'my-lora' });
    expect(err.message).toBe(
      "strategy id 'lora' (from my-lora) is already registered by @tuneql/adapters; a plugin needs an id of its own",
    );
  });

  it('STRATEGY_PREFIX_CONFLICT: a parameter prefix another strategy uses, or one that overlaps it', async () => {
    const registry = createRegistry();
    for (const prefix of ['lora_', 'lora', 'adapter_x']) {
      const err = await caught(() => registry.register(probe({ parameterPrefix: prefix })));
      expect(err.code, prefix).toBe('STRATEGY_PREFIX_CONFLICT');
      expect(err.path).toBe('parameterPrefix');
    }
    expect((await caught(() => registry.register(probe({ parameterPrefix: 'lora_' })))).message).toContain(
      "strategy 'probe' names its parameters with 'lora_', which clashes with 'lora_' of strategy 'lora'",
    );
    expect(() => registry.register(probe({ parameterPrefix: 'probe_' }))).not.toThrow();
  });

  it('STRATEGY_HOST_MISMATCH: a host range that excludes this host', async () => {
    const err = await caught(() => new StrategyRegistry().register(probe({ host: '^1.0.0' }), '@acme/tuneql-probe'));
    expect(err).toMatchObject({ code: 'STRATEGY_HOST_MISMATCH', plugin: 'probe', path: 'host' });
    expect(err.message).toBe(
      "strategy 'probe' 1.0.0 (from @acme/tuneql-probe) supports TuneQL host ^1.0.0, but this host is 0.1.0; use a version of the plugin made for 0.1.0",
    );
    expect(() => new StrategyRegistry({ hostVersion: '1.4.0' }).register(probe({ host: '^1.0.0' }))).not.toThrow();
    expect(() => new StrategyRegistry().register(probe({ host: '>=0.1.0 <0.2.0 || ^1.0.0' }))).not.toThrow();
  });

  it('STRATEGY_DEFINITION_INVALID: a malformed field, named', async () => {
    const cases: [Partial<Strategy>, string][] = [
      [{ version: 'v1' }, 'version'],
      [{ host: 'whatever' }, 'host'],
      [{ description: '' }, 'description'],
      [{ configSchema: { parse: () => ({}) } as never }, 'configSchema'],
      [{ configSchema: z.object({ when: z.date() }) as never }, 'configSchema'],
      [{ defaults: { learningRate: 0 } }, 'defaults.learningRate'],
      [{ tasks: ['summarization' as never] }, 'tasks'],
      [{ architectures: [] }, 'architectures'],
      [{ parameterPrefix: 'Lo-RA' }, 'parameterPrefix'],
      [{ inject: undefined as never }, 'inject'],
      [{ merge: 'yes' as never }, 'merge'],
    ];
    for (const [overrides, path] of cases) {
      const err = await caught(() => new StrategyRegistry().register(probe(overrides)));
      expect(err.code, path).toBe('STRATEGY_DEFINITION_INVALID');
      expect(err.path, path).toBe(path);
      expect(err.message).toContain(`strategy 'probe'`);
    }
    expect((await caught(() => new StrategyRegistry().register(null as never))).code).toBe('STRATEGY_DEFINITION_INVALID');
  });

  it('STRATEGY_NOT_FOUND: an unknown id, package or path', async () => {
    const registry = createRegistry();
    expect((await caught(() => registry.get('prefix-tuning'))).message).toBe(
      "no strategy 'prefix-tuning'; known: full, partial, lora, bottleneck",
    );
    const pkg = await caught(() => registry.load('@acme/tuneql-nothing', { from: import.meta.url }));
    expect(pkg).toMatchObject({ code: 'STRATEGY_NOT_FOUND', plugin: '@acme/tuneql-nothing' });
    expect(pkg.message).toContain('install the package (pnpm add @acme/tuneql-nothing) or give a path to its module');
    const path = await caught(() => registry.load('../../fixtures/plugins/missing.ts', { from: import.meta.url }));
    expect(path.code).toBe('STRATEGY_NOT_FOUND');
  });

  it('loads a plugin module by path and registers its default export', async () => {
    const registry = createRegistry();
    const echo = await registry.load('../../fixtures/plugins/echo.ts', { from: import.meta.url });
    expect(echo.id).toBe('echo');
    expect(registry.get('echo')).toBe(echo);
    expect(await registry.load('../../fixtures/plugins/echo.ts', { from: import.meta.url })).toBe(echo); // loading it again is harmless
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const applied = await registry.apply('echo', model);
    expect(applied.report.added).toContain('bert.encoder.layer.0.attention.self.query.echo_scale');
  });

  it('STRATEGY_LOAD_FAILED and STRATEGY_DEFINITION_INVALID: a module that throws, or exports no strategy', async () => {
    const registry = createRegistry();
    const broken = await caught(() => registry.load('../../fixtures/plugins/throws-on-import.ts', { from: import.meta.url }));
    expect(broken.code).toBe('STRATEGY_LOAD_FAILED');
    expect(broken.message).toContain('missing native binding');
    const empty = await caught(() => registry.load('../../fixtures/plugins/exports-nothing.ts', { from: import.meta.url }));
    expect(empty.code).toBe('STRATEGY_DEFINITION_INVALID');
    expect(empty.message).toContain('export default defineStrategy');
    expect(registry.list().length).toBe(4);
  });
});

describe('configs', () => {
  it('STRATEGY_CONFIG_INVALID: names the plugin and every field at fault', async () => {
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const err = await caught(() => applyStrategy(lora, model, { r: 0, dropout: 1.5, bias: 'some', rank: 4 }));
    expect(err).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'r' });
    expect(err.message).toMatch(
      /^strategy 'lora': config\.r: .*>=1.*; config\.dropout: .*; config\.bias: .*; config\.rank: 'lora' has no option 'rank'; its options are r, alpha, dropout, targetModules, bias, useRslora, modulesToSave, trainableTokenIndices; fix the run's strategy config/,
    );
    const typo = await caught(() => applyStrategy(lora, model, { alpah: 8 }));
    expect(typo).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', path: 'alpah' });
    expect(typo.message).toContain(
      "config.alpah: 'lora' has no option 'alpah' (did you mean 'alpha'?); its options are r, alpha, dropout,",
    );
    const target = await caught(() => applyStrategy(lora, model, { targetModules: ['q_proj'] }));
    expect(target).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'targetModules', hook: 'inject' });
    expect(target.message).toContain(
      "targetModules ['q_proj'] matches no linear layer of this bert model; its linear layers end in query, key, value, dense",
    );
    // A refused config leaves the model as it was.
    expect(model.hooks).toBeUndefined();
    expect(model.params.count('trainable')).toBe(model.params.count());
  });

  it('STRATEGY_UNSUPPORTED: a task or architecture the strategy does not list', async () => {
    const gpt2 = await loadPretrained(parity('gpt2-sequence-classification'), { task: 'sequence-classification' });
    const err = await caught(() => applyStrategy(probe(), gpt2));
    expect(err.code).toBe('STRATEGY_UNSUPPORTED');
    expect(err.message).toBe(
      "strategy 'probe' does not support sequence-classification on gpt2 models; it supports tasks sequence-classification on bert",
    );
    const bert = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    await applyStrategy(lora, bert);
    expect((await caught(() => applyStrategy(lora, bert))).message).toContain("this model already carries strategy 'lora'");
  });

  it('gives the config schema as JSON Schema with types, bounds, defaults and descriptions', () => {
    const schema = createRegistry().jsonSchema('lora') as {
      type: string;
      additionalProperties: boolean;
      properties: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties.r).toMatchObject({ type: 'integer', minimum: 1, default: 8 });
    expect(schema.properties.alpha).toMatchObject({ type: 'number', exclusiveMinimum: 0, default: 16 });
    expect(schema.properties.bias).toMatchObject({ type: 'string', enum: ['none', 'all', 'lora_only'], default: 'none' });
    expect(schema.properties.useRslora).toMatchObject({ type: 'boolean', default: false });
    expect(schema.properties.targetModules?.anyOf).toHaveLength(3);
    expect(String(schema.properties.r?.description)).toContain('rank');
    for (const s of createRegistry().list()) expect(createRegistry().jsonSchema(s.id).type, s.id).toBe('object');
  });

  it('has a code for every error the contract defines', () => {
    expect(STRATEGY_ERROR_CODES).toEqual(
      expect.arrayContaining([
        'STRATEGY_ID_INVALID',
        'STRATEGY_DUPLICATE_ID',
        'STRATEGY_PREFIX_CONFLICT',
        'STRATEGY_HOST_MISMATCH',
        'STRATEGY_CONFIG_INVALID',
        'STRATEGY_HOOK_FAILED',
      ]),
    );
  });
});
