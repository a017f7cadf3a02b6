// The closed op set: each op's attributes, its shape and dtype rule, and the function that builds it.
// Emission to ONNX lives in onnx/emit.ts and gradients in autodiff/gradients.ts, each one table keyed by OpName.

import { type DType, isFloat } from './dtype.ts';
import { checkOptions, OpOptionError, ShapeError } from './errors.ts';
import type { Shape, Tensor } from './graph.ts';
import { sizeOf } from './graph.ts';

export interface OpAttrs {
  Add: Record<string, never>;
  Sub: Record<string, never>;
  Mul: Record<string, never>;
  Div: Record<string, never>;
  Pow: Record<string, never>;
  Mod: Record<string, never>;
  Equal: Record<string, never>;
  Less: Record<string, never>;
  Where: Record<string, never>;
  Neg: Record<string, never>;
  Sqrt: Record<string, never>;
  Reciprocal: Record<string, never>;
  Exp: Record<string, never>;
  Log: Record<string, never>;
  Tanh: Record<string, never>;
  Erf: Record<string, never>;
  Sigmoid: Record<string, never>;
  Relu: Record<string, never>;
  Gelu: { approximate: 'none' | 'tanh' };
  Cast: { to: DType };
  /** Identity forward; no gradient flows through it (tf.stop_gradient, jax.lax.stop_gradient). */
  StopGradient: Record<string, never>;
  /** Identity forward on its first input; the gradient is multiplied by the second (a mask, say), which gets none. */
  ScaleGradient: Record<string, never>;
  MatMul: Record<string, never>;
  Gemm: { transA: boolean; transB: boolean; alpha: number; beta: number };
  ReduceSum: { axes: readonly number[]; keepdims: boolean };
  ReduceMean: { axes: readonly number[]; keepdims: boolean };
  ReduceMax: { axes: readonly number[]; keepdims: boolean };
  ArgMax: { axis: number };
  Softmax: { axis: number };
  LogSoftmax: { axis: number };
  /** `shape` is resolved; `spec` is what the caller wrote (0 copies an input dimension, -1 is inferred), kept so an exported graph stays valid for other batch and sequence sizes. */
  Reshape: { shape: readonly number[]; spec: readonly number[] };
  CumSum: { axis: number };
  /** x[:len] along `axis`, where len = ref.shape[refAxis]: a constant sized for the longest sequence, cut to the sequence at hand. */
  SliceLike: { axis: number; refAxis: number };
  Transpose: { perm: readonly number[] };
  Concat: { axis: number };
  Split: { axis: number; sizes: readonly number[] };
  Slice: { axis: number; start: number; end: number };
  Pad: { axis: number; before: number; after: number };
  Gather: { axis: number };
  ScatterNDAdd: Record<string, never>;
  Expand: { shape: readonly number[] };
  LayerNorm: { epsilon: number };
  RMSNorm: { epsilon: number };
}

export type OpName = keyof OpAttrs;

export interface OutputSpec {
  shape: Shape;
  dtype: DType;
}

interface OpDef<O extends OpName> {
  infer(inputs: readonly Tensor[], attrs: OpAttrs[O]): OutputSpec[];
}

const NONE = {} as Record<string, never>;

export function broadcastShapes(op: string, inputs: readonly Tensor[]): number[] {
  const rank = Math.max(...inputs.map((t) => t.rank));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const t of inputs) {
      const d = t.shape[t.rank - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && d !== dim) throw new ShapeError(op, inputs, `shapes do not broadcast at dimension ${i - rank}`);
      dim = d;
    }
    // A zero-sized dimension broadcasts only against 1 or 0.
    out.push(inputs.some((t) => t.shape[t.rank - rank + i] === 0) ? 0 : dim);
  }
  return out;
}

function sameDtype(op: string, inputs: readonly Tensor[]): DType {
  const first = inputs[0];
  if (!first) throw new ShapeError(op, inputs, 'needs at least one input');
  for (const t of inputs) {
    if (t.dtype !== first.dtype) throw new ShapeError(op, inputs, `dtypes differ (${inputs.map((x) => x.dtype).join(' vs ')})`);
  }
  return first.dtype;
}

function requireFloat(op: string, inputs: readonly Tensor[], t: Tensor): void {
  if (!isFloat(t.dtype)) throw new ShapeError(op, inputs, `needs a floating-point tensor, got ${t.dtype}`);
}

function arity(op: string, inputs: readonly Tensor[], min: number, max = min): void {
  if (inputs.length < min || inputs.length > max) {
    throw new ShapeError(op, inputs, `takes ${min === max ? min : `${min} to ${max}`} inputs, got ${inputs.length}`);
  }
}

export function normAxis(op: string, inputs: readonly Tensor[], axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ShapeError(op, inputs, `axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

const binary = (kind: 'arith' | 'compare' | 'int') => ({
  infer(inputs: readonly Tensor[]): OutputSpec[] {
    const op = kind === 'compare' ? 'compare' : 'binary';
    arity(op, inputs, 2);
    const dtype = sameDtype(op, inputs);
    if (kind === 'int' && isFloat(dtype)) throw new ShapeError('Mod', inputs, 'takes integer tensors');
    if (kind !== 'int' && dtype === 'bool') throw new ShapeError(op, inputs, 'does not take bool tensors');
    return [{ shape: broadcastShapes(op, inputs), dtype: kind === 'compare' ? 'bool' : dtype }];
  },
});

const unary = {
  infer(inputs: readonly Tensor[]): OutputSpec[] {
    arity('unary', inputs, 1);
    const x = inputs[0] as Tensor;
    requireFloat('unary', inputs, x);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
};

const reduce = {
  infer(inputs: readonly Tensor[], attrs: { axes: readonly number[]; keepdims: boolean }): OutputSpec[] {
    arity('reduce', inputs, 1);
    const x = inputs[0] as Tensor;
    const axes = attrs.axes.map((a) => normAxis('reduce', inputs, a, x.rank));
    const shape = attrs.keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return [{ shape, dtype: x.dtype }];
  },
};

const softmaxLike = {
  infer(inputs: readonly Tensor[], attrs: { axis: number }): OutputSpec[] {
    arity('softmax', inputs, 1);
    const x = inputs[0] as Tensor;
    requireFloat('softmax', inputs, x);
    normAxis('softmax', inputs, attrs.axis, x.rank);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
};

export const OPS: { [O in OpName]: OpDef<O> } = {
  Add: binary('arith'),
  Sub: binary('arith'),
  Mul: binary('arith'),
  Div: binary('arith'),
  Pow: binary('arith'),
  Mod: binary('int'),
  Equal: binary('compare'),
  Less: binary('compare'),
  Where: {
    infer(inputs) {
      arity('Where', inputs, 3);
      const [c, a, b] = inputs as [Tensor, Tensor, Tensor];
      if (c.dtype !== 'bool') throw new ShapeError('Where', inputs, `condition must be bool, got ${c.dtype}`);
      const dtype = sameDtype('Where', [a, b]);
      return [{ shape: broadcastShapes('Where', inputs), dtype }];
    },
  },
  Neg: unary,
  Sqrt: unary,
  Reciprocal: unary,
  Exp: unary,
  Log: unary,
  Tanh: unary,
  Erf: unary,
  Sigmoid: unary,
  Relu: unary,
  Gelu: unary,
  StopGradient: {
    infer(inputs) {
      arity('StopGradient', inputs, 1);
      const x = inputs[0] as Tensor;
      return [{ shape: x.shape, dtype: x.dtype }];
    },
  },
  ScaleGradient: {
    infer(inputs) {
      arity('ScaleGradient', inputs, 2);
      const [x, scale] = inputs as [Tensor, Tensor];
      if (scale.dtype !== x.dtype) throw new ShapeError('ScaleGradient', inputs, 'the scale must have the dtype of x');
      if (broadcastShapes('ScaleGradient', inputs).join() !== x.shape.join())
        throw new ShapeError('ScaleGradient', inputs, 'the scale must broadcast to the shape of x');
      return [{ shape: x.shape, dtype: x.dtype }];
    },
  },
  Cast: {
    infer(inputs, attrs) {
      arity('Cast', inputs, 1);
      return [{ shape: (inputs[0] as Tensor).shape, dtype: attrs.to }];
    },
  },
  MatMul: {
    infer(inputs) {
      arity('MatMul', inputs, 2);
      const [a, b] = inputs as [Tensor, Tensor];
      const dtype = sameDtype('MatMul', inputs);
      requireFloat('MatMul', inputs, a);
      if (a.rank < 2 || b.rank < 2) throw new ShapeError('MatMul', inputs, 'needs tensors of rank 2 or more');
      const k = a.shape[a.rank - 1];
      if (k !== b.shape[b.rank - 2]) throw new ShapeError('MatMul', inputs, `inner dimensions differ (${k} vs ${b.shape[b.rank - 2]})`);
      const batchA = a.shape.slice(0, -2);
      const batchB = b.shape.slice(0, -2);
      const batch = broadcastDims('MatMul', inputs, batchA, batchB);
      return [{ shape: [...batch, a.shape[a.rank - 2] as number, b.shape[b.rank - 1] as number], dtype }];
    },
  },
  Gemm: {
    infer(inputs, attrs) {
      arity('Gemm', inputs, 2, 3);
      const [a, b, c] = inputs as [Tensor, Tensor, Tensor | undefined];
      const dtype = sameDtype('Gemm', inputs);
      requireFloat('Gemm', inputs, a);
      if (a.rank !== 2 || b.rank !== 2) throw new ShapeError('Gemm', inputs, 'needs rank-2 A and B');
      const [m, k] = attrs.transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const [k2, n] = attrs.transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
      if (k !== k2) throw new ShapeError('Gemm', inputs, `inner dimensions differ (${k} vs ${k2})`);
      const shape = [m as number, n as number];
      if (c) broadcastDims('Gemm', inputs, shape, c.shape, shape);
      return [{ shape, dtype }];
    },
  },
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ArgMax: {
    infer(inputs, attrs) {
      arity('ArgMax', inputs, 1);
      const x = inputs[0] as Tensor;
      const axis = normAxis('ArgMax', inputs, attrs.axis, x.rank);
      return [{ shape: x.shape.filter((_, i) => i !== axis), dtype: 'int64' }];
    },
  },
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
  Reshape: {
    infer(inputs, attrs) {
      arity('Reshape', inputs, 1);
      const x = inputs[0] as Tensor;
      if (sizeOf(attrs.shape) !== x.size)
        throw new ShapeError('Reshape', inputs, `cannot reshape ${x.size} elements to [${attrs.shape.join(', ')}]`);
      return [{ shape: attrs.shape, dtype: x.dtype }];
    },
  },
  CumSum: {
    infer(inputs, attrs) {
      arity('CumSum', inputs, 1);
      const x = inputs[0] as Tensor;
      if (x.dtype === 'bool') throw new ShapeError('CumSum', inputs, 'does not take bool tensors');
      normAxis('CumSum', inputs, attrs.axis, x.rank);
      return [{ shape: x.shape, dtype: x.dtype }];
    },
  },
  SliceLike: {
    infer(inputs, attrs) {
      arity('SliceLike', inputs, 2);
      const [x, ref] = inputs as [Tensor, Tensor];
      const len = ref.shape[attrs.refAxis] as number;
      if (len > (x.shape[attrs.axis] as number)) {
        throw new ShapeError(
          'SliceLike',
          inputs,
          `dimension ${attrs.refAxis} of the reference (${len}) is longer than dimension ${attrs.axis} of the input`,
        );
      }
      return [{ shape: x.shape.map((d, i) => (i === attrs.axis ? len : d)), dtype: x.dtype }];
    },
  },
  Transpose: {
    infer(inputs, attrs) {
      arity('Transpose', inputs, 1);
      const x = inputs[0] as Tensor;
      const sorted = [...attrs.perm].sort((p, q) => p - q);
      if (sorted.length !== x.rank || sorted.some((p, i) => p !== i)) {
        throw new ShapeError('Transpose', inputs, `perm [${attrs.perm.join(', ')}] is not a permutation of ${x.rank} axes`);
      }
      return [{ shape: attrs.perm.map((p) => x.shape[p] as number), dtype: x.dtype }];
    },
  },
  Concat: {
    infer(inputs, attrs) {
      if (inputs.length < 1) throw new ShapeError('Concat', inputs, 'needs at least one input');
      const dtype = sameDtype('Concat', inputs);
      const first = inputs[0] as Tensor;
      const axis = normAxis('Concat', inputs, attrs.axis, first.rank);
      let total = 0;
      for (const t of inputs) {
        if (t.rank !== first.rank || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
          throw new ShapeError('Concat', inputs, `shapes differ outside axis ${axis}`);
        }
        total += t.shape[axis] as number;
      }
      return [{ shape: first.shape.map((d, i) => (i === axis ? total : d)), dtype }];
    },
  },
  Split: {
    infer(inputs, attrs) {
      arity('Split', inputs, 1);
      const x = inputs[0] as Tensor;
      const axis = normAxis('Split', inputs, attrs.axis, x.rank);
      const total = attrs.sizes.reduce((s, v) => s + v, 0);
      if (total !== x.shape[axis] || attrs.sizes.some((s) => !Number.isInteger(s) || s < 0)) {
        throw new ShapeError('Split', inputs, `sizes [${attrs.sizes.join(', ')}] do not add up to dimension ${axis} (${x.shape[axis]})`);
      }
      return attrs.sizes.map((s) => ({ shape: x.shape.map((d, i) => (i === axis ? s : d)), dtype: x.dtype }));
    },
  },
  Slice: {
    infer(inputs, attrs) {
      arity('Slice', inputs, 1);
      const x = inputs[0] as Tensor;
      const axis = normAxis('Slice', inputs, attrs.axis, x.rank);
      const dim = x.shape[axis] as number;
      if (!(0 <= attrs.start && attrs.start <= attrs.end && attrs.end <= dim)) {
        throw new ShapeError('Slice', inputs, `range [${attrs.start}, ${attrs.end}) is not inside dimension ${axis} of size ${dim}`);
      }
      return [{ shape: x.shape.map((d, i) => (i === axis ? attrs.end - attrs.start : d)), dtype: x.dtype }];
    },
  },
  Pad: {
    infer(inputs, attrs) {
      arity('Pad', inputs, 1);
      const x = inputs[0] as Tensor;
      const axis = normAxis('Pad', inputs, attrs.axis, x.rank);
      if (attrs.before < 0 || attrs.after < 0) throw new ShapeError('Pad', inputs, 'padding must not be negative');
      return [{ shape: x.shape.map((d, i) => (i === axis ? d + attrs.before + attrs.after : d)), dtype: x.dtype }];
    },
  },
  Gather: {
    infer(inputs, attrs) {
      arity('Gather', inputs, 2);
      const [data, indices] = inputs as [Tensor, Tensor];
      if (indices.dtype !== 'int64' && indices.dtype !== 'int32')
        throw new ShapeError('Gather', inputs, `indices must be int64 or int32, got ${indices.dtype}`);
      const axis = normAxis('Gather', inputs, attrs.axis, data.rank);
      return [{ shape: [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)], dtype: data.dtype }];
    },
  },
  ScatterNDAdd: {
    infer(inputs) {
      arity('ScatterNDAdd', inputs, 3);
      const [data, indices, updates] = inputs as [Tensor, Tensor, Tensor];
      if (indices.dtype !== 'int64') throw new ShapeError('ScatterNDAdd', inputs, `indices must be int64, got ${indices.dtype}`);
      const q = indices.rank;
      const k = indices.shape[q - 1] ?? 0;
      const expected = [...indices.shape.slice(0, -1), ...data.shape.slice(k)];
      if (updates.shape.join() !== expected.join() || updates.dtype !== data.dtype) {
        throw new ShapeError('ScatterNDAdd', inputs, `updates must be ${data.dtype}[${expected.join(', ')}]`);
      }
      return [{ shape: data.shape, dtype: data.dtype }];
    },
  },
  Expand: {
    infer(inputs, attrs) {
      arity('Expand', inputs, 1);
      const x = inputs[0] as Tensor;
      const shape = broadcastDims('Expand', inputs, x.shape, attrs.shape);
      return [{ shape, dtype: x.dtype }];
    },
  },
  LayerNorm: {
    infer(inputs) {
      arity('LayerNorm', inputs, 2, 3);
      const x = inputs[0] as Tensor;
      requireFloat('LayerNorm', inputs, x);
      sameDtype('LayerNorm', inputs);
      const c = x.shape[x.rank - 1];
      for (const p of inputs.slice(1)) {
        if (p.rank !== 1 || p.shape[0] !== c) throw new ShapeError('LayerNorm', inputs, `scale and bias must have shape [${c}]`);
      }
      return [{ shape: x.shape, dtype: x.dtype }];
    },
  },
  RMSNorm: {
    infer(inputs) {
      arity('RMSNorm', inputs, 2);
      const [x, scale] = inputs as [Tensor, Tensor];
      requireFloat('RMSNorm', inputs, x);
      sameDtype('RMSNorm', inputs);
      if (scale.rank !== 1 || scale.shape[0] !== x.shape[x.rank - 1])
        throw new ShapeError('RMSNorm', inputs, `scale must have shape [${x.shape[x.rank - 1]}]`);
      return [{ shape: x.shape, dtype: x.dtype }];
    },
  },
};

function broadcastDims(op: string, inputs: readonly Tensor[], a: Shape, b: Shape, must?: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(op, inputs, `[${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  if (must && out.join() !== must.join()) throw new ShapeError(op, inputs, `[${b.join(', ')}] does not broadcast to [${must.join(', ')}]`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builders. A number where a tensor is expected becomes a scalar constant of the other operand's dtype.

export type Operand = Tensor | number;

function one<O extends OpName>(op: O, inputs: readonly Tensor[], attrs: OpAttrs[O]): Tensor {
  const first = inputs[0];
  if (!first) throw new ShapeError(op, inputs, 'needs at least one input');
  return first.graph.addNode(op, inputs, attrs)[0] as Tensor;
}

function operands(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new OpOptionError(op, 'needs at least one tensor operand');
  const ta = typeof a === 'number' ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? ta.graph.scalar(b, ta.dtype) : b;
  return [ta, tb];
}

export const add = (a: Operand, b: Operand): Tensor => one('Add', operands('Add', a, b), NONE);
export const sub = (a: Operand, b: Operand): Tensor => one('Sub', operands('Sub', a, b), NONE);
export const mul = (a: Operand, b: Operand): Tensor => one('Mul', operands('Mul', a, b), NONE);
export const div = (a: Operand, b: Operand): Tensor => one('Div', operands('Div', a, b), NONE);
export const pow = (a: Operand, b: Operand): Tensor => one('Pow', operands('Pow', a, b), NONE);
export const mod = (a: Operand, b: Operand): Tensor => one('Mod', operands('Mod', a, b), NONE);
export const equal = (a: Operand, b: Operand): Tensor => one('Equal', operands('Equal', a, b), NONE);
export const less = (a: Operand, b: Operand): Tensor => one('Less', operands('Less', a, b), NONE);

export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands('Where', a, b);
  return one('Where', [cond, ta, tb], NONE);
}

export const neg = (x: Tensor): Tensor => one('Neg', [x], NONE);
export const sqrt = (x: Tensor): Tensor => one('Sqrt', [x], NONE);
export const reciprocal = (x: Tensor): Tensor => one('Reciprocal', [x], NONE);
export const exp = (x: Tensor): Tensor => one('Exp', [x], NONE);
export const log = (x: Tensor): Tensor => one('Log', [x], NONE);
export const tanh = (x: Tensor): Tensor => one('Tanh', [x], NONE);
export const erf = (x: Tensor): Tensor => one('Erf', [x], NONE);
export const sigmoid = (x: Tensor): Tensor => one('Sigmoid', [x], NONE);
export const relu = (x: Tensor): Tensor => one('Relu', [x], NONE);

export interface GeluOptions {
  /** 'none' is the exact erf form (BERT); 'tanh' is the approximation GPT-2 uses. @default 'none' */
  approximate?: 'none' | 'tanh';
}

export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkOptions('Gelu', options, ['approximate']);
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new OpOptionError('Gelu', `approximate must be 'none' or 'tanh', got '${approximate}'`);
  return one('Gelu', [x], { approximate });
}

/** x, with no gradient flowing back through this use of it. */
export const stopGradient = (x: Tensor): Tensor => one('StopGradient', [x], NONE);
/** x forward; backward, x's gradient times `scale` (broadcast to x), e.g. a 0/1 mask of rows that learn. */
export const scaleGradient = (x: Tensor, scale: Tensor): Tensor => one('ScaleGradient', [x, scale], NONE);

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  return one('Cast', [x], { to });
}

export const matmul = (a: Tensor, b: Tensor): Tensor => one('MatMul', [a, b], NONE);

export interface GemmOptions {
  /** @default false */
  transA?: boolean;
  /** @default false */
  transB?: boolean;
  /** @default 1 */
  alpha?: number;
  /** @default 1 */
  beta?: number;
}

/** alpha * op(A) @ op(B) + beta * C, for rank-2 A and B. */
export function gemm(a: Tensor, b: Tensor, c?: Tensor, options: GemmOptions = {}): Tensor {
  checkOptions('Gemm', options, ['transA', 'transB', 'alpha', 'beta']);
  const attrs = { transA: options.transA ?? false, transB: options.transB ?? false, alpha: options.alpha ?? 1, beta: options.beta ?? 1 };
  return one('Gemm', c ? [a, b, c] : [a, b], attrs);
}

export interface ReduceOptions {
  /** Axes to reduce; all axes when omitted. */
  axes?: readonly number[];
  /** Keep reduced axes as size 1. @default false */
  keepdims?: boolean;
}

function reduceAttrs(op: string, x: Tensor, options: ReduceOptions): { axes: number[]; keepdims: boolean } {
  checkOptions(op, options, ['axes', 'keepdims']);
  const axes = (options.axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(op, [x], a, x.rank));
  if (new Set(axes).size !== axes.length) throw new OpOptionError(op, `axes [${options.axes?.join(', ')}] repeat an axis`);
  return { axes: axes.sort((p, q) => p - q), keepdims: options.keepdims ?? false };
}

export const reduceSum = (x: Tensor, options: ReduceOptions = {}): Tensor => one('ReduceSum', [x], reduceAttrs('ReduceSum', x, options));
export const reduceMean = (x: Tensor, options: ReduceOptions = {}): Tensor => one('ReduceMean', [x], reduceAttrs('ReduceMean', x, options));
export const reduceMax = (x: Tensor, options: ReduceOptions = {}): Tensor => one('ReduceMax', [x], reduceAttrs('ReduceMax', x, options));

/** Index of the largest value along `axis` (the first one on ties), as int64; the axis is removed. */
export const argmax = (x: Tensor, axis = -1): Tensor => one('ArgMax', [x], { axis: normAxis('ArgMax', [x], axis, x.rank) });

export const softmax = (x: Tensor, axis = -1): Tensor => one('Softmax', [x], { axis: normAxis('Softmax', [x], axis, x.rank) });
export const logSoftmax = (x: Tensor, axis = -1): Tensor => one('LogSoftmax', [x], { axis: normAxis('LogSoftmax', [x], axis, x.rank) });

/**
 * Reshape with ONNX's conventions: 0 copies the input's dimension at that position and one -1 is
 * inferred. Model code writes batch and sequence dimensions as 0 or -1, so that the exported
 * inference graph accepts any batch size and sequence length.
 */
export function reshape(x: Tensor, spec: readonly number[]): Tensor {
  const copied = spec.map((d, i) => {
    if (d !== 0) return d;
    if (i >= x.rank) throw new ShapeError('Reshape', [x], `0 at position ${i} of [${spec.join(', ')}] has no input dimension to copy`);
    return x.shape[i] as number;
  });
  const known = copied.filter((d) => d !== -1);
  const unknown = copied.length - known.length;
  if (unknown > 1) throw new ShapeError('Reshape', [x], `shape [${spec.join(', ')}] has more than one -1`);
  const resolved = unknown ? copied.map((d) => (d === -1 ? x.size / Math.max(sizeOf(known), 1) : d)) : copied;
  if (resolved.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError('Reshape', [x], `cannot reshape ${x.size} elements to [${spec.join(', ')}]`);
  if (resolved.join() === x.shape.join()) return x;
  return one('Reshape', [x], { shape: resolved, spec: [...spec] });
}

/** Running sum along `axis` (ONNX CumSum, inclusive). */
export const cumsum = (x: Tensor, axis: number): Tensor => one('CumSum', [x], { axis: normAxis('CumSum', [x], axis, x.rank) });

/** The first ref.shape[refAxis] entries of x along `axis`. */
export function sliceLike(x: Tensor, axis: number, ref: Tensor, refAxis: number): Tensor {
  return one('SliceLike', [x, ref], {
    axis: normAxis('SliceLike', [x, ref], axis, x.rank),
    refAxis: normAxis('SliceLike', [x, ref], refAxis, ref.rank),
  });
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  return one('Transpose', [x], { perm: p.map((a) => (a < 0 ? a + x.rank : a)) });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 1) return xs[0] as Tensor;
  return one('Concat', xs, { axis: normAxis('Concat', xs, axis, xs[0]?.rank ?? 0) });
}

export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  return x.graph.addNode('Split', [x], { axis: normAxis('Split', [x], axis, x.rank), sizes });
}

/** x[..., start:end, ...] along one axis (step 1). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normAxis('Slice', [x], axis, x.rank);
  if (start === 0 && end === x.shape[a]) return x;
  return one('Slice', [x], { axis: a, start, end });
}

/** Zero padding along one axis. */
export function pad(x: Tensor, axis: number, before: number, after: number): Tensor {
  return one('Pad', [x], { axis: normAxis('Pad', [x], axis, x.rank), before, after });
}

export const gather = (data: Tensor, indices: Tensor, axis = 0): Tensor =>
  one('Gather', [data, indices], { axis: normAxis('Gather', [data, indices], axis, data.rank) });

/** data with `updates` added at `indices` (ONNX ScatterND, reduction "add"). */
export const scatterNDAdd = (data: Tensor, indices: Tensor, updates: Tensor): Tensor => one('ScatterNDAdd', [data, indices, updates], NONE);

export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.join() === x.shape.join()) return x;
  return one('Expand', [x], { shape });
}

export interface NormOptions {
  /** @default 1e-5 */
  epsilon?: number;
}

function epsilonOf(op: string, options: NormOptions): number {
  checkOptions(op, options, ['epsilon']);
  const epsilon = options.epsilon ?? 1e-5;
  if (!(epsilon > 0)) throw new OpOptionError(op, `epsilon must be positive, got ${epsilon}`);
  return epsilon;
}

/** Layer normalization over the last axis. */
export function layerNorm(x: Tensor, scale: Tensor, bias?: Tensor, options: NormOptions = {}): Tensor {
  const inputs = bias ? [x, scale, bias] : [x, scale];
  return one('LayerNorm', inputs, { epsilon: epsilonOf('LayerNorm', options) });
}

/** Root-mean-square normalization over the last axis (Llama's RMSNorm). */
export const rmsNorm = (x: Tensor, scale: Tensor, options: NormOptions = {}): Tensor =>
  one('RMSNorm', [x, scale], { epsilon: epsilonOf('RMSNorm', options) });

export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1). */
  p: number;
  /** int64 scalar input, changed every step by the host (see dropoutSeed). */
  seed: Tensor;
  /** Distinguishes dropout sites that share a seed. @default 0 */
  site?: number;
}

/**
 * Version of the function `dropout` draws masks with, kept in trainer checkpoints: 1 was int64
 * arithmetic modulo 2^31 - 1 (decision 1), 2 is wrapping int32 (decision 6).
 */
export const DROPOUT_HASH = 2;

/**
 * Inverted dropout whose mask is a counter-based hash of (element index, seed, site), computed in
 * the graph with int32 arithmetic that wraps modulo 2^32: the same seed always gives the same mask,
 * so a run is reproducible from its seed and resumable at any step, on any provider.
 */
export function dropout(x: Tensor, options: DropoutOptions): Tensor {
  const keep = dropoutKeep(x, options);
  return keep ? dropWith(x, keep, options.p) : x;
}

/**
 * Dropout's mask alone (`dropout` is `dropWith(x, dropoutKeep(x, options), p)`): true where an element of x is
 * kept; undefined for p = 0.
 */
export function dropoutKeep(x: Tensor, options: DropoutOptions): Tensor | undefined {
  checkOptions('Dropout', options, ['p', 'seed', 'site']);
  const { p, seed } = options;
  const site = options.site ?? 0;
  if (!(p >= 0 && p < 1)) throw new OpOptionError('Dropout', `p must be in [0, 1), got ${p}`);
  if (seed.dtype !== 'int64' || seed.size !== 1) throw new ShapeError('Dropout', [x, seed], 'seed must be an int64 scalar');
  if (p === 0) return undefined;
  const g = x.graph;
  // ONNX's int32 Add and Mul wrap modulo 2^32 on the CPU and WebGPU alike (WGSL defines it), and
  // both providers run them on whole vectors; the earlier int64 Mod hash ran on the CPU only and
  // took a third of a BERT step. Multiplying by odd constants and squaring carries every input bit
  // into the top bits, which are all the final comparison reads. The host keeps seeds in [0, 2^31).
  let h = add(mul(cast(reshape(seed, []), 'int32'), 0x9e3779b1 | 0), Math.imul(site + 1, 0x85ebca6b)); // ()
  // The element index is summed onto the seed-dependent offset one axis at a time from small ranges:
  // it depends on the seed input, so onnxruntime computes it per run rather than folding it into a
  // constant as large as x.
  let stride = 1;
  for (let axis = x.rank - 1; axis >= 0; axis--) {
    const n = x.shape[axis] as number;
    const range = new Int32Array(n);
    for (let i = 0; i < n; i++) range[i] = Math.imul(i, stride);
    h = add(
      h,
      g.constant(
        range,
        x.shape.map((_, j) => (j === axis ? n : 1)),
        'dropout_range',
      ),
    );
    stride = Math.imul(stride, n);
  }
  h = mul(h, 0xcc9e2d51 | 0);
  for (const [c, m] of [
    [0x6b43a9b5, 0xc2b2ae35 | 0],
    [0x1b873593, 0x27d4eb2f],
  ] as const)
    h = mul(add(mul(h, h), c), m);
  // h is spread over all of int32: keep an element when it falls below the (1 - p) quantile.
  const threshold = Math.min(2 ** 31 - 1, Math.round(-(2 ** 31) + (1 - p) * 2 ** 32));
  return less(h, threshold);
}

/**
 * Inverted dropout with the mask `keep` (dropoutKeep). The mask selects (Where) rather than multiplies: what
 * the backward pass keeps is then the boolean mask, a byte an element, where a float mask held four until
 * the backward pass; a Where costs about 1.6 Mul's on the CPU.
 */
export function dropWith(x: Tensor, keep: Tensor, p: number): Tensor {
  return mul(where(keep, x, 0), 1 / (1 - p));
}
