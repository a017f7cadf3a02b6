// Packing: examples laid end to end compute exactly as they do alone (attention and positions stay within each
// example) on every decoder, so a packed batch's loss equals the unpacked batches' loss over the same targets.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, modelBuilder } from '../models/pretrained.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileInference } from '../step/compile.ts';
import { collate, type Example, IGNORE_INDEX } from './batching.ts';
import { packExamples } from './packing.ts';
import { train } from './trainer.ts';

const PARITY = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));

/** Causal-LM examples of 3 to 9 tokens counting up from a random one (learnable), the first two labels ignored (a prompt). */
function examples(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const first = 3 + rng.int(50);
    const ids = Array.from({ length: 3 + rng.int(7) }, (_, i) => first + i);
    return { inputIds: ids, label: ids.map((id, t) => (t < 2 ? IGNORE_INDEX : id)) };
  });
}

let rt: Runtime;
beforeAll(async () => {
  rt = await Runtime.start({ provider: 'cpu', threads: 1 });
});
afterAll(async () => {
  await rt.close();
});

describe('packExamples', () => {
  it('fills rows in order up to the longest example, recording where each starts and ignoring its first label', () => {
    const e = (n: number, first: number): Example => ({
      inputIds: Array.from({ length: n }, (_, i) => first + i),
      label: Array.from({ length: n }, (_, i) => first + i),
    });
    const rows = packExamples([e(4, 10), e(3, 20), e(6, 30), e(2, 40)]);
    expect(rows).toEqual([
      { inputIds: [10, 11, 12, 13], label: [10, 11, 12, 13], segmentStarts: [0] },
      { inputIds: [20, 21, 22], label: [20, 21, 22], segmentStarts: [0] },
      { inputIds: [30, 31, 32, 33, 34, 35], label: [30, 31, 32, 33, 34, 35], segmentStarts: [0] },
      { inputIds: [40, 41], label: [40, 41], segmentStarts: [0] },
    ]);
    expect(packExamples([e(4, 10), e(3, 20), e(2, 30), e(6, 40)], 9)).toEqual([
      {
        inputIds: [10, 11, 12, 13, 20, 21, 22, 30, 31],
        label: [10, 11, 12, 13, IGNORE_INDEX, 21, 22, IGNORE_INDEX, 31],
        segmentStarts: [0, 4, 7],
      },
      { inputIds: [40, 41, 42, 43, 44, 45], label: [40, 41, 42, 43, 44, 45], segmentStarts: [0] },
    ]);
    expect(() => packExamples([{ inputIds: [1, 2], label: 1 }])).toThrow(/packing applies to causal language modelling/);
  });

  it.each(['gpt2', 'llama'])('computes %s on packed rows as on each example alone: same logits, same loss', async (arch) => {
    const model = await loadPretrained(`${PARITY}${arch}-causal-lm`, { task: 'causal-lm' });
    const alone = examples(6, 7);
    const length = 24;
    const packed = packExamples(alone, length);
    expect(packed.length).toBeLessThan(alone.length);
    const padTokenId = 0;
    const run = async (rows: readonly Example[], packedRows: boolean) => {
      const program = compileInference({
        params: model.params,
        build: modelBuilder(model, { batch: rows.length, length, train: false, labels: true, outputs: true, packed: packedRows }),
      });
      const loaded = await rt.load(program, model.params);
      const feeds = collate(
        rows,
        rows.map((_, i) => i),
        { batchSize: rows.length, length, padTokenId, tokenTypes: false, labels: 'tokens', packed: packedRows },
      );
      return loaded.run(feeds);
    };
    const one = await run(alone, false);
    const many = await run(packed, true);
    const logitsAlone = one.outputs.logits?.data as Float32Array;
    const logitsPacked = many.outputs.logits?.data as Float32Array;
    const vocab = logitsAlone.length / (alone.length * length);
    // Each example's logits, found in its packed row.
    let k = 0;
    let maxDiff = 0;
    packed.forEach((row, r) => {
      for (const start of row.segmentStarts ?? [0]) {
        const e = alone[k] as Example;
        const a = logitsAlone.subarray(k * length * vocab, (k * length + e.inputIds.length) * vocab);
        const b = logitsPacked.subarray((r * length + start) * vocab, (r * length + start + e.inputIds.length) * vocab);
        for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
        k++;
      }
    });
    expect(k).toBe(alone.length);
    expect(maxDiff).toBeLessThan(1e-5);
    // The same targets (an example's first label is never one), so the same mean.
    expect(many.loss).toBeCloseTo(one.loss, 5);
  });

  it('trains with packing on, and the validation loss falls', async () => {
    const model = await loadPretrained(`${PARITY}gpt2-causal-lm`, { task: 'causal-lm' });
    const data = { train: examples(64, 1), validation: examples(16, 2) };
    const losses: number[] = [];
    const result = await train({
      model,
      data,
      config: { epochs: 4, batchSize: 4, evalEvery: 4, learningRate: 1e-2, threads: 1, packing: true, maxBuckets: 1 },
      onEvent: (e) => {
        if (e.type === 'eval' && e.values.eval_loss !== undefined) losses.push(e.values.eval_loss);
      },
    });
    expect(result.status).toBe('finished');
    expect(losses.length).toBeGreaterThan(1);
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) - 0.2);
  });
});
