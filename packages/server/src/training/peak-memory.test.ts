// A run's peak: what it allocated above the start, not what the process held before it.

import { describe, expect, it } from 'vitest';
import { startPeakMeter } from './peak-memory.ts';

const MiB = 2 ** 20;

/** Allocates and touches `bytes`, holds them until the returned function is called. */
function hold(bytes: number): () => void {
  let block: Uint8Array | undefined = new Uint8Array(bytes).fill(1);
  return () => {
    block = undefined;
    return block;
  };
}

describe('peak memory', () => {
  it("counts a run's own peak, not the memory held before it, even after the run freed it", async () => {
    // Held before the meter starts: not the run's.
    const before = hold(200 * MiB);
    const meter = startPeakMeter();
    const during = hold(120 * MiB);
    during();
    const peak = meter.stop();
    before();
    expect(peak).toBeGreaterThan(110 * MiB);
    // What the runtime allocates besides (the test runner's heap) stays well under the 200 MiB held before.
    expect(peak).toBeLessThan(200 * MiB);
    expect(meter.stop()).toBe(peak);
    if (process.platform === 'linux') expect(meter.method).toBe('high-water-mark');
  });

  it('counts a peak that came and went between samples where the mark is exact', () => {
    const meter = startPeakMeter();
    if (meter.method !== 'high-water-mark') {
      meter.stop();
      return;
    }
    hold(64 * MiB)();
    expect(meter.stop()).toBeGreaterThan(60 * MiB);
  });
});
