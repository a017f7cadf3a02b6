// Symbolic tensors with static shapes, and the graph that records the ops applied to them.

import { type DType, dtypeOfArray, type HostArray } from './dtype.ts';
import { ShapeError } from './errors.ts';
import type { OpAttrs, OpName } from './ops.ts';
import { OPS } from './ops.ts';

export type Shape = readonly number[];

/** Where a tensor's value comes from. */
export type TensorSource = 'input' | 'param' | 'constant' | 'node';

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  readonly graph: Graph;
  readonly id: number;
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly source: TensorSource;
  /** The node that computes this tensor, when `source` is 'node'. */
  readonly producer: Node | undefined;

  constructor(graph: Graph, id: number, name: string, shape: Shape, dtype: DType, source: TensorSource, producer?: Node) {
    this.graph = graph;
    this.id = id;
    this.name = name;
    this.shape = shape;
    this.dtype = dtype;
    this.source = source;
    this.producer = producer;
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }
}

export interface Node<O extends OpName = OpName> {
  readonly id: number;
  readonly op: O;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: OpAttrs[O];
}

/**
 * A run of consecutive nodes (a transformer block) whose activations the backward pass may recompute
 * instead of keeping (gradient checkpointing, see autodiff/backward.ts): nodes `start` to `end` (exclusive)
 * were added between the block's `input` and its `output` (Graph.beginSegment).
 */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly input: Tensor;
  readonly output: Tensor;
}

/** A dataflow graph under construction. Ops are added by the functions in ops.ts. */
export class Graph {
  readonly tensors: Tensor[] = [];
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params = new Map<string, Tensor>();
  readonly constants = new Map<Tensor, HostArray>();
  /** The recomputation segments the model marked, in node order (Graph.beginSegment). */
  readonly segments: Segment[] = [];
  /** Segments the backward pass recomputes with or without gradient checkpointing (Graph.alwaysRecompute). */
  readonly cheapSegments: Segment[] = [];
  private readonly names = new Set<string>();
  private inSegment = false;

  private uniqueName(base: string): string {
    if (!this.names.has(base)) {
      this.names.add(base);
      return base;
    }
    for (let i = 1; ; i++) {
      const candidate = `${base}_${i}`;
      if (!this.names.has(candidate)) {
        this.names.add(candidate);
        return candidate;
      }
    }
  }

  private newTensor(name: string, shape: Shape, dtype: DType, source: TensorSource, producer?: Node): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(name, [], `invalid dimension ${d} in shape [${shape.join(', ')}]`);
    }
    const t = new Tensor(this, this.tensors.length, this.uniqueName(name), Object.freeze([...shape]), dtype, source, producer);
    this.tensors.push(t);
    return t;
  }

  /** A value fed on every run (a batch, the learning rate...). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.names.has(name)) throw new Error(`graph input '${name}' is already defined`);
    const t = this.newTensor(name, shape, dtype, 'input');
    this.inputs.push(t);
    return t;
  }

  /** A named model parameter. Whether it trains, and its value, are decided when the graph is compiled. */
  param(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    const existing = this.params.get(name);
    if (existing) {
      if (existing.shape.join() !== shape.join() || existing.dtype !== dtype) {
        throw new ShapeError('param', [existing], `parameter '${name}' redeclared as ${dtype}[${shape.join(', ')}]`);
      }
      return existing;
    }
    if (this.names.has(name)) throw new Error(`parameter name '${name}' is already used by another tensor`);
    const t = this.newTensor(name, shape, dtype, 'param');
    this.params.set(name, t);
    return t;
  }

  /** A constant tensor embedded in the graph. */
  constant(data: HostArray, shape: Shape, name = 'const'): Tensor {
    const dtype = dtypeOfArray(data);
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError('constant', [], `shape [${shape.join(', ')}] needs ${sizeOf(shape)} values, got ${data.length}`);
    }
    const t = this.newTensor(name, shape, dtype, 'constant');
    this.constants.set(t, data);
    return t;
  }

  /** A constant of any dtype holding a single value, broadcastable against anything. */
  scalar(value: number, dtype: DType = 'float32', shape: Shape = []): Tensor {
    if (sizeOf(shape) !== 1) throw new ShapeError('scalar', [], `a scalar constant needs a shape of size 1, got [${shape.join(', ')}]`);
    const t = this.newTensor('scalar', shape, dtype, 'constant');
    this.constants.set(t, scalarArray(value, dtype));
    return t;
  }

  /** Records one op. Shapes and dtypes are checked here, so a bad graph fails where it is built. */
  addNode<O extends OpName>(op: O, inputs: readonly Tensor[], attrs: OpAttrs[O]): Tensor[] {
    for (const t of inputs) {
      if (t.graph !== this) throw new ShapeError(op, inputs, `input ${t.name} belongs to another graph`);
    }
    const specs = OPS[op].infer(inputs, attrs as never);
    const node: Node<O> = { id: this.nodes.length, op, inputs: [...inputs], outputs: [], attrs };
    const outputs = specs.map((s, i) =>
      this.newTensor(`${op.toLowerCase()}${specs.length > 1 ? `_${i}` : ''}_${node.id}`, s.shape, s.dtype, 'node', node),
    );
    (node as { outputs: readonly Tensor[] }).outputs = outputs;
    this.nodes.push(node);
    return outputs;
  }

  /**
   * Opens a segment at the block input `input`: the nodes added until `end` is called with the block's output
   * form one segment, which the backward pass may recompute from its inputs (gradient checkpointing). Segments
   * do not nest. Without checkpointing a segment changes nothing.
   */
  beginSegment(input: Tensor): { end(output: Tensor): Tensor } {
    if (input.graph !== this) throw new Error('a segment starts at a tensor of its own graph');
    if (this.inSegment) throw new Error('graph segments do not nest');
    this.inSegment = true;
    const start = this.nodes.length;
    let open = true;
    return {
      end: (output: Tensor): Tensor => {
        if (!open) throw new Error('this segment is closed already');
        if (output.graph !== this) throw new Error('a segment ends at a tensor of its own graph');
        open = false;
        this.inSegment = false;
        this.segments.push({ start, end: this.nodes.length, input, output });
        return output;
      },
    };
  }

  /**
   * `body(input)` as a segment that the backward pass always recomputes, checkpointing or not: for a body that is
   * cheap to run again and whose intermediate tensors are large (attention's dropped probabilities). What the
   * body reads from outside it is kept; its intermediate tensors are not. It may lie inside a checkpointing
   * segment, whose recomputation then covers it, but not inside another one of its kind.
   */
  alwaysRecompute(input: Tensor, body: (x: Tensor) => Tensor): Tensor {
    if (input.graph !== this) throw new Error('a segment starts at a tensor of its own graph');
    const start = this.nodes.length;
    const output = body(input);
    if (output.graph !== this) throw new Error('a segment ends at a tensor of its own graph');
    const end = this.nodes.length;
    if (this.cheapSegments.some((s) => s.end > start)) throw new Error('graph segments do not nest');
    this.cheapSegments.push({ start, end, input, output });
    return output;
  }

  /** `body(input)` as one segment (beginSegment). */
  segment(input: Tensor, body: (x: Tensor) => Tensor): Tensor {
    const segment = this.beginSegment(input);
    return segment.end(body(input));
  }

  /** Values of constants, by name, for the emitter. */
  constantValue(t: Tensor): HostArray {
    const v = this.constants.get(t);
    if (!v) throw new Error(`${t.name} is not a constant`);
    return v;
  }
}

function scalarArray(value: number, dtype: DType): HostArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.of(value);
    case 'float64':
      return Float64Array.of(value);
    case 'int64':
      return BigInt64Array.of(BigInt(value));
    case 'int32':
      return Int32Array.of(value);
    case 'bool':
      return Uint8Array.of(value ? 1 : 0);
    case 'float16':
      return Uint16Array.of(toHalf(value));
  }
}

/** Rounds a number to the nearest IEEE half-precision value, as raw bits. */
export function toHalf(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0));
}
