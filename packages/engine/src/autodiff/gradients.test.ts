// Every gradient rule against float64 central differences.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph, type Tensor } from '../graph/graph.ts';
import type { OpName } from '../graph/ops.ts';
import * as op from '../graph/ops.ts';
import { emitModel } from '../onnx/emit.ts';
import { type GradCase, gradCheck } from '../testing/gradcheck.ts';
import { gradients } from './backward.ts';

const f32 = { eps: 1e-3, atol: 2e-4, rtol: 1e-3 }; // ops that onnxruntime computes in float32 inside a float64 graph
const ints = (values: number[], shape: number[]) => ({
  shape,
  dtype: 'int64' as const,
  values: BigInt64Array.from(values, BigInt),
  constant: true,
});

/** One or more cases per op: the Record type makes a new op fail to compile until it has a check. */
const CASES: Record<OpName, GradCase[]> = {
  Add: [{ inputs: [{ shape: [2, 3] }, { shape: [3] }], build: (_, [a, b]) => op.add(a!, b!) }],
  Sub: [{ inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }], build: (_, [a, b]) => op.sub(a!, b!) }],
  Mul: [{ inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: (_, [a, b]) => op.mul(a!, b!) }],
  Div: [{ inputs: [{ shape: [2, 3] }, { shape: [3], offset: 2 }], build: (_, [a, b]) => op.div(a!, b!) }],
  Pow: [{ inputs: [{ shape: [2, 3], offset: 2 }, { shape: [3] }], build: (_, [a, b]) => op.pow(a!, b!) }],
  Mod: [
    { inputs: [{ shape: [2, 3] }, ints([1, 5, 7, -2, 9, 4], [2, 3])], build: (_, [x, k]) => op.mul(x!, op.cast(op.mod(k!, 3), 'float64')) },
  ],
  Equal: [
    { inputs: [{ shape: [6] }, ints([1, 2, 1, 3, 1, 0], [6])], build: (_, [x, k]) => op.mul(x!, op.cast(op.equal(k!, 1), 'float64')) },
  ],
  Less: [{ inputs: [{ shape: [2, 3] }], build: (_, [x]) => op.mul(op.mul(x!, x!), op.cast(op.less(x!, 0.1), 'float64')) }],
  Where: [
    {
      inputs: [{ shape: [2, 3] }, { shape: [3] }, { shape: [2, 3] }],
      build: (_, [c, a, b]) => op.where(op.less(op.mul(c!, 1), 0), a!, b!),
    },
  ],
  Neg: [{ inputs: [{ shape: [2, 3] }], build: (_, [x]) => op.neg(x!) }],
  Sqrt: [{ inputs: [{ shape: [2, 3], offset: 2 }], build: (_, [x]) => op.sqrt(x!) }],
  Reciprocal: [{ inputs: [{ shape: [2, 3], offset: 2 }], build: (_, [x]) => op.reciprocal(x!) }],
  Exp: [{ inputs: [{ shape: [2, 3] }], build: (_, [x]) => op.exp(x!) }],
  Log: [{ inputs: [{ shape: [2, 3], offset: 2 }], build: (_, [x]) => op.log(x!) }],
  Tanh: [{ inputs: [{ shape: [2, 3], scale: 2 }], build: (_, [x]) => op.tanh(x!) }],
  Erf: [{ inputs: [{ shape: [2, 3], scale: 2 }], build: (_, [x]) => op.erf(x!), ...f32 }],
  Sigmoid: [{ inputs: [{ shape: [2, 3], scale: 3 }], build: (_, [x]) => op.sigmoid(x!) }],
  Relu: [{ inputs: [{ shape: [8], values: Float64Array.of(-2, -1, -0.5, -0.1, 0.1, 0.5, 1, 2) }], build: (_, [x]) => op.relu(x!) }],
  Gelu: [
    { inputs: [{ shape: [2, 4], scale: 3 }], build: (_, [x]) => op.gelu(x!), ...f32 },
    { inputs: [{ shape: [2, 4], scale: 3 }], build: (_, [x]) => op.gelu(x!, { approximate: 'tanh' }) },
  ],
  // Finite differences see through StopGradient; the semantic test below checks that it blocks.
  StopGradient: [{ inputs: [{ shape: [2, 3] }], build: (_, [x]) => op.add(op.mul(x!, 3), op.mul(op.stopGradient(x!), 0)) }],
  // With a scale of 1 the gradient is the identity's; the semantic test below checks other scales.
  ScaleGradient: [{ inputs: [{ shape: [2, 3] }], build: (g, [x]) => op.mul(op.scaleGradient(x!, g.scalar(1, 'float64', [1])), x!) }],
  Cast: [{ inputs: [{ shape: [2, 3] }], build: (_, [x]) => op.cast(op.cast(x!, 'float32'), 'float64'), ...f32 }],
  MatMul: [
    { inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], build: (_, [a, b]) => op.matmul(a!, b!) },
    { inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 5] }], build: (_, [a, b]) => op.matmul(a!, b!) },
    { inputs: [{ shape: [3, 4] }, { shape: [2, 4, 2] }], build: (_, [a, b]) => op.matmul(a!, b!) },
  ],
  Gemm: [false, true].flatMap((transA) =>
    [false, true].map((transB) => ({
      inputs: [{ shape: transA ? [4, 3] : [3, 4] }, { shape: transB ? [5, 4] : [4, 5] }, { shape: [5] }],
      build: (_: unknown, [a, b, c]: Tensor[]) => op.gemm(a!, b!, c!, { transA, transB, alpha: 0.7, beta: 1.3 }),
    })),
  ),
  ReduceSum: [
    { inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => op.reduceSum(x!, { axes: [1] }) },
    { inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => op.reduceSum(x!, { axes: [0, 2], keepdims: true }) },
  ],
  ReduceMean: [{ inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => op.reduceMean(x!, { axes: [-1] }) }],
  ReduceMax: [{ inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => op.reduceMax(x!, { axes: [0, 2], keepdims: true }) }],
  ArgMax: [{ inputs: [{ shape: [3, 4] }], build: (_, [x]) => op.mul(x!, op.reshape(op.cast(op.argmax(x!, 1), 'float64'), [3, 1])) }],
  Softmax: [{ inputs: [{ shape: [2, 3, 4], scale: 2 }], build: (_, [x]) => op.softmax(x!, 1) }],
  LogSoftmax: [{ inputs: [{ shape: [2, 3, 4], scale: 2 }], build: (_, [x]) => op.logSoftmax(x!, -1) }],
  Reshape: [{ inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => op.reshape(x!, [4, -1]) }],
  CumSum: [{ inputs: [{ shape: [3, 4] }], build: (_, [x]) => op.cumsum(x!, 1) }],
  SliceLike: [{ inputs: [{ shape: [6, 2] }, { shape: [2, 4], constant: true }], build: (_, [x, r]) => op.sliceLike(x!, 0, r!, 1) }],
  Transpose: [{ inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => op.transpose(x!, [2, 0, 1]) }],
  Concat: [{ inputs: [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }], build: (_, xs) => op.concat(xs, 1) }],
  Split: [{ inputs: [{ shape: [5, 2] }], build: (_, [x]) => op.split(x!, 0, [1, 3, 1]).slice(1) }],
  Slice: [{ inputs: [{ shape: [3, 5] }], build: (_, [x]) => op.slice(x!, 1, 1, 4) }],
  Pad: [{ inputs: [{ shape: [3, 2] }], build: (_, [x]) => op.pad(x!, 0, 2, 1) }],
  Gather: [
    { inputs: [{ shape: [5, 3] }, ints([4, 0, 4, 2], [2, 2])], build: (_, [x, i]) => op.gather(x!, i!, 0) },
    { inputs: [{ shape: [2, 4, 3] }, ints([3, 3, 1], [3])], build: (_, [x, i]) => op.gather(x!, i!, 1) },
    // Tables of more than 64 rows take the scatter path; smaller ones (above) a one-hot GEMM.
    { inputs: [{ shape: [70, 2] }, ints([69, 0, 69, 5], [2, 2])], build: (_, [x, i]) => op.gather(x!, i!, 0) },
    { inputs: [{ shape: [2, 66, 2] }, ints([65, 65, 1], [3])], build: (_, [x, i]) => op.gather(x!, i!, 1) },
  ],
  ScatterNDAdd: [
    {
      inputs: [{ shape: [4, 3] }, ints([1, 3, 1], [3, 1]), { shape: [3, 3] }],
      build: (_, [d, i, u]) => op.scatterNDAdd(d!, i!, u!),
    },
  ],
  Expand: [{ inputs: [{ shape: [3, 1] }], build: (_, [x]) => op.expand(x!, [2, 3, 4]) }],
  LayerNorm: [
    {
      inputs: [{ shape: [2, 3, 5], scale: 2 }, { shape: [5], offset: 1 }, { shape: [5] }],
      build: (_, [x, w, b]) => op.layerNorm(x!, w!, b!),
      atol: 1e-5,
      rtol: 1e-4,
    },
  ],
  RMSNorm: [
    {
      inputs: [
        { shape: [2, 3, 5], scale: 2 },
        { shape: [5], offset: 1 },
      ],
      build: (_, [x, w]) => op.rmsNorm(x!, w!),
    },
  ],
};

describe('gradient rules against float64 finite differences', () => {
  for (const [name, cases] of Object.entries(CASES)) {
    cases.forEach((c, i) => {
      it(`${name}${cases.length > 1 ? ` #${i + 1}` : ''}`, async () => {
        const report = await gradCheck(c);
        expect(report.mismatches).toEqual([]);
        if (c.inputs.some((s) => !s.constant)) expect(report.checked).toBeGreaterThan(0);
      });
    });
  }
});

/** Attention's dropped probabilities, recomputed in the backward pass (Graph.alwaysRecompute), as nn/attention.ts builds them. */
function droppedAttention(g: Graph, scores: Tensor, v: Tensor, seed: Tensor): Tensor {
  const probs = op.softmax(scores, -1);
  const keep = op.dropoutKeep(probs, { p: 0.3, seed }) as Tensor;
  return g.alwaysRecompute(probs, (p) => op.matmul(op.dropWith(p, keep, 0.3), v));
}

describe('recomputed segments against float64 finite differences', () => {
  const inputs = [{ shape: [2, 3, 4, 4], scale: 2 }, { shape: [2, 3, 4, 5] }, ints([7], [])];
  it("attention's dropped probabilities, recomputed", async () => {
    const report = await gradCheck({ inputs, build: (g, [s, v, seed]) => droppedAttention(g, s!, v!, seed!) });
    expect(report.mismatches).toEqual([]);
    expect(report.checked).toBeGreaterThan(0);
  });
  it('the same inside a gradient checkpointing segment, which recomputes it all', async () => {
    const build = (g: Graph, [s, v, seed]: Tensor[]) => g.segment(s!, (x) => op.mul(droppedAttention(g, op.tanh(x), v!, seed!), 2));
    const report = await gradCheck({ inputs, build, recompute: true });
    expect(report.mismatches).toEqual([]);
    expect(report.checked).toBeGreaterThan(0);
  });
});

/** The loss and x's gradient of the float32 graph `build` makes, run on onnxruntime with `feeds` (name: [values, shape]). */
async function lossAndGradient(
  build: (g: Graph) => { loss: Tensor; x: Tensor },
  feeds: Record<string, [Float32Array, number[]]>,
): Promise<{ loss: number[]; dx: number[] }> {
  const g = new Graph();
  const { loss, x } = build(g);
  const [dx] = gradients(loss, [x]);
  const session = await ort.InferenceSession.create(
    emitModel(g, {
      outputs: [
        { name: 'loss', tensor: loss },
        { name: 'dx', tensor: dx! },
      ],
      paramInputs: new Set(),
      paramValue: () => new Float32Array(),
    }),
  );
  const r = await session.run(Object.fromEntries(Object.entries(feeds).map(([n, [v, shape]]) => [n, new ort.Tensor('float32', v, shape)])));
  return { loss: Array.from(r.loss?.data as Float32Array), dx: Array.from(r.dx?.data as Float32Array) };
}

describe('StopGradient', () => {
  it('passes values forward and blocks the gradient', async () => {
    const r = await lossAndGradient(
      (g) => {
        const x = g.input('x', 'float32', [3]);
        return { x, loss: op.reduceSum(op.mul(x, op.stopGradient(x))) }; // d/dx = stopGradient(x), not 2x
      },
      { x: [Float32Array.of(1, 2, 3), [3]] },
    );
    expect(r.loss).toEqual([14]);
    expect(r.dx).toEqual([1, 2, 3]);
  });
});

describe('ScaleGradient', () => {
  it('passes values forward and scales the gradient by a broadcast mask', async () => {
    const r = await lossAndGradient(
      (g) => {
        const x = g.input('x', 'float32', [2, 3]);
        const mask = g.input('mask', 'float32', [2, 1]);
        return { x, loss: op.reduceSum(op.mul(op.scaleGradient(x, mask), 2)) }; // d/dx = 2 mask, values 2 sum(x)
      },
      { x: [Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]], mask: [Float32Array.of(0, 1), [2, 1]] },
    );
    expect(r.loss).toEqual([42]);
    expect(r.dx).toEqual([0, 0, 0, 2, 2, 2]);
  });
});
