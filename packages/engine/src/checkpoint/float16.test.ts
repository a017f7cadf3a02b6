// float16 / bfloat16 conversions: exhaustive round trips, and rounding checked against V8's Float16Array and exact arithmetic.

import { describe, expect, it } from 'vitest';
import { bf16ToF32Bits, f16ToF32Bits, f32ToBf16Bits, f32ToF16Bits } from './float16.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const floatOf = (bits: number) => {
  u32[0] = bits;
  return f32[0]!;
};

// Node 24 ships Float16Array; typed loosely because the es2024 lib does not declare it.
const Float16 = (globalThis as { Float16Array?: new (n: number) => { [i: number]: number; buffer: ArrayBuffer } }).Float16Array;

/** A small deterministic generator (mulberry32), so failures reproduce. */
function random32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Every exponent, with mantissas at the rounding boundaries and random ones, both signs. */
function* samples(): Generator<number> {
  const next = random32(1234);
  const edges = [0, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x2000, 0x3000, 0x7fff, 0x8000, 0x8001, 0x18000, 0x7fffff, 0x7fe000, 0x7ff000];
  for (let exp = 0; exp < 255; exp++) {
    for (const sign of [0, 0x80000000]) {
      for (const m of edges) yield (sign | (exp << 23) | m) >>> 0;
      for (let k = 0; k < 2000; k++) yield (sign | (exp << 23) | (next() & 0x7fffff)) >>> 0;
    }
  }
}

describe('float16', () => {
  it('decodes all 65536 patterns as Float16Array does, and re-encodes each to itself (NaN payloads too)', () => {
    const f16 = Float16 ? new Float16(1) : undefined;
    const halves = f16 ? new Uint16Array(f16.buffer) : undefined;
    for (let h = 0; h < 0x10000; h++) {
      const bits = f16ToF32Bits(h);
      expect(f32ToF16Bits(bits)).toBe(h);
      const exp = (h >>> 10) & 0x1f;
      const isNaN16 = exp === 0x1f && (h & 0x3ff) !== 0;
      if (f16 && halves && !isNaN16) {
        halves[0] = h;
        expect(Object.is(floatOf(bits), f16[0]), `0x${h.toString(16)}`).toBe(true);
      }
    }
  });

  it('rounds float32 to nearest even exactly as Float16Array does', () => {
    // The suite runs on Node.js 24 (scripts/dev.sh installs it), whose V8 has Float16Array.
    if (!Float16) throw new Error(`Float16Array is missing: run the tests on Node.js 24 (this is ${process.version})`);
    const f16 = new Float16(1);
    const halves = new Uint16Array(f16.buffer);
    let checked = 0;
    for (const bits of samples()) {
      f16[0] = floatOf(bits);
      const got = f32ToF16Bits(bits);
      if (got !== halves[0]) expect(`0x${got.toString(16)}`, `f32 0x${bits.toString(16)}`).toBe(`0x${halves[0]!.toString(16)}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(1_000_000);
  });

  it('NaN and infinity', () => {
    expect(f32ToF16Bits(0x7fc00000)).toBe(0x7e00);
    expect(f32ToF16Bits(0xffc00000)).toBe(0xfe00);
    // Payload only in the low bits that do not fit: stays a NaN by setting the quiet bit.
    expect(f32ToF16Bits(0x7f800001)).toBe(0x7e00);
    expect(f32ToF16Bits(0x7f800000)).toBe(0x7c00);
    expect(f32ToF16Bits(0xff800000)).toBe(0xfc00);
    expect(f32ToF16Bits(0x477fe000)).toBe(0x7bff); // 65504
    expect(f32ToF16Bits(0x477ff000)).toBe(0x7c00); // 65520 -> inf
    expect(f32ToF16Bits(0x477fefff)).toBe(0x7bff); // just under 65520
  });
});

describe('bfloat16', () => {
  it('all 65536 patterns widen and narrow back to themselves (NaN payloads and signs too)', () => {
    for (let h = 0; h < 0x10000; h++) expect(f32ToBf16Bits(bf16ToF32Bits(h))).toBe(h);
  });

  it('rounds float32 to nearest even, checked with exact float64 arithmetic', () => {
    for (const bits of samples()) {
      const v = floatOf(bits);
      const low = bits >>> 16;
      const high = low + 1;
      // The candidate above the largest finite bfloat16 stands for 2^128, where rounding turns to infinity.
      const highValue = ((high >>> 7) & 0xff) === 0xff ? Math.sign(v) * 2 ** 128 : floatOf((high << 16) >>> 0);
      const dLow = Math.abs(v - floatOf((low << 16) >>> 0));
      const dHigh = Math.abs(highValue - v);
      const want = dLow < dHigh || (dLow === dHigh && (low & 1) === 0) ? low : high;
      const got = f32ToBf16Bits(bits);
      if (got !== want) expect(`0x${got.toString(16)}`, `f32 0x${bits.toString(16)}`).toBe(`0x${want.toString(16)}`);
    }
  });

  it('NaN and infinity', () => {
    expect(f32ToBf16Bits(0x7fc00000)).toBe(0x7fc0);
    expect(f32ToBf16Bits(0xffc00000)).toBe(0xffc0);
    expect(f32ToBf16Bits(0x7f800001)).toBe(0x7fc0);
    expect(f32ToBf16Bits(0x7f7fffff)).toBe(0x7f80); // f32 max rounds to inf
    expect(f32ToBf16Bits(0xff800000)).toBe(0xff80);
  });
});
