// Gradient checkpointing with LoRA's hooks inside every block (its dropout included): the recomputation clones
// the adapters' nodes too, and trains exactly as the run that keeps the activations (decision 28).

import { loadPretrained } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { checkpointingGap, TRACE_LR, traceSteps } from '../../../../engine/src/testing/checkpointing.ts';
import { applyStrategy } from '../../contract/host.ts';
import { parity } from '../../testing/fixtures.ts';
import { lora } from './index.ts';

describe('LoRA with gradient checkpointing', () => {
  it('trains as without it (losses within 1e-6 relative, weights a thousandth of a step), LoRA dropout on', async () => {
    const model = await loadPretrained(parity('gpt2-causal-lm'), { task: 'causal-lm' });
    await applyStrategy(lora, model, { r: 4, alpha: 8, dropout: 0.1, targetModules: ['c_attn', 'c_proj', 'c_fc'] });
    const start = Object.fromEntries(model.params.trainableNames.map((n) => [n, model.params.get(n).data.slice() as Float32Array]));
    expect(model.params.trainableNames.some((n) => n.includes('lora_A'))).toBe(true);
    const gap = checkpointingGap(await traceSteps(model, false), await traceSteps(model, true), start);
    expect(gap.losses).toBeLessThanOrEqual(1e-6);
    expect(gap.gradNorms).toBeLessThanOrEqual(1e-6);
    expect(gap.weights).toBeLessThanOrEqual(1e-3 * TRACE_LR);
    expect(gap.moved).toBeGreaterThan(0.1);
  }, 60_000);
});
