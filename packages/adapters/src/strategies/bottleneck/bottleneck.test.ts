// Bottleneck adapters through the test kit (Pfeiffer, Houlsby, several activations), their placement and exports.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, readSafetensors } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { applyStrategy, restoreStrategy } from '../../contract/host.ts';
import { parity } from '../../testing/fixtures.ts';
import { defineStrategySuite, maxAbsDiff, predict, syntheticBatches } from '../../testkit/index.ts';
import { bottleneck } from './index.ts';

defineStrategySuite(bottleneck, [
  {
    name: 'bert: Pfeiffer, starting as the identity (mam_adapter init)',
    model: parity('bert-sequence-classification'),
    task: 'sequence-classification',
    config: { reductionFactor: 4, initWeights: 'mam_adapter' },
  },
  {
    name: 'gpt2: Houlsby, gelu, layer norms, bert init',
    model: parity('gpt2-sequence-classification'),
    task: 'sequence-classification',
    config: { variant: 'houlsby', reductionFactor: 4, nonLinearity: 'gelu', trainLayerNorms: true },
    startsAsBase: false,
  },
  {
    name: 'llama: Houlsby, swish, houlsby init',
    model: parity('llama-token-classification'),
    task: 'token-classification',
    config: { variant: 'houlsby', reductionFactor: 2, nonLinearity: 'swish', initWeights: 'houlsby' },
    startsAsBase: false,
  },
]);

describe('bottleneck: placement and export', () => {
  it('puts Pfeiffer adapters after each feed-forward block and Houlsby adapters after attention too', async () => {
    const pfeiffer = await applyStrategy(
      bottleneck,
      await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' }),
      {
        reductionFactor: 4,
      },
    );
    expect(pfeiffer.report.modules).toEqual(['bert.encoder.layer.0.output', 'bert.encoder.layer.1.output']);
    expect(pfeiffer.model.params.get('bert.encoder.layer.0.output.adapter_down.weight').shape).toEqual([4, 16]);
    const houlsby = await applyStrategy(bottleneck, await loadPretrained(parity('gpt2-causal-lm'), { task: 'causal-lm' }), {
      variant: 'houlsby',
    });
    expect(houlsby.report.modules).toEqual(['transformer.h.0.attn', 'transformer.h.0.mlp', 'transformer.h.1.attn', 'transformer.h.1.mlp']);
    expect(houlsby.model.params.get('transformer.h.0.attn.adapter_down.weight').shape).toEqual([1, 16]); // 16 / 16
    await expect(houlsby.merge()).rejects.toMatchObject({ code: 'STRATEGY_MERGE_UNSUPPORTED', plugin: 'bottleneck' });
  });

  it("initializes the projections as AdapterHub's init_weights says: bert (the default), mam_adapter, houlsby", async () => {
    const weights = async (initWeights?: string) => {
      const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
      await applyStrategy(bottleneck, model, { reductionFactor: 1, ...(initWeights ? { initWeights } : {}) });
      const get = (n: string) => [...model.params.get(`bert.encoder.layer.0.output.${n}`).data];
      return {
        down: get('adapter_down.weight'),
        up: get('adapter_up.weight'),
        biases: [...get('adapter_down.bias'), ...get('adapter_up.bias')],
      };
    };
    const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
    // 256 values a projection (16 x 16): the sample standard deviation is within about 10% of the true one.
    const bert = await weights();
    for (const w of [bert.down, bert.up]) {
      expect(std(w)).toBeGreaterThan(0.016);
      expect(std(w)).toBeLessThan(0.024);
    }
    expect(bert.biases.every((v) => v === 0)).toBe(true);
    const mam = await weights('mam_adapter');
    expect(mam.up.every((v) => v === 0)).toBe(true);
    expect(Math.max(...mam.down.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(std(mam.down)).toBeGreaterThan(0.8 / Math.sqrt(3 * 16)); // U(-b, b) has standard deviation b / sqrt(3)
    const houlsby = await weights('houlsby');
    for (const w of [houlsby.down, houlsby.up]) {
      expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.02);
      // N(0, 0.01) truncated at 2 sd has a standard deviation of 0.0088.
      expect(std(w)).toBeGreaterThan(0.0075);
      expect(std(w)).toBeLessThan(0.01);
    }
  });

  it("refuses a reduction factor past the model's hidden size, naming it", async () => {
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const err = await applyStrategy(bottleneck, model, { reductionFactor: 32 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'bottleneck', path: 'reductionFactor' });
    expect((err as Error).message).toBe(
      "strategy 'bottleneck': config.reductionFactor 32 is more than this model's hidden size 16, so the bottleneck would be under one unit; set it to 16 or less",
    );
    const fresh = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    await expect(applyStrategy(bottleneck, fresh, { reductionFactor: 16 })).resolves.toBeDefined();
  });

  it('exports the adapter alone and the whole model, and restores from either', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-bottleneck-'));
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const applied = await applyStrategy(bottleneck, model, { variant: 'houlsby', reductionFactor: 4 });
    // Non-zero up-projections, so the adapters change the outputs.
    for (const n of applied.report.added) model.params.get(n).data = model.params.get(n).data.map((_, i) => Math.sin(i + n.length) * 0.1);
    const report = await applied.export(dir);
    expect(report.files.sort()).toEqual([
      'adapter/adapter_config.json',
      'adapter/adapter_model.safetensors',
      'model/adapter_config.json',
      'model/config.json',
      'model/model.safetensors',
    ]);
    const adapterFile = await readSafetensors(join(dir, 'adapter/adapter_model.safetensors'));
    expect([...adapterFile.tensors.keys()].sort()).toEqual([...model.params.trainableNames].sort());
    const { inputs, batch, length } = syntheticBatches(model)[0] as never;
    const expected = await predict(model, inputs, { batch, length });
    for (const folder of [dir, join(dir, 'model')]) {
      const fresh = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
      const restored = await restoreStrategy(bottleneck, fresh, folder);
      expect(maxAbsDiff(await predict(restored.model, inputs, { batch, length }), expected), folder).toBeLessThan(1e-5);
    }
  });

  it('refuses a Pfeiffer adapter from bottleneck 0.1.0, whose adapters read the sublayer output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-bottleneck-'));
    const bert = () => loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    await (await applyStrategy(bottleneck, await bert(), { reductionFactor: 4 })).export(dir);
    for (const folder of ['adapter', 'model']) {
      const file = join(dir, folder, 'adapter_config.json');
      const description = JSON.parse(readFileSync(file, 'utf8'));
      expect(description.version).toBe('0.2.0');
      writeFileSync(file, JSON.stringify({ ...description, version: '0.1.0' }));
      await expect(restoreStrategy(bottleneck, await bert(), join(dir, folder))).rejects.toMatchObject({
        code: 'STRATEGY_ARTIFACT_INVALID',
        message: expect.stringContaining('trained with bottleneck 0.1.0'),
      });
    }
  });
});
