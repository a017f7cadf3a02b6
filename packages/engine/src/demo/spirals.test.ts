// The demo job as a test: an MLP learns two spirals to >= 95% test accuracy on cpu and on webgpu,
// and both providers produce the same losses within a stated tolerance.

import { describe, expect, it } from 'vitest';
import { availableProviders } from '../runtime/providers.ts';
import { trainSpirals } from './spirals.ts';

describe('two spirals', () => {
  it('reaches 95% test accuracy on cpu', async () => {
    const r = await trainSpirals({ provider: 'cpu' });
    expect(r.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.losses.at(-1)).toBeLessThan(0.1 * (r.losses[0] as number));
  });

  it('reaches it on webgpu too, with the same losses as cpu', async () => {
    expect(availableProviders()).toContain('webgpu');
    const cpu = await trainSpirals({ provider: 'cpu', threads: 1 });
    const gpu = await trainSpirals({ provider: 'webgpu' });
    expect(gpu.accuracy).toBeGreaterThanOrEqual(0.95);
    // Kernels differ in summation order, so float32 rounding differs from the first step and the
    // trajectories drift apart slowly at this learning rate: the first 100 steps agree to 1e-4.
    const first = cpu.losses.slice(0, 100).map((l, i) => Math.abs(l - (gpu.losses[i] as number)));
    expect(Math.max(...first)).toBeLessThan(1e-4);
    expect(gpu.losses).toHaveLength(cpu.losses.length);
  }, 180_000);
});
