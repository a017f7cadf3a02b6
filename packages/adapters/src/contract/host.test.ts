// Hook failure isolation: a throwing plugin fails its own run with an error naming it and the hook, nothing more.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { declareParameters, type Example, init, loadPretrained, ops, type PretrainedModel, train } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reportOf } from '../modules/model.ts';
import { lora } from '../strategies/lora/index.ts';
import { parity } from '../testing/fixtures.ts';
import { StrategyError } from './errors.ts';
import { applyStrategy, restoreStrategy, runHook } from './host.ts';
import { defineStrategy, type Strategy } from './strategy.ts';

const load = () => loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });

function scaleStrategy(overrides: Partial<Strategy> = {}): Strategy {
  return defineStrategy({
    id: 'scaler',
    version: '0.0.1',
    host: '^0.1.0',
    description: 'scales query outputs',
    configSchema: z.strictObject({}),
    defaults: { learningRate: 1e-3 },
    tasks: ['sequence-classification'],
    architectures: ['*'],
    parameterPrefix: 'scaler_',
    inject({ model }) {
      model.hooks = () => ({
        linear: (site) =>
          site.path.endsWith('query') ? ops.mul(site.base(site.x), site.scope.get('scaler_g', [1], init.ones())) : undefined,
      });
      const added = declareParameters(model);
      model.params.setTrainable((n) => added.includes(n));
      return reportOf(model, added);
    },
    ...overrides,
  } as Strategy);
}

function examples(n: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({ inputIds: [2, 5 + (i % 40), 7, 9, 3], label: i % 3 }));
}

async function fineTune(model: PretrainedModel, schedule?: (epoch: number) => ReadonlySet<string>) {
  return train({
    model,
    data: { train: examples(8) },
    config: { epochs: 1, batchSize: 4, learningRate: 1e-3, threads: 1, maxBuckets: 1 },
    trainableSchedule: schedule,
  });
}

async function caught(fn: () => unknown): Promise<StrategyError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof StrategyError) return err;
    throw err;
  }
  throw new Error('expected a StrategyError, nothing was thrown');
}

describe('hook failures', () => {
  it('STRATEGY_HOOK_FAILED from inject, with the model put back as it was', async () => {
    const model = await load();
    model.params.setTrainable((n) => n.startsWith('classifier.'));
    const cause = new RangeError('index 7 out of range');
    const err = await caught(() =>
      applyStrategy(
        scaleStrategy({
          inject: ({ model: m }) => {
            m.hooks = () => ({});
            m.params.setTrainable(() => true);
            throw cause;
          },
        }),
        model,
      ),
    );
    expect(err).toMatchObject({ code: 'STRATEGY_HOOK_FAILED', plugin: 'scaler', hook: 'inject', cause });
    expect(err.message).toMatch(/^strategy 'scaler' failed in its inject hook: index 7 out of range; this run stops/);
    expect(model.hooks).toBeUndefined();
    expect(model.params.trainableNames).toEqual(['classifier.weight', 'classifier.bias']);
  });

  it('a model hook that throws while the training graph is built fails that run only', async () => {
    const broken = scaleStrategy({
      inject({ model }) {
        model.hooks = (ctx) => ({
          linear: (site) => {
            if (ctx.train && site.path.endsWith('layer.1.attention.self.key')) throw new TypeError('cannot read properties of undefined');
            return undefined;
          },
        });
        return reportOf(model, []);
      },
    });
    const model = await load();
    await applyStrategy(broken, model);
    const err = await caught(() => fineTune(model));
    expect(err).toMatchObject({ code: 'STRATEGY_HOOK_FAILED', plugin: 'scaler', hook: 'hooks.linear' });
    expect(err.message).toContain("strategy 'scaler' failed in its hooks.linear hook: cannot read properties of undefined");

    // The same process goes on: another run with another strategy trains.
    const other = await load();
    await applyStrategy(lora, other, { r: 2 });
    expect((await fineTune(other)).status).toBe('finished');
    // And the broken strategy's own inject still works on a fresh model (only its training run failed).
    expect((await applyStrategy(scaleStrategy(), await load())).report.added).toHaveLength(2);
  }, 60_000);

  it('STRATEGY_HOOK_FAILED from merge, export and load, async or not', async () => {
    const failing = scaleStrategy({
      merge: async () => {
        throw new Error('merge exploded');
      },
      export: () => {
        throw new Error('disk full');
      },
      load: async () => {
        throw new Error('cannot parse');
      },
    });
    const applied = await applyStrategy(failing, await load());
    expect(await caught(() => applied.merge())).toMatchObject({ code: 'STRATEGY_HOOK_FAILED', hook: 'merge' });
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-host-'));
    expect(await caught(() => applied.export(dir))).toMatchObject({
      code: 'STRATEGY_HOOK_FAILED',
      hook: 'export',
      message: expect.stringContaining('disk full'),
    });
    expect(await caught(() => restoreStrategy(failing, applied.model, dir))).toMatchObject({ code: 'STRATEGY_HOOK_FAILED', hook: 'load' });
    expect(() => runHook({ id: 'x' }, 'schedule', () => 1)).not.toThrow();
  });

  it("keeps a plugin's own StrategyError code, adding its id and hook", async () => {
    const refusing = scaleStrategy({
      inject: () => {
        throw new StrategyError('STRATEGY_CONFIG_INVALID', 'config.k must be even', { path: 'k' });
      },
    });
    const err = await caught(async () => applyStrategy(refusing, await load()));
    expect(err).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'scaler', hook: 'inject', path: 'k' });
    expect(err.message).toBe("strategy 'scaler': config.k must be even");
  });
});

describe('contract checks', () => {
  it('STRATEGY_CONTRACT_VIOLATED: new parameters without the prefix, a bad report, nothing trainable', async () => {
    const unprefixed = scaleStrategy({
      inject({ model }) {
        model.hooks = () => ({ linear: (site) => ops.mul(site.base(site.x), site.scope.get('gain', [1], init.ones())) });
        return reportOf(model, declareParameters(model));
      },
    });
    const err = await caught(async () => applyStrategy(unprefixed, await load()));
    expect(err).toMatchObject({ code: 'STRATEGY_CONTRACT_VIOLATED', plugin: 'scaler', hook: 'inject' });
    expect(err.message).toContain(
      "new parameters must carry the prefix 'scaler_' in a name segment; these do not: bert.encoder.layer.0.attention.self.query.gain",
    );
    const noReport = scaleStrategy({ inject: () => undefined as never });
    expect((await caught(async () => applyStrategy(noReport, await load()))).code).toBe('STRATEGY_CONTRACT_VIOLATED');
    const frozen = scaleStrategy({
      inject: ({ model }) => {
        model.params.setTrainable(() => false);
        return reportOf(model, []);
      },
    });
    expect((await caught(async () => applyStrategy(frozen, await load()))).message).toContain('it left no parameter trainable');
  });

  it('STRATEGY_CONTRACT_VIOLATED: a schedule that names parameters that do not train', async () => {
    const model = await load();
    const applied = await applyStrategy(
      scaleStrategy({ schedule: () => () => new Set(['bert.embeddings.word_embeddings.weight']) }),
      model,
    );
    const err = await caught(() => fineTune(model, applied.trainableSchedule));
    expect(err).toMatchObject({ code: 'STRATEGY_CONTRACT_VIOLATED', hook: 'schedule' });
    expect(err.message).toContain(
      'epoch 0: the schedule must name trainable parameters only; unknown: bert.embeddings.word_embeddings.weight',
    );
  });

  it('STRATEGY_EXPORT_UNSUPPORTED and STRATEGY_ARTIFACT_INVALID', async () => {
    const applied = await applyStrategy(scaleStrategy(), await load());
    expect((await caught(() => applied.export(mkdtempSync(join(tmpdir(), 'tuneql-host-'))))).code).toBe('STRATEGY_EXPORT_UNSUPPORTED');
    expect((await caught(async () => restoreStrategy(scaleStrategy(), await load(), '/nowhere'))).code).toBe('STRATEGY_EXPORT_UNSUPPORTED');

    const dir = mkdtempSync(join(tmpdir(), 'tuneql-host-'));
    await (await applyStrategy(lora, await load())).export(dir);
    const roberta = await loadPretrained(parity('roberta-sequence-classification'), { task: 'sequence-classification' });
    const wrongBase = await caught(() => restoreStrategy(lora, roberta, dir));
    expect(wrongBase).toMatchObject({ code: 'STRATEGY_ARTIFACT_INVALID', plugin: 'lora' });
    expect(wrongBase.message).toContain(`${dir}: the export does not fit this roberta model: strategy 'lora': targetModules`);
    // Same family, other task: the head's tensors do not fit.
    const tokens = await loadPretrained(parity('bert-token-classification'), { task: 'token-classification', numLabels: 5 });
    const wrongHead = await caught(() => restoreStrategy(lora, tokens, dir));
    expect(wrongHead.message).toMatch(/tensor 'classifier.(weight|bias)' has (48|3) values but the model's parameter has shape \[5/);
    const missing = await caught(async () => restoreStrategy(lora, await load(), join(dir, 'nothing-here')));
    expect(missing).toMatchObject({
      code: 'STRATEGY_ARTIFACT_INVALID',
      hook: 'load',
      message: expect.stringContaining('adapter_config.json is missing'),
    });
  });
});
