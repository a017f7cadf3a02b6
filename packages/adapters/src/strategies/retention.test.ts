// The trainer's retention check sees a strategy's changes through its hooks: a LoRA or bottleneck model scores
// as its merged weights do, and a strategy that starts as the identity starts at retention 1.

import { loadPretrained, Rng, Runtime, startRetentionProbe } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { applyStrategy } from '../contract/host.ts';
import { parity } from '../testing/fixtures.ts';
import { createRegistry } from './builtin.ts';

const BASE = parity('bert-masked-lm');
const MASK = 3;

/** Texts of the fixture's 64-token vocabulary, starting with [CLS] (2). */
function texts(n: number): { inputIds: number[]; tokenTypeIds: number[] }[] {
  const rng = new Rng(5);
  return Array.from({ length: n }, () => {
    const ids = [2, ...Array.from({ length: 5 + rng.int(12) }, () => 10 + rng.int(54))];
    return { inputIds: ids, tokenTypeIds: ids.map(() => 0) };
  });
}

async function retentionOf(model: Awaited<ReturnType<typeof loadPretrained>>): Promise<number> {
  const base = await loadPretrained(BASE, { task: 'masked-lm' });
  const rt = await Runtime.start({ threads: 1 });
  try {
    const probe = await startRetentionProbe(
      rt,
      model,
      { base, maskTokenId: MASK, specialIds: new Set([2]) },
      { sampleSize: 12, seed: 1, batchSize: 4, maxBuckets: 2, texts: texts(16) },
    );
    return (await probe.read()).retention;
  } finally {
    await rt.close();
  }
}

describe('retention through strategies', () => {
  it.each([
    { strategy: 'lora', config: { r: 4, alpha: 8 } },
    { strategy: 'bottleneck', config: { reductionFactor: 4 } },
  ])(
    '$strategy: scored through its hooks (as its merged model is, to 1e-5, where it merges), moved off 1 by its parameters',
    async ({ strategy, config }) => {
      const model = await loadPretrained(BASE, { task: 'sequence-classification', numLabels: 3 });
      const applied = await applyStrategy(createRegistry().get(strategy), model, config);
      // The strategy's own parameters as training might leave them (LoRA's B starts at zero, an identity).
      const rng = new Rng(9);
      for (const name of applied.report.added) {
        const p = model.params.get(name);
        p.data = p.data.map((v) => v + rng.normal());
      }
      const hooked = await retentionOf(model);
      expect(Math.abs(hooked - 1)).toBeGreaterThan(1e-4);
      if (!applied.canMerge) return;
      const merged = await applied.merge();
      expect(merged.hooks).toBeUndefined();
      expect(Math.abs(hooked / (await retentionOf(merged)) - 1)).toBeLessThan(1e-5);
    },
  );

  it('LoRA as injected (B = 0) leaves retention at exactly the base model', async () => {
    const model = await loadPretrained(BASE, { task: 'sequence-classification', numLabels: 3 });
    await applyStrategy(createRegistry().get('lora'), model, { r: 4, alpha: 8 });
    expect(await retentionOf(model)).toBeCloseTo(1, 6);
  });
});
