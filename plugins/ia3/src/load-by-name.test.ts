// The host loads this plugin by package name, as a run's configuration names it, and runs it.

import { fileURLToPath } from 'node:url';
import { createRegistry, loadPretrained, StrategyRegistry } from '@tuneql/adapters';
import { describe, expect, it } from 'vitest';

const parity = (name: string) => fileURLToPath(new URL(`../../../packages/engine/fixtures/models/parity/${name}`, import.meta.url));

/** A run's configuration, as the server reads it from a request or a YAML file. */
const runConfig = {
  model: parity('bert-sequence-classification'),
  task: 'sequence-classification' as const,
  strategy: { plugin: '@tuneql/plugin-ia3', id: 'ia3', config: {} },
};

describe('@tuneql/plugin-ia3 loaded by name', () => {
  it('registers next to the built-ins and adapts a model', async () => {
    const registry = createRegistry();
    const strategy = await registry.load(runConfig.strategy.plugin, { from: import.meta.url });
    expect(strategy.id).toBe(runConfig.strategy.id);
    expect(registry.list().map((s) => s.id)).toEqual(['full', 'partial', 'lora', 'bottleneck', 'ia3']);
    expect(registry.jsonSchema('ia3').properties).toHaveProperty('targetModules');

    const model = await loadPretrained(runConfig.model, { task: runConfig.task });
    const applied = await registry.apply(runConfig.strategy.id, model, runConfig.strategy.config);
    // Keys and values of 2 layers (16 each) and the feed-forward output projections' inputs (24 each), plus the head.
    expect(applied.report.modules).toEqual([
      'bert.encoder.layer.0.attention.self.key',
      'bert.encoder.layer.0.attention.self.value',
      'bert.encoder.layer.0.output.dense',
      'bert.encoder.layer.1.attention.self.key',
      'bert.encoder.layer.1.attention.self.value',
      'bert.encoder.layer.1.output.dense',
    ]);
    expect(applied.report.trainable).toBe(2 * (16 + 16 + 24) + 3 * 16 + 3);
    expect(model.params.get('bert.encoder.layer.0.output.dense.ia3_l').shape).toEqual([24]);
  });

  it('is refused by a host outside its range, with the coded error', async () => {
    await expect(
      new StrategyRegistry({ hostVersion: '0.2.0' }).load(runConfig.strategy.plugin, { from: import.meta.url }),
    ).rejects.toMatchObject({
      code: 'STRATEGY_HOST_MISMATCH',
      plugin: 'ia3',
    });
  });
});
