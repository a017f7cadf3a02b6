// Fully trained modules: what the checkpoint lacked (the Austen model has no pooler) trains under every
// strategy, modulesToSave matches as PEFT's modules_to_save, and an entry that matches nothing is refused.

import { loadPretrained, type PretrainedModel } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StrategyError } from '../contract/errors.ts';
import { applyStrategy } from '../contract/host.ts';
import { defineStrategy } from '../contract/strategy.ts';
import { bottleneck } from '../strategies/bottleneck/index.ts';
import { full } from '../strategies/full/index.ts';
import { lora } from '../strategies/lora/index.ts';
import { partial } from '../strategies/partial/index.ts';
import { AUSTEN_MODEL, parity } from '../testing/fixtures.ts';
import { reportOf } from './model.ts';
import { freshModules, matchesModule, savedModules } from './saved.ts';

/** A plugin that knows nothing of new weights: it trains the base model's biases only (BitFit). */
const biasesOnly = defineStrategy({
  id: 'biases-only',
  version: '0.1.0',
  host: '^0.1.0',
  description: 'BitFit: only the biases train.',
  configSchema: z.strictObject({}),
  defaults: { learningRate: 1e-3 },
  tasks: ['sequence-classification'],
  architectures: ['*'],
  inject({ model }) {
    model.params.setTrainable((n) => n.startsWith('bert.') && n.endsWith('.bias'));
    return reportOf(model, []);
  },
});

const austen = () => loadPretrained(AUSTEN_MODEL, { task: 'sequence-classification', numLabels: 6, seed: 1 });
const POOLER = ['bert.pooler.dense.weight', 'bert.pooler.dense.bias'];
const trains = (model: PretrainedModel, names: readonly string[]) => names.every((n) => model.params.get(n).trainable);

describe('fully trained modules', () => {
  it("train the pooler and head the checkpoint lacked, under every strategy (a plugin's too)", async () => {
    const model = await austen();
    expect(model.initialized.sort()).toEqual([...POOLER, 'classifier.bias', 'classifier.weight'].sort());
    expect(freshModules(model).sort()).toEqual(['bert.pooler.dense', 'classifier']);
    const cases = [
      [lora, {}],
      [bottleneck, {}],
      [partial, { headOnly: true }],
      [partial, { trainLayers: 1 }],
      [full, {}],
      [biasesOnly, {}],
    ] as const;
    for (const [strategy, config] of cases) {
      const m = await austen();
      const applied = await applyStrategy(strategy, m, config);
      expect(trains(m, [...POOLER, 'classifier.weight', 'classifier.bias']), strategy.id).toBe(true);
      expect(applied.report.trainable, strategy.id).toBe(m.params.count('trainable'));
      // Nothing else of the base model moved into the trained set for the adapters.
      if (strategy.id === 'lora') expect(m.params.get('bert.encoder.layer.0.attention.self.query.weight').trainable).toBe(false);
    }
  });

  it("save the fresh pooler with LoRA's adapter, as PEFT's modules_to_save lists it", async () => {
    const applied = await applyStrategy(lora, await austen(), {});
    expect(applied.report.details?.modulesToSave).toEqual(['classifier', 'bert.pooler.dense']);
  });

  it('keep a checkpoint that holds its pooler frozen under LoRA, as before', async () => {
    const m = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    expect(m.initialized).toEqual([]);
    await applyStrategy(lora, m, {});
    expect(m.params.get('bert.pooler.dense.weight').trainable).toBe(false);
    expect(m.params.get('classifier.weight').trainable).toBe(true);
  });

  it('match modulesToSave entries as PEFT does: the whole path or its last segments, the outermost module', async () => {
    expect(matchesModule('bert.pooler.dense', 'pooler.dense')).toBe(true);
    expect(matchesModule('bert.pooler.dense', 'dense')).toBe(true);
    expect(matchesModule('bert.pooler.dense', 'ooler.dense')).toBe(false);
    const m = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    expect(savedModules(m, ['pooler'], 'lora')).toEqual(['classifier', 'bert.pooler']);
    expect(savedModules(m, ['bert.encoder.layer.1.output'], 'lora')).toEqual(['classifier', 'bert.encoder.layer.1.output']);
    // 'output' names layer.N.output and layer.N.attention.output: each one, not their dense or LayerNorm inside.
    expect(savedModules(m, ['output'], 'lora').sort()).toEqual(
      [
        'classifier',
        'bert.encoder.layer.0.output',
        'bert.encoder.layer.0.attention.output',
        'bert.encoder.layer.1.output',
        'bert.encoder.layer.1.attention.output',
      ].sort(),
    );
    const applied = await applyStrategy(lora, m, { modulesToSave: ['pooler'] });
    expect(trains(m, ['bert.pooler.dense.weight', 'bert.pooler.dense.bias', 'classifier.weight'])).toBe(true);
    expect(applied.report.details?.modulesToSave).toEqual(['classifier', 'bert.pooler']);
  });

  it('refuse an entry that matches no module, with the closest name, before anything trains', async () => {
    const m = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const refused = await applyStrategy(lora, m, { modulesToSave: ['poolr'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StrategyError);
    expect((refused as StrategyError).code).toBe('STRATEGY_CONFIG_INVALID');
    expect((refused as StrategyError).path).toBe('modulesToSave');
    expect((refused as StrategyError).message).toMatch(
      /^strategy 'lora': modulesToSave entry 'poolr' matches no module of this bert model \(did you mean 'pooler'\?\); an entry names a module path or its last segments, e\.g\. classifier, /,
    );
    const other = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    await expect(applyStrategy(bottleneck, other, { modulesToSave: ['clasifier'] })).rejects.toThrow(
      "strategy 'bottleneck': modulesToSave entry 'clasifier' matches no module of this bert model (did you mean 'classifier'?)",
    );
  });
});
