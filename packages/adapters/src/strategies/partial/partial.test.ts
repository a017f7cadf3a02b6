// Partial fine-tuning through the test kit (lower layers frozen, top layers, head only, gradual unfreezing).

import { loadPretrained } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { applyStrategy } from '../../contract/host.ts';
import { parity } from '../../testing/fixtures.ts';
import { defineStrategySuite } from '../../testkit/index.ts';
import { partial } from './index.ts';

defineStrategySuite(partial, [
  {
    name: 'bert: embeddings and layer 0 frozen',
    model: parity('bert-sequence-classification'),
    task: 'sequence-classification',
    config: { freezeLayers: 1 },
  },
  { name: 'gpt2: top layer only', model: parity('gpt2-token-classification'), task: 'token-classification', config: { trainLayers: 1 } },
  {
    name: 'roberta: head only',
    model: parity('roberta-sequence-classification'),
    task: 'sequence-classification',
    config: { headOnly: true },
  },
  {
    name: 'bert: gradual unfreezing, one group per epoch',
    model: parity('bert-token-classification'),
    task: 'token-classification',
    config: { freezeEmbeddings: false, unfreezeEvery: 1 },
  },
]);

describe('partial: groups and schedule', () => {
  it('unfreezes from the top, one group every N epochs, down to the embeddings', async () => {
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const applied = await applyStrategy(partial, model, { freezeEmbeddings: false, unfreezeEvery: 2 });
    const schedule = applied.trainableSchedule;
    if (!schedule) throw new Error('no schedule');
    const layersIn = (epoch: number) =>
      [...new Set([...schedule(epoch)].map((n) => /layer\.(\d+)/.exec(n)?.[1] ?? (n.includes('embeddings') ? 'emb' : 'top')))].sort();
    expect(layersIn(0)).toEqual(['top']);
    expect(layersIn(1)).toEqual(['top']);
    expect(layersIn(2)).toEqual(['1', 'top']);
    expect(layersIn(4)).toEqual(['0', '1', 'top']);
    expect(layersIn(6)).toEqual(['0', '1', 'emb', 'top']);
    expect(schedule(99).size).toBe(model.params.trainableNames.length);
  });

  it('freezes the embeddings and the lower k layers, and keeps the pooler with the head', async () => {
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    const applied = await applyStrategy(partial, model, { freezeLayers: 1 });
    const trainable = model.params.trainableNames;
    expect(trainable.some((n) => n.includes('embeddings'))).toBe(false);
    expect(trainable.some((n) => n.includes('layer.0.'))).toBe(false);
    expect(trainable.filter((n) => n.includes('layer.1.')).length).toBe(16);
    expect(trainable).toContain('bert.pooler.dense.weight');
    expect(trainable).toContain('classifier.weight');
    expect(applied.report.trainable).toBeLessThan(applied.report.total);
  });

  it('names the field when k exceeds the layers, or two options conflict', async () => {
    const model = await loadPretrained(parity('bert-sequence-classification'), { task: 'sequence-classification' });
    await expect(applyStrategy(partial, model, { trainLayers: 5 })).rejects.toMatchObject({
      code: 'STRATEGY_CONFIG_INVALID',
      path: 'trainLayers',
      message: expect.stringContaining('config.trainLayers is 5 but the model has 2 layers'),
    });
    await expect(applyStrategy(partial, model, { trainLayers: 1, freezeLayers: 1 })).rejects.toMatchObject({
      code: 'STRATEGY_CONFIG_INVALID',
      path: 'trainLayers',
    });
  });
});
