// Graph construction: shape errors name the op and its inputs, unknown options are refused, and
// dropout masks are reproducible from their seed.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../onnx/emit.ts';
import { availableProviders } from '../runtime/providers.ts';
import { OpOptionError, ShapeError } from './errors.ts';
import { Graph } from './graph.ts';
import * as op from './ops.ts';

describe('shape and option errors', () => {
  const g = new Graph();
  const a = g.input('a', 'float32', [2, 3]);
  const b = g.input('b', 'float32', [4, 5]);

  it('names the op, the inputs and their shapes', () => {
    expect(() => op.matmul(a, b)).toThrow(ShapeError);
    expect(() => op.matmul(a, b)).toThrow('MatMul: inner dimensions differ (3 vs 4) (inputs: a float32[2, 3]; b float32[4, 5])');
    expect(() => op.add(a, b)).toThrow(/binary: shapes do not broadcast.*a float32\[2, 3\]; b float32\[4, 5\]/);
    expect(() => op.reshape(a, [4, 2])).toThrow('Reshape: cannot reshape 6 elements to [4, 2]');
    expect(() => op.softmax(a, 2)).toThrow('axis 2 is out of range for rank 2');
    expect(() => op.concat([a, b], 0)).toThrow('Concat: shapes differ outside axis 0');
    expect(() => op.gather(a, a)).toThrow('indices must be int64 or int32, got float32');
    expect(() => op.layerNorm(a, g.input('w', 'float32', [4]))).toThrow('scale and bias must have shape [3]');
  });

  it('refuses dtype mixes', () => {
    const i = g.input('i', 'int64', [2, 3]);
    expect(() => op.add(a, i)).toThrow('dtypes differ (float32 vs int64)');
    expect(() => op.exp(i)).toThrow('needs a floating-point tensor, got int64');
  });

  it('refuses unknown and out-of-range options', () => {
    expect(() => op.gelu(a, { approximate: 'fast' as never })).toThrow(OpOptionError);
    expect(() => op.gelu(a, { approximate: 'fast' as never })).toThrow("Gelu: approximate must be 'none' or 'tanh', got 'fast'");
    expect(() => op.reduceSum(a, { axis: [1] } as never)).toThrow("ReduceSum: unknown option 'axis'; known options: axes, keepdims");
    expect(() => op.layerNorm(a, g.input('s', 'float32', [3]), undefined, { epsilon: -1 })).toThrow('epsilon must be positive');
    const seed = g.input('seed', 'int64', []);
    expect(() => op.dropout(a, { p: 1, seed })).toThrow('p must be in [0, 1), got 1');
    expect(() => op.dropout(a, { p: 0.1, seed, rate: 2 } as never)).toThrow("Dropout: unknown option 'rate'");
  });
});

async function runDropout(seed: bigint, site: number, shape: number[], p: number, provider = 'cpu'): Promise<Float32Array> {
  const g = new Graph();
  const x = g.input('x', 'float32', shape);
  const s = g.input('seed', 'int64', []);
  const y = op.dropout(x, { p, seed: s, site });
  const session = await ort.InferenceSession.create(
    emitModel(g, { outputs: [{ name: 'y', tensor: y }], paramInputs: new Set(), paramValue: () => new Float32Array() }),
    { executionProviders: [provider], logSeverityLevel: 3 },
  );
  const n = shape.reduce((u, v) => u * v, 1);
  const r = await session.run({
    x: new ort.Tensor('float32', new Float32Array(n).fill(1), shape),
    seed: new ort.Tensor('int64', BigInt64Array.of(seed), []),
  });
  return r.y?.data as Float32Array;
}

describe('dropout', () => {
  const shape = [8, 64, 128];
  it('keeps 1 - p of the elements, scaled by 1 / (1 - p)', async () => {
    const y = await runDropout(7n, 0, shape, 0.1);
    const kept = y.filter((v) => v !== 0);
    expect(kept.length / y.length).toBeCloseTo(0.9, 2);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.9)]));
  });

  it('is the same for the same seed and site, and different otherwise', async () => {
    const a = await runDropout(42n, 0, shape, 0.5);
    expect(await runDropout(42n, 0, shape, 0.5)).toEqual(a);
    for (const other of [await runDropout(43n, 0, shape, 0.5), await runDropout(42n, 1, shape, 0.5)]) {
      let agree = 0;
      for (let i = 0; i < a.length; i++) if ((a[i] === 0) === (other[i] === 0)) agree++;
      expect(agree / a.length).toBeCloseTo(0.5, 1); // independent masks agree half the time
    }
  });

  it('has no visible correlation between elements at any stride of the shape', async () => {
    const y = await runDropout(3n, 0, shape, 0.5);
    // Neighbours, rows, matrices, and a few odd strides: independent masks agree half the time
    // (65,535 pairs or more: 3 standard deviations is under 0.006).
    for (const stride of [1, 2, 3, 7, 64, 127, 128, 129, 4096, 8192, 64 * 128 + 1]) {
      let same = 0;
      for (let i = stride; i < y.length; i++) if ((y[i] === 0) === (y[i - stride] === 0)) same++;
      expect(Math.abs(same / (y.length - stride) - 0.5), `stride ${stride}`).toBeLessThan(0.01);
    }
    // Every row keeps about half: the row counts spread as a binomial's (sd of 128 draws is 5.7).
    const rows = Array.from({ length: y.length / 128 }, (_, r) => y.subarray(r * 128, r * 128 + 128).filter((v) => v !== 0).length);
    const mean = rows.reduce((a, b) => a + b, 0) / rows.length;
    const sd = Math.sqrt(rows.reduce((a, b) => a + (b - mean) ** 2, 0) / rows.length);
    expect(Math.abs(mean - 64)).toBeLessThan(0.5);
    expect(sd).toBeGreaterThan(5.7 * 0.9);
    expect(sd).toBeLessThan(5.7 * 1.1);
  });

  it('keeps p exact for small and large p', async () => {
    for (const p of [0.01, 0.3, 0.9]) {
      const y = await runDropout(11n, 2, shape, p);
      expect(y.filter((v) => v === 0).length / y.length, `p ${p}`).toBeCloseTo(p, 2);
    }
  });

  it('draws the same mask on webgpu as on the cpu', async () => {
    expect(availableProviders()).toContain('webgpu');
    for (const [seed, site] of [
      [0n, 0],
      [2147483646n, 5],
    ] as const) {
      expect(await runDropout(seed, site, [4, 33, 17], 0.1, 'webgpu')).toEqual(await runDropout(seed, site, [4, 33, 17], 0.1));
    }
  }, 120_000);
});
