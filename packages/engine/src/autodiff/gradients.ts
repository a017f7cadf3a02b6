// Every gradient rule, one entry per op. A rule maps the gradients of a node's outputs to the
// gradients of its inputs, using only ops from the closed set, and builds only what `wants` asks for.

import type { Node, Shape, Tensor } from '../graph/graph.ts';
import type { OpName } from '../graph/ops.ts';
import {
  add,
  cast,
  concat,
  cumsum,
  div,
  equal,
  erf,
  exp,
  expand,
  gather,
  gemm,
  less,
  log,
  matmul,
  mul,
  neg,
  pad,
  pow,
  reciprocal,
  reduceMean,
  reduceSum,
  reshape,
  scatterNDAdd,
  slice,
  split,
  sqrt,
  sub,
  tanh,
  transpose,
  where,
} from '../graph/ops.ts';

export interface GradContext<O extends OpName> {
  node: Node<O>;
  /** The gradient reaching each output; undefined where none does. */
  dOut: readonly (Tensor | undefined)[];
  /** Which inputs need a gradient. */
  wants: readonly boolean[];
}

export type GradRule<O extends OpName> = (ctx: GradContext<O>) => (Tensor | undefined)[];

/** Tables with at most this many rows get their gather gradient from a one-hot GEMM instead of a scatter. */
const ONE_HOT_ROWS = 64;

/** Thrown for a gradient the engine does not build (e.g. second order through ScatterND). */
export class GradientError extends Error {
  override name = 'GradientError';
}

/** Sums a broadcast gradient back down to `shape` (static numpy broadcasting, reversed). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (g.shape.join() === shape.join()) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  if (axes.length === g.rank - 1 && !axes.includes(g.rank - 1)) return reshape(sumRows(g), shape);
  return reshape(reduceSum(g, { axes, keepdims: true }), shape);
}

/**
 * The sum over every axis but the last, (C): a bias's or a norm's gradient. As a GEMM of a row of ones with
 * the (rows, C) matrix it ran 2.5 times faster than onnxruntime's ReduceSum over the leading axes at BERT's
 * shapes (0.10 against 0.24 ms for 4096 x 256 on 2 threads; docs/decisions/0031).
 */
export function sumRows(g: Tensor): Tensor {
  const c = g.shape[g.rank - 1] as number;
  const rows = g.size / c;
  if (g.rank < 2 || rows === 1) return reshape(g, [c]);
  const ones = expand(g.graph.scalar(1, g.dtype), [1, rows]);
  return reshape(gemm(ones, reshape(g, [rows, c])), [c]);
}

export function zeros(like: Tensor, shape: Shape = like.shape): Tensor {
  return expand(like.graph.scalar(0, like.dtype), shape);
}

/** Applies `f` to input i only when that input wants a gradient. */
function each(wants: readonly boolean[], ...fs: (() => Tensor | undefined)[]): (Tensor | undefined)[] {
  return fs.map((f, i) => (wants[i] ? f() : undefined));
}

const ins = (n: Node) => n.inputs as Tensor[];
const out = (n: Node, i = 0) => n.outputs[i] as Tensor;
const dy = (c: { dOut: readonly (Tensor | undefined)[] }) => c.dOut[0] as Tensor;
const none: GradRule<OpName> = ({ node }) => node.inputs.map(() => undefined);

function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[t.rank - 1] = t.rank - 2;
  perm[t.rank - 2] = t.rank - 1;
  return transpose(t, perm);
}

function keptShape(x: Tensor, axes: readonly number[]): number[] {
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export const GRADIENTS: { [O in OpName]: GradRule<O> } = {
  Add: ({ node, dOut, wants }) => {
    const [a, b] = ins(node);
    return each(
      wants,
      () => sumTo(dy({ dOut }), a!.shape),
      () => sumTo(dy({ dOut }), b!.shape),
    );
  },
  Sub: ({ node, dOut, wants }) => {
    const [a, b] = ins(node);
    return each(
      wants,
      () => sumTo(dy({ dOut }), a!.shape),
      () => sumTo(neg(dy({ dOut })), b!.shape),
    );
  },
  Mul: ({ node, dOut, wants }) => {
    const [a, b] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    return each(
      wants,
      () => sumTo(mul(g, b), a.shape),
      () => sumTo(mul(g, a), b.shape),
    );
  },
  Div: ({ node, dOut, wants }) => {
    const [a, b] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    return each(
      wants,
      () => sumTo(div(g, b), a.shape),
      () => sumTo(neg(div(mul(g, out(node)), b)), b.shape),
    );
  },
  Pow: ({ node, dOut, wants }) => {
    const [a, b] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    return each(
      wants,
      () => sumTo(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape),
      () => sumTo(mul(g, mul(out(node), log(a))), b.shape),
    );
  },
  Mod: none,
  Equal: none,
  Less: none,
  Where: ({ node, dOut, wants }) => {
    const [c, a, b] = ins(node) as [Tensor, Tensor, Tensor];
    const g = dy({ dOut });
    return each(
      wants,
      () => undefined,
      () => sumTo(where(c, g, 0), a.shape),
      () => sumTo(where(c, 0, g), b.shape),
    );
  },
  Neg: (c) => [neg(dy(c))],
  Sqrt: (c) => [div(mul(dy(c), 0.5), out(c.node))],
  Reciprocal: (c) => {
    const y = out(c.node);
    return [neg(mul(dy(c), mul(y, y)))];
  },
  Exp: (c) => [mul(dy(c), out(c.node))],
  Log: (c) => [div(dy(c), ins(c.node)[0]!)],
  Tanh: (c) => {
    const y = out(c.node);
    return [mul(dy(c), sub(1, mul(y, y)))];
  },
  Erf: (c) => {
    const x = ins(c.node)[0]!;
    return [mul(dy(c), mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))];
  },
  Sigmoid: (c) => {
    const y = out(c.node);
    return [mul(dy(c), mul(y, sub(1, y)))];
  },
  Relu: (c) => [where(less(0, ins(c.node)[0]!), dy(c), 0)],
  // The recomputed parts are written unlike the forward pass's emission (onnx/emit.ts): x / sqrt 2 rather than
  // x * (1 / sqrt 2), x^2 as Pow. onnxruntime's common-subexpression elimination would otherwise merge them with
  // the forward nodes, whose erf (or tanh) output then lived until the backward pass, an intermediate-sized
  // tensor a layer (48 MB a layer for BERT-base at 32 x 128), and which could no longer be fused into one Gelu.
  Gelu: (c) => {
    const x = ins(c.node)[0]!;
    if (c.node.attrs.approximate === 'tanh') {
      const k = Math.sqrt(2 / Math.PI);
      const x2 = pow(x, 2);
      const t = tanh(mul(add(x, mul(mul(x2, x), 0.044715)), k));
      // 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 * 0.044715 x^2)
      const left = mul(add(t, 1), 0.5);
      const right = mul(mul(mul(x, sub(1, mul(t, t))), add(mul(x2, 3 * 0.044715), 1)), 0.5 * k);
      return [mul(dy(c), add(left, right))];
    }
    // Phi(x) + x phi(x)
    const cdf = mul(add(erf(div(x, Math.SQRT2)), 1), 0.5);
    const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [mul(dy(c), add(cdf, mul(x, pdf)))];
  },
  StopGradient: none,
  ScaleGradient: ({ node, dOut }) => [mul(dy({ dOut }), ins(node)[1] as Tensor), undefined],
  Cast: (c) => {
    const x = ins(c.node)[0]!;
    return x.dtype === 'float32' || x.dtype === 'float64' || x.dtype === 'float16' ? [cast(dy(c), x.dtype)] : [undefined];
  },
  MatMul: ({ node, dOut, wants }) => {
    const [a, b] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    const k = a.shape[a.rank - 1] as number;
    const n = b.shape[b.rank - 1] as number;
    if (b.rank === 2) {
      // (.., M, K) @ (K, N): fold the batch into rows so dW is one GEMM and no weight transpose is stored.
      const rows = a.size / k;
      const a2 = reshape(a, [rows, k]);
      const g2 = reshape(g, [rows, n]);
      return each(
        wants,
        () => reshape(gemm(g2, b, undefined, { transB: true }), a.shape),
        () => gemm(a2, g2, undefined, { transA: true }),
      );
    }
    return each(
      wants,
      () => sumTo(matmul(g, swapLast(b)), a.shape),
      () => sumTo(matmul(swapLast(a), g), b.shape),
    );
  },
  Gemm: ({ node, dOut, wants }) => {
    const [a, b, c] = ins(node) as [Tensor, Tensor, Tensor | undefined];
    const { transA, transB, alpha, beta } = node.attrs;
    const g = dy({ dOut });
    const dA = () =>
      transA ? gemm(b, g, undefined, { transA: transB, transB: true, alpha }) : gemm(g, b, undefined, { transB: !transB, alpha });
    const dB = () =>
      transB ? gemm(g, a, undefined, { transA: true, transB: transA, alpha }) : gemm(a, g, undefined, { transA: !transA, alpha });
    return each(wants, dA, dB, () => sumTo(beta === 1 ? g : mul(g, beta), (c as Tensor).shape));
  },
  ReduceSum: ({ node, dOut }) => {
    const x = ins(node)[0]!;
    return [expand(reshape(dy({ dOut }), keptShape(x, node.attrs.axes)), x.shape)];
  },
  ReduceMean: ({ node, dOut }) => {
    const x = ins(node)[0]!;
    const n = node.attrs.axes.reduce((s, a) => s * (x.shape[a] as number), 1);
    return [expand(reshape(mul(dy({ dOut }), 1 / n), keptShape(x, node.attrs.axes)), x.shape)];
  },
  ReduceMax: ({ node, dOut }) => {
    // Ties share the gradient equally, as in PyTorch's amax.
    const x = ins(node)[0]!;
    const kept = keptShape(x, node.attrs.axes);
    const mask = cast(equal(x, reshape(out(node), kept)), x.dtype);
    const count = reduceSum(mask, { axes: node.attrs.axes, keepdims: true });
    return [mul(mask, div(reshape(dy({ dOut }), kept), count))];
  },
  ArgMax: none,
  Softmax: ({ node, dOut }) => {
    const y = out(node);
    const g = dy({ dOut });
    const axes = [node.attrs.axis];
    return [mul(y, sub(g, reduceSum(mul(g, y), { axes, keepdims: true })))];
  },
  LogSoftmax: ({ node, dOut }) => {
    const g = dy({ dOut });
    return [sub(g, mul(exp(out(node)), reduceSum(g, { axes: [node.attrs.axis], keepdims: true })))];
  },
  Reshape: ({ node, dOut }) => [reshape(dy({ dOut }), ins(node)[0]!.shape)],
  CumSum: ({ node, dOut }) => {
    // d/dx_i of sum_{j>=i}: a reversed running sum, built as flip-free cumsum(total - running).
    const g = dy({ dOut });
    const axis = node.attrs.axis;
    return [add(sub(reduceSum(g, { axes: [axis], keepdims: true }), cumsum(g, axis)), g)];
  },
  SliceLike: ({ node, dOut, wants }) => {
    const [x] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    const axis = node.attrs.axis;
    return each(wants, () => pad(g, axis, 0, (x.shape[axis] as number) - (g.shape[axis] as number)));
  },
  Transpose: ({ node, dOut }) => {
    const inverse = new Array<number>(node.attrs.perm.length);
    node.attrs.perm.forEach((p, i) => {
      inverse[p] = i;
    });
    return [transpose(dy({ dOut }), inverse)];
  },
  Concat: ({ node, dOut, wants }) => {
    const sizes = ins(node).map((t) => t.shape[node.attrs.axis] as number);
    const parts = split(dy({ dOut }), node.attrs.axis, sizes);
    return parts.map((p, i) => (wants[i] ? p : undefined));
  },
  Split: ({ node, dOut }) => {
    const parts = node.outputs.map((o, i) => dOut[i] ?? zeros(o));
    return [concat(parts, node.attrs.axis)];
  },
  Slice: ({ node, dOut }) => {
    const x = ins(node)[0]!;
    const { axis, start, end } = node.attrs;
    return [pad(dy({ dOut }), axis, start, (x.shape[axis] as number) - end)];
  },
  Pad: ({ node, dOut }) => {
    const x = ins(node)[0]!;
    const { axis, before } = node.attrs;
    return [slice(dy({ dOut }), axis, before, before + (x.shape[axis] as number))];
  },
  Gather: ({ node, dOut, wants }) => {
    const [data, indices] = ins(node) as [Tensor, Tensor];
    if (!wants[0]) return [undefined, undefined];
    const axis = node.attrs.axis;
    const q = indices.rank;
    let g = dy({ dOut });
    // Move the gathered axes to the front so the gradient is one ScatterND over the first axis.
    const perm = [...Array.from({ length: q }, (_, i) => axis + i), ...Array.from({ length: axis }, (_, i) => i)];
    for (let i = axis + q; i < g.rank; i++) perm.push(i);
    g = transpose(g, perm);
    const rows = data.shape[axis] as number;
    const front = [rows, ...data.shape.slice(0, axis), ...data.shape.slice(axis + 1)];
    let scattered: Tensor;
    if (rows <= ONE_HOT_ROWS) {
      // A small table (token types): a scatter would add many updates into few rows, which GPU
      // kernels serialize on atomics; a one-hot product sums them in one deterministic GEMM.
      const n = indices.size;
      const hot = cast(
        equal(
          reshape(cast(indices, 'int64'), [n, 1]),
          g.graph.constant(
            BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)),
            [1, rows],
            'row_ids',
          ),
        ),
        g.dtype,
      ); // (n, rows)
      scattered = reshape(gemm(hot, reshape(g, [n, g.size / n]), undefined, { transA: true }), front);
    } else {
      const ids = reshape(cast(indices, 'int64'), [...indices.shape, 1]);
      // The zeros the updates are added into, computed in the step: a constant table would be folded by
      // onnxruntime into an initializer as large as the embedding, held by every session. An id is finite, so
      // id x 0 is 0.
      const first = reshape(slice(reshape(indices, [indices.size]), 0, 0, 1), []);
      const zero = mul(cast(first, g.dtype), 0);
      scattered = scatterNDAdd(expand(zero, front), ids, g);
    }
    const back = [...Array.from({ length: axis }, (_, i) => i + 1), 0];
    for (let i = axis + 1; i < data.rank; i++) back.push(i);
    return [axis === 0 ? scattered : transpose(scattered, back), undefined];
  },
  ScatterNDAdd: ({ node, dOut, wants }) => {
    const [, indices] = ins(node) as [Tensor, Tensor, Tensor];
    const g = dy({ dOut });
    return each(
      wants,
      () => g,
      () => undefined,
      () => {
        if (indices.shape[indices.rank - 1] !== 1)
          throw new GradientError('ScatterNDAdd: the gradient of updates needs indices of shape [..., 1]');
        return gather(g, reshape(indices, indices.shape.slice(0, -1)), 0);
      },
    );
  },
  Expand: ({ node, dOut }) => [sumTo(dy({ dOut }), ins(node)[0]!.shape)],
  LayerNorm: ({ node, dOut, wants }) => {
    // Mean and inverse std are recomputed: onnxruntime types LayerNormalization's extra outputs as
    // float32 whatever the input dtype, which would break float64 graphs.
    const [x, scale] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    const last = { axes: [-1], keepdims: true };
    const centered = sub(x, reduceMean(x, last));
    const rstd = reciprocal(sqrt(add(reduceMean(mul(centered, centered), last), node.attrs.epsilon))); // (.., 1)
    const xhat = mul(centered, rstd); // (.., C)
    const dxhat = mul(g, scale);
    return each(
      wants,
      () => mul(rstd, sub(sub(dxhat, reduceMean(dxhat, last)), mul(xhat, reduceMean(mul(dxhat, xhat), last)))),
      () => sumRows(mul(g, xhat)),
      () => sumRows(g),
    );
  },
  RMSNorm: ({ node, dOut, wants }) => {
    const [x, scale] = ins(node) as [Tensor, Tensor];
    const g = dy({ dOut });
    const last = { axes: [-1], keepdims: true };
    const rstd = reciprocal(sqrt(add(reduceMean(mul(x, x), last), node.attrs.epsilon))); // (.., 1)
    const xhat = mul(x, rstd);
    const dxhat = mul(g, scale);
    return each(
      wants,
      () => mul(rstd, sub(dxhat, mul(xhat, reduceMean(mul(dxhat, xhat), last)))),
      () => sumRows(mul(g, xhat)),
    );
  },
};
