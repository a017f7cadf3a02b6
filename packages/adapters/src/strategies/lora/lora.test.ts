// LoRA through the test kit (nn.Linear and Conv1D layouts) and its details: init, targets, biases, scaling, merge.

import { loadPretrained } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { applyStrategy } from '../../contract/host.ts';
import { parity } from '../../testing/fixtures.ts';
import { defineStrategySuite, maxAbsDiff, predict, syntheticBatches } from '../../testkit/index.ts';
import { scaling } from './config.ts';
import { lora } from './index.ts';

defineStrategySuite(lora, [
  { model: parity('bert-sequence-classification'), task: 'sequence-classification', config: { r: 4, alpha: 8 } },
  {
    name: 'gpt2 (Conv1D, in_out layout) with rsLoRA and lora_only biases',
    model: parity('gpt2-sequence-classification'),
    task: 'sequence-classification',
    config: { r: 4, alpha: 8, targetModules: ['c_attn', 'mlp.c_proj'], useRslora: true, bias: 'lora_only' },
  },
  {
    name: 'gpt2 causal LM, no head to save',
    model: parity('gpt2-causal-lm'),
    task: 'causal-lm',
    config: { r: 8, alpha: 16, dropout: 0 },
    learningRate: 3e-2,
    lossRatio: 0.99,
  },
  {
    name: "gpt2 causal LM with trainable tokens (PEFT's trainable_token_indices) on the tied embeddings",
    model: parity('gpt2-causal-lm'),
    task: 'causal-lm',
    config: { r: 4, alpha: 8, dropout: 0, trainableTokenIndices: [1, 5, 7, 5] },
    learningRate: 3e-2,
    lossRatio: 0.99,
  },
  {
    name: 'roberta question answering, all-linear, all biases',
    model: parity('roberta-question-answering'),
    task: 'question-answering',
    config: { r: 2, targetModules: 'all-linear', bias: 'all' },
  },
  { model: parity('distilbert-regression'), task: 'regression', config: { targetModules: { regex: '.*\\.(q_lin|v_lin|ffn\\.lin\\d)' } } },
]);

const bert = () => loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });

describe('lora: details', () => {
  it('initializes like PEFT: A ~ U(-1/sqrt(in), 1/sqrt(in)) of shape [r, in], B = 0 of shape [out, r]', async () => {
    const model = await bert();
    const applied = await applyStrategy(lora, model, { r: 4 });
    const a = model.params.get('bert.encoder.layer.0.attention.self.query.lora_A.weight');
    const b = model.params.get('bert.encoder.layer.0.attention.self.query.lora_B.weight');
    expect(a.shape).toEqual([4, 16]);
    expect(b.shape).toEqual([16, 4]);
    expect(b.data.every((v) => v === 0)).toBe(true);
    expect(Math.max(...a.data.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(Math.max(...a.data.map(Math.abs))).toBeGreaterThan(0.8 / Math.sqrt(16));
    // Query and value of 2 layers (r * (16 + 16) each) and the classifier (3 x 16 + 3).
    expect(applied.report).toMatchObject({ trainable: 4 * 4 * 32 + 51, total: model.params.count() });
    expect(applied.report.modules).toEqual([
      'bert.encoder.layer.0.attention.self.query',
      'bert.encoder.layer.0.attention.self.value',
      'bert.encoder.layer.1.attention.self.query',
      'bert.encoder.layer.1.attention.self.value',
    ]);
  });

  it("selects targets by name suffix, whole-path regex, or 'all-linear' (never the saved head)", async () => {
    const targets = async (targetModules: unknown) => (await applyStrategy(lora, await bert(), { targetModules })).report.modules;
    expect(await targets(['output.dense'])).toEqual([
      'bert.encoder.layer.0.attention.output.dense',
      'bert.encoder.layer.0.output.dense',
      'bert.encoder.layer.1.attention.output.dense',
      'bert.encoder.layer.1.output.dense',
    ]);
    expect(await targets({ regex: '.*layer\\.1\\..*(key|value)' })).toEqual([
      'bert.encoder.layer.1.attention.self.key',
      'bert.encoder.layer.1.attention.self.value',
    ]);
    const all = await targets('all-linear');
    expect(all).toHaveLength(2 * 6 + 1); // six linear layers per block, and the pooler
    expect(all).toContain('bert.pooler.dense');
    expect(all).not.toContain('classifier');
    expect(await targets(['classifier', 'query'])).not.toContain('classifier');
  });

  it('trains the biases the bias mode names', async () => {
    const trainableBiases = async (bias: string) =>
      (await applyStrategy(lora, await bert(), { bias })).model.params.trainableNames.filter((n) => n.endsWith('.bias'));
    expect(await trainableBiases('none')).toEqual(['classifier.bias']);
    expect(await trainableBiases('lora_only')).toEqual([
      'bert.encoder.layer.0.attention.self.query.bias',
      'bert.encoder.layer.0.attention.self.value.bias',
      'bert.encoder.layer.1.attention.self.query.bias',
      'bert.encoder.layer.1.attention.self.value.bias',
      'classifier.bias',
    ]);
    const all = await trainableBiases('all');
    expect(all).toContain('bert.embeddings.LayerNorm.bias');
    expect(all).toContain('bert.encoder.layer.1.intermediate.dense.bias');
  });

  it('refuses a rank past its bound, or past the narrowest target layer, naming r and both numbers', async () => {
    const refused = async (config: Record<string, unknown>) => {
      const err = await applyStrategy(lora, await bert(), config).catch((e: unknown) => e);
      expect(err, JSON.stringify(config)).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'r' });
      return (err as Error).message;
    };
    expect(await refused({ r: 1e9 })).toMatch(/config\.r: Too big: expected number to be <=4096/);
    // The parity BERT's query and value projections are 16 x 16.
    expect(await refused({ r: 17 })).toBe(
      "strategy 'lora': config.r 17 is more than the 16 features of bert.encoder.layer.0.attention.self.query (16 in, 16 out): B @ A cannot have a higher rank than that; set r to 16 or less",
    );
    await expect(applyStrategy(lora, await bert(), { r: 16 })).resolves.toBeDefined();
    const alpha = await applyStrategy(lora, await bert(), { r: 4, alpha: 1e9 }).catch((e: unknown) => e);
    expect(alpha).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', path: 'alpha' });
  });

  it('scales by alpha / r, or alpha / sqrt(r) with rsLoRA', () => {
    expect(scaling({ r: 16, alpha: 32, useRslora: false })).toBe(2);
    expect(scaling({ r: 16, alpha: 32, useRslora: true })).toBe(8);
  });

  it('merges W += scale * B A into a plain model with the same outputs within 1e-4, in both layouts', async () => {
    for (const name of ['bert-sequence-classification', 'gpt2-sequence-classification']) {
      const model = await loadPretrained(parity(name), { task: 'sequence-classification' });
      const applied = await applyStrategy(lora, model, { r: 4, alpha: 32, targetModules: 'all-linear', dropout: 0 });
      for (const n of applied.report.added) {
        if (n.includes('lora_B')) model.params.get(n).data = model.params.get(n).data.map((_, i) => 0.05 * Math.sin(i * 1.3 + n.length));
      }
      const { inputs, batch, length } = syntheticBatches(model)[0] as never;
      const unmerged = await predict(model, inputs, { batch, length });
      const merged = await applied.merge();
      expect(merged.params.names.some((n) => n.includes('lora_'))).toBe(false);
      const base = await predict(await loadPretrained(parity(name), { task: 'sequence-classification' }), inputs, { batch, length });
      expect(maxAbsDiff(unmerged, base), `${name}: the update matters`).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(await predict(merged, inputs, { batch, length }), unmerged), name).toBeLessThanOrEqual(1e-4);
    }
  });
});
