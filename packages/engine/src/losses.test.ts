// Losses: gradients against float64 finite differences, forward values against a plain-JS float64
// reference run through onnxruntime in float32 and float64, and the build-time errors.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { DType } from './graph/dtype.ts';
import { OpOptionError, ShapeError } from './graph/errors.ts';
import { Graph, sizeOf, type Tensor } from './graph/graph.ts';
import { bceWithLogits, type CrossEntropyOptions, crossEntropy, mse } from './losses.ts';
import { emitModel } from './onnx/emit.ts';
import { Rng } from './runtime/rng.ts';
import { type GradCase, gradCheck } from './testing/gradcheck.ts';

const labelsInput = (values: number[], shape: number[]) => ({
  shape,
  dtype: 'int64' as const,
  values: BigInt64Array.from(values, BigInt),
  constant: true,
});

// ---------------------------------------------------------------------------------------------
// Plain float64 references, written from the definitions rather than from losses.ts.

function refCrossEntropy(logits: Float64Array, labels: readonly number[], classes: number, options: CrossEntropyOptions = {}): number {
  const ignore = options.ignoreIndex ?? -100;
  const eps = options.labelSmoothing ?? 0;
  let total = 0;
  let count = 0;
  labels.forEach((label, n) => {
    if (label === ignore) return;
    const row = logits.subarray(n * classes, (n + 1) * classes);
    const max = Math.max(...row);
    let sumExp = 0;
    for (const v of row) sumExp += Math.exp(v - max);
    const logZ = max + Math.log(sumExp);
    const nll = logZ - (row[label] as number);
    let meanNeg = 0;
    for (const v of row) meanNeg += (logZ - v) / classes;
    total += (1 - eps) * nll + eps * meanNeg;
    count++;
  });
  return count === 0 ? 0 : total / count;
}

function refMse(pred: Float64Array, target: Float64Array): number {
  let s = 0;
  pred.forEach((p, i) => {
    const d = p - (target[i] as number);
    s += d * d;
  });
  return s / pred.length;
}

function refBce(logits: Float64Array, targets: Float64Array): number {
  let s = 0;
  logits.forEach((x, i) => {
    const t = targets[i] as number;
    // -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], with log sigmoid(x) = -log1p(exp(-x)) written stably
    const logSig = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    const logOneMinusSig = logSig - x;
    s += -(t * logSig + (1 - t) * logOneMinusSig);
  });
  return s / logits.length;
}

// ---------------------------------------------------------------------------------------------
// Forward runner: builds a graph with float inputs of `dtype` (and optional int64 labels), emits it,
// and runs it in onnxruntime.

interface FloatFeed {
  shape: number[];
  values: Float64Array;
}

async function runLoss(
  dtype: DType,
  floats: readonly FloatFeed[],
  labels: { shape: number[]; values: readonly number[] } | undefined,
  build: (xs: Tensor[], labels: Tensor | undefined) => Tensor,
): Promise<number> {
  const g = new Graph();
  const xs = floats.map((f, i) => g.input(`x${i}`, dtype, f.shape));
  const lab = labels ? g.input('labels', 'int64', labels.shape) : undefined;
  const loss = build(xs, lab);
  expect(loss.shape).toEqual([]);
  expect(loss.dtype).toBe(dtype);
  const bytes = emitModel(g, {
    outputs: [{ name: 'loss', tensor: loss }],
    paramInputs: new Set(),
    paramValue: () => {
      throw new Error('no parameters');
    },
  });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const feeds: Record<string, ort.Tensor> = {};
  floats.forEach((f, i) => {
    feeds[`x${i}`] =
      dtype === 'float32' ? new ort.Tensor('float32', Float32Array.from(f.values), f.shape) : new ort.Tensor('float64', f.values, f.shape);
  });
  if (labels) feeds.labels = new ort.Tensor('int64', BigInt64Array.from(labels.values, BigInt), labels.shape);
  const out = await session.run(feeds);
  await session.release();
  const data = out.loss?.data as Float32Array | Float64Array | undefined;
  if (!data) throw new Error('the model returned no loss');
  return data[0] as number;
}

function randomFloats(rng: Rng, shape: number[], scale = 1, offset = 0): FloatFeed {
  const values = new Float64Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = (rng.uniform() * 2 - 1) * scale + offset;
  return { shape, values };
}

/** The input as float32 would hold it, so that the float32 run is compared against the same numbers. */
const rounded = (f: FloatFeed, dtype: DType): Float64Array => (dtype === 'float32' ? Float64Array.from(f.values, Math.fround) : f.values);

// Absolute tolerance on losses of order 1: float64 runs agree far tighter than this, float32 runs are
// limited by single-precision rounding in logSoftmax / exp / log and the mean reductions.
const TOLERANCE: Partial<Record<DType, number>> = { float64: 1e-6, float32: 1e-5 };

// ---------------------------------------------------------------------------------------------

describe('loss gradients against float64 finite differences', () => {
  const cases: Record<string, GradCase> = {
    'crossEntropy (N, C)': {
      inputs: [{ shape: [4, 5], scale: 2 }, labelsInput([0, 4, 2, 2], [4])],
      build: (_, [x, y]) => crossEntropy(x!, y!),
    },
    'crossEntropy (B, T, C) with ignored labels': {
      inputs: [{ shape: [2, 3, 4], scale: 2 }, labelsInput([1, -100, 3, 0, 0, -100], [2, 3])],
      build: (_, [x, y]) => crossEntropy(x!, y!),
    },
    'crossEntropy with label smoothing and ignored labels': {
      inputs: [{ shape: [2, 3, 4], scale: 2 }, labelsInput([1, -100, 3, 0, 2, -100], [2, 3])],
      build: (_, [x, y]) => crossEntropy(x!, y!, { labelSmoothing: 0.1 }),
    },
    'crossEntropy with an in-range ignoreIndex': {
      inputs: [{ shape: [5, 3], scale: 2 }, labelsInput([2, 0, 1, 2, 1], [5])],
      build: (_, [x, y]) => crossEntropy(x!, y!, { ignoreIndex: 2, labelSmoothing: 0.25 }),
    },
    'crossEntropy with every label ignored (zero gradient, no NaN)': {
      inputs: [{ shape: [3, 4] }, labelsInput([-100, -100, -100], [3])],
      build: (_, [x, y]) => crossEntropy(x!, y!, { labelSmoothing: 0.1 }),
    },
    mse: {
      inputs: [{ shape: [3, 4] }, { shape: [3, 4] }],
      build: (_, [p, t]) => mse(p!, t!),
    },
    bceWithLogits: {
      // Logits spread over [-4, 4]; soft targets in [0, 1].
      inputs: [
        { shape: [3, 5], scale: 4 },
        { shape: [3, 5], scale: 0.5, offset: 0.5 },
      ],
      build: (_, [x, t]) => bceWithLogits(x!, t!),
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const report = await gradCheck(c);
      expect(report.mismatches).toEqual([]);
      expect(report.checked).toBeGreaterThan(0);
    });
  }
});

describe('loss forward values against a float64 JS reference', () => {
  const dtypes = ['float64', 'float32'] as const;

  for (const dtype of dtypes) {
    const tol = TOLERANCE[dtype] as number;

    it(`crossEntropy, ${dtype}`, async () => {
      const rng = new Rng(7);
      const variants: { shape: number[]; options: CrossEntropyOptions; ignoreEvery?: number }[] = [
        { shape: [16, 10], options: {} },
        { shape: [3, 7, 11], options: {}, ignoreEvery: 3 },
        { shape: [3, 7, 11], options: { labelSmoothing: 0.1 }, ignoreEvery: 4 },
        { shape: [6, 5], options: { ignoreIndex: 1, labelSmoothing: 0.3 } },
        { shape: [2, 4, 6], options: { labelSmoothing: 0.2 }, ignoreEvery: 1 }, // all ignored: exactly 0
      ];
      for (const v of variants) {
        const classes = v.shape[v.shape.length - 1] as number;
        const logits = randomFloats(rng, v.shape, 5);
        const labels = Array.from({ length: sizeOf(v.shape) / classes }, (_, i) =>
          v.ignoreEvery && i % v.ignoreEvery === 0 ? (v.options.ignoreIndex ?? -100) : rng.int(classes),
        );
        const got = await runLoss(dtype, [logits], { shape: v.shape.slice(0, -1), values: labels }, ([x], y) =>
          crossEntropy(x!, y!, v.options),
        );
        const want = refCrossEntropy(rounded(logits, dtype), labels, classes, v.options);
        expect(Math.abs(got - want), `${JSON.stringify(v)}: got ${got}, want ${want}`).toBeLessThanOrEqual(tol);
        if (v.ignoreEvery === 1) expect(got).toBe(0);
      }
    });

    it(`mse, ${dtype}`, async () => {
      const rng = new Rng(8);
      for (const shape of [[32], [4, 6, 3], []]) {
        const p = randomFloats(rng, shape, 3);
        const t = randomFloats(rng, shape, 3);
        const got = await runLoss(dtype, [p, t], undefined, ([a, b]) => mse(a!, b!));
        expect(Math.abs(got - refMse(rounded(p, dtype), rounded(t, dtype)))).toBeLessThanOrEqual(tol);
      }
    });

    it(`bceWithLogits, ${dtype}, including logits far beyond exp's range`, async () => {
      const rng = new Rng(9);
      for (const scale of [3, 200]) {
        const x = randomFloats(rng, [5, 8], scale);
        const t = randomFloats(rng, [5, 8], 0.5, 0.5);
        const got = await runLoss(dtype, [x, t], undefined, ([a, b]) => bceWithLogits(a!, b!));
        const want = refBce(rounded(x, dtype), rounded(t, dtype));
        expect(Number.isFinite(got)).toBe(true);
        // Losses grow with |x| here, so the bound is relative to the loss's size.
        expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
      }
    });
  }
});

describe('loss build-time errors', () => {
  const g = new Graph();
  const logits = g.input('logits', 'float32', [4, 5]);
  const logits3 = g.input('logits3', 'float32', [2, 3, 5]);

  it('crossEntropy rejects labels that are not int64', () => {
    expect(() => crossEntropy(logits, g.input('l32', 'int32', [4]))).toThrow(ShapeError);
    expect(() => crossEntropy(logits, g.input('lf', 'float32', [4]))).toThrow(
      /crossEntropy: labels must be int64 class indices, got float32/,
    );
  });

  it('crossEntropy rejects integer logits', () => {
    expect(() => crossEntropy(g.input('li', 'int64', [4, 5]), g.input('l1', 'int64', [4]))).toThrow(
      /crossEntropy: logits must be floating point/,
    );
  });

  it('crossEntropy rejects labels whose shape is not the logits without the class axis', () => {
    expect(() => crossEntropy(logits, g.input('l2', 'int64', [5]))).toThrow(ShapeError);
    expect(() => crossEntropy(logits3, g.input('l3', 'int64', [2, 3, 5]))).toThrow(
      /labels \[2, 3, 5\] must have the shape of logits \[2, 3, 5\] without its last \(class\) axis, \[2, 3\]/,
    );
    expect(() => crossEntropy(logits3, g.input('l4', 'int64', [6]))).toThrow(ShapeError);
  });

  it('crossEntropy rejects unknown and out-of-range options', () => {
    const labels = g.input('l5', 'int64', [4]);
    expect(() => crossEntropy(logits, labels, { smoothing: 0.1 } as never)).toThrow(OpOptionError);
    expect(() => crossEntropy(logits, labels, { smoothing: 0.1 } as never)).toThrow(/crossEntropy: unknown option 'smoothing'/);
    expect(() => crossEntropy(logits, labels, { labelSmoothing: 1 })).toThrow(/crossEntropy: labelSmoothing must be in \[0, 1\), got 1/);
    expect(() => crossEntropy(logits, labels, { labelSmoothing: -0.1 })).toThrow(OpOptionError);
    expect(() => crossEntropy(logits, labels, { labelSmoothing: Number.NaN })).toThrow(OpOptionError);
    expect(() => crossEntropy(logits, labels, { ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer/);
  });

  it('mse and bceWithLogits reject mismatched shapes and dtypes', () => {
    const a = g.input('a', 'float32', [4, 5]);
    const b = g.input('b', 'float32', [5]);
    const c = g.input('c', 'float64', [4, 5]);
    const ints = g.input('ints', 'int64', [4, 5]);
    expect(() => mse(a, b)).toThrow(/mse: pred \[4, 5\] and target \[5\] must have the same shape/);
    expect(() => mse(a, c)).toThrow(/mse: pred and target dtypes differ \(float32 vs float64\)/);
    expect(() => mse(ints, ints)).toThrow(/mse: pred must be floating point/);
    expect(() => bceWithLogits(a, b)).toThrow(/bceWithLogits: logits \[4, 5\] and targets \[5\] must have the same shape/);
    expect(() => bceWithLogits(a, c)).toThrow(ShapeError);
  });
});
