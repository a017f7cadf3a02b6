// Serializes a graph to an ONNX ModelProto (opset 17) that onnxruntime loads and the ONNX checker accepts.

import { type DType, type HostArray, isFloat, ONNX_DTYPE } from '../graph/dtype.ts';
import type { Graph, Node, Tensor } from '../graph/graph.ts';
import type { OpName } from '../graph/ops.ts';
import { ProtoWriter } from './protobuf.ts';

export const OPSET = 17;
const IR_VERSION = 8;

export interface EmitOutput {
  name: string;
  tensor: Tensor;
}

export interface EmitOptions {
  outputs: readonly EmitOutput[];
  /** Parameters that become graph inputs (they train); every other parameter becomes an initializer. */
  paramInputs: ReadonlySet<string>;
  /** The value of each parameter embedded as an initializer. */
  paramValue: (name: string) => HostArray;
  /** Names of graph inputs whose listed axes are dynamic, e.g. { input_ids: { 0: 'batch', 1: 'sequence' } }. */
  dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  graphName?: string;
  /**
   * Computes with int32 wherever the graph says int64: int64 graph inputs are declared int32 (the runtime
   * narrows their values), int64 constants and casts become int32, and only ScatterND's indices and int64
   * graph outputs are widened back. onnxruntime's WebGPU provider has no int64 kernels for Equal, Reshape,
   * Slice or Cast, so int64 ids and labels sent those nodes to the CPU and their results back every step
   * (decision 29). Exported models keep int64, the ONNX convention. @default false
   */
  narrowIntegers?: boolean;
  /**
   * Ids of MatMul and Gemm nodes computed in float16: their float32 inputs are cast down (once per tensor)
   * and their result cast back up, as torch.autocast runs its float16 op list (decision 30).
   */
  halfGemms?: ReadonlySet<number>;
}

type Attr = { name: string } & ({ i: number } | { f: number } | { ints: readonly number[] } | { s: string });

interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Attr[];
}

interface Initializer {
  name: string;
  dtype: DType;
  dims: readonly number[];
  data: HostArray;
}

/** Builds the ONNX node list; op emitters call it to add nodes and helper constants. */
export class Emitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Initializer[] = [];
  private counter = 0;
  private readonly names = new Map<number, string>();
  /** See EmitOptions.narrowIntegers. */
  readonly narrow: boolean;

  constructor(narrow = false) {
    this.narrow = narrow;
  }

  private readonly halves = new Map<string, string>();

  /** `name` cast to float16, one Cast per tensor however many half-precision nodes read it. */
  halfOf(name: string): string {
    let half = this.halves.get(name);
    if (!half) {
      half = this.temp('Cast', [name], [{ name: 'to', i: ONNX_DTYPE.float16 }]);
      this.halves.set(name, half);
    }
    return half;
  }

  /** The dtype a graph dtype is emitted as. */
  dtype(d: DType): DType {
    return this.narrow && d === 'int64' ? 'int32' : d;
  }

  nameOf(t: Tensor): string {
    return this.names.get(t.id) ?? t.name;
  }

  rename(t: Tensor, name: string): void {
    this.names.set(t.id, name);
  }

  fresh(base: string): string {
    return `${base}__${this.counter++}`;
  }

  node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Attr[] = []): void {
    this.nodes.push({ op, inputs: [...inputs], outputs: [...outputs], attrs });
  }

  /** A helper value computed by one node, returned by name. */
  temp(op: string, inputs: readonly string[], attrs: Attr[] = []): string {
    const out = this.fresh(op.toLowerCase());
    this.node(op, inputs, [out], attrs);
    return out;
  }

  ints(values: readonly number[]): string {
    const name = this.fresh('ints');
    this.initializers.push({ name, dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
    return name;
  }

  scalar(value: number, graphDtype: DType): string {
    const dtype = this.dtype(graphDtype);
    const name = this.fresh('scalar');
    const data: HostArray = dtype === 'float64' ? Float64Array.of(value) : Float32Array.of(value);
    if (dtype !== 'float32' && dtype !== 'float64') {
      // Helper scalars are only needed for float math; other dtypes go through a float32 cast.
      this.initializers.push({ name: `${name}_f`, dtype: 'float32', dims: [], data: Float32Array.of(value) });
      this.node('Cast', [`${name}_f`], [name], [{ name: 'to', i: ONNX_DTYPE[dtype] }]);
      return name;
    }
    this.initializers.push({ name, dtype, dims: [], data });
    return name;
  }
}

type OpEmitter<O extends OpName> = (e: Emitter, node: Node<O>, inputs: string[], outputs: string[]) => void;

const direct =
  (onnxOp: string) =>
  (e: Emitter, _node: Node, inputs: string[], outputs: string[]): void =>
    e.node(onnxOp, inputs, outputs);

const reduceAttr =
  (onnxOp: string) =>
  (e: Emitter, node: Node<'ReduceMean' | 'ReduceMax'>, inputs: string[], outputs: string[]): void => {
    if (node.attrs.axes.length === 0) e.node('Identity', inputs, outputs);
    else
      e.node(onnxOp, inputs, outputs, [
        { name: 'axes', ints: node.attrs.axes },
        { name: 'keepdims', i: node.attrs.keepdims ? 1 : 0 },
      ]);
  };

const EMIT: { [O in OpName]: OpEmitter<O> } = {
  Add: direct('Add'),
  Sub: direct('Sub'),
  Mul: direct('Mul'),
  Div: direct('Div'),
  Pow: direct('Pow'),
  Mod: direct('Mod'),
  Equal: direct('Equal'),
  Less: direct('Less'),
  Where: direct('Where'),
  Neg: direct('Neg'),
  Sqrt: direct('Sqrt'),
  Reciprocal: direct('Reciprocal'),
  Exp: direct('Exp'),
  Log: direct('Log'),
  Tanh: direct('Tanh'),
  Erf(e, node, inputs, outputs) {
    // onnxruntime's CPU provider has Erf for float32 only: float64 goes through float32.
    if ((node.inputs[0] as Tensor).dtype !== 'float64') return e.node('Erf', inputs, outputs);
    const narrow = e.temp('Cast', inputs, [{ name: 'to', i: ONNX_DTYPE.float32 }]);
    e.node('Cast', [e.temp('Erf', [narrow])], outputs, [{ name: 'to', i: ONNX_DTYPE.float64 }]);
  },
  Sigmoid: direct('Sigmoid'),
  Relu: direct('Relu'),
  Gelu(e, node, [x], [y]) {
    const dtype = (node.inputs[0] as Tensor).dtype;
    const xs = x as string;
    let inner: string;
    if (node.attrs.approximate === 'tanh') {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const x3 = e.temp('Mul', [e.temp('Mul', [xs, xs]), xs]);
      const arg = e.temp('Mul', [
        e.temp('Add', [xs, e.temp('Mul', [x3, e.scalar(0.044715, dtype)])]),
        e.scalar(Math.sqrt(2 / Math.PI), dtype),
      ]);
      inner = e.temp('Tanh', [arg]);
    } else {
      // 0.5 x (1 + erf(x / sqrt 2))
      const scaled = e.temp('Mul', [xs, e.scalar(Math.SQRT1_2, dtype)]);
      inner = e.fresh('erf');
      EMIT.Erf(e, node as never, [scaled], [inner]);
    }
    const half = e.temp('Mul', [xs, e.scalar(0.5, dtype)]);
    e.node('Mul', [half, e.temp('Add', [inner, e.scalar(1, dtype)])], [y as string]);
  },
  StopGradient: direct('Identity'),
  ScaleGradient(e, _node, [x], outputs) {
    e.node('Identity', [x as string], outputs);
  },
  Cast(e, node, inputs, outputs) {
    e.node('Cast', inputs, outputs, [{ name: 'to', i: ONNX_DTYPE[e.dtype(node.attrs.to)] }]);
  },
  MatMul: direct('MatMul'),
  Gemm(e, node, inputs, outputs) {
    e.node('Gemm', inputs, outputs, [
      { name: 'transA', i: node.attrs.transA ? 1 : 0 },
      { name: 'transB', i: node.attrs.transB ? 1 : 0 },
      { name: 'alpha', f: node.attrs.alpha },
      { name: 'beta', f: node.attrs.beta },
    ]);
  },
  ReduceSum(e, node, inputs, outputs) {
    if (node.attrs.axes.length === 0) return e.node('Identity', inputs, outputs);
    e.node('ReduceSum', [...inputs, e.ints(node.attrs.axes)], outputs, [{ name: 'keepdims', i: node.attrs.keepdims ? 1 : 0 }]);
  },
  ReduceMean: reduceAttr('ReduceMean'),
  ReduceMax: reduceAttr('ReduceMax'),
  ArgMax(e, node, inputs, outputs) {
    const attrs = [
      { name: 'axis', i: node.attrs.axis },
      { name: 'keepdims', i: 0 },
    ];
    // ONNX's ArgMax always gives int64.
    if (e.narrow) e.node('Cast', [e.temp('ArgMax', inputs, attrs)], outputs, [{ name: 'to', i: ONNX_DTYPE.int32 }]);
    else e.node('ArgMax', inputs, outputs, attrs);
  },
  Softmax(e, node, inputs, outputs) {
    e.node('Softmax', inputs, outputs, [{ name: 'axis', i: node.attrs.axis }]);
  },
  LogSoftmax(e, node, [x], [y]) {
    // x - max - log(sum(exp(x - max))) rather than ONNX LogSoftmax: onnxruntime's WebGPU provider has no
    // LogSoftmax kernel, so the logits (a language model's are tokens x vocabulary) would go to the CPU
    // and back every step. The CPU pays about 1.7x the fused kernel's time in the forward pass.
    const axis = [{ name: 'axes', ints: [node.attrs.axis] }];
    const keep = { name: 'keepdims', i: 1 };
    const shifted = e.temp('Sub', [x as string, e.temp('ReduceMax', [x as string], [...axis, keep])]);
    const total = e.temp('ReduceSum', [e.temp('Exp', [shifted]), e.ints([node.attrs.axis])], [keep]);
    e.node('Sub', [shifted, e.temp('Log', [total])], [y as string]);
  },
  Reshape(e, node, inputs, outputs) {
    e.node('Reshape', [...inputs, e.ints(node.attrs.spec)], outputs);
  },
  CumSum(e, node, inputs, outputs) {
    e.node('CumSum', [...inputs, e.ints([node.attrs.axis])], outputs);
  },
  SliceLike(e, node, [x, ref], outputs) {
    const len = e.temp(
      'Shape',
      [ref as string],
      [
        { name: 'start', i: node.attrs.refAxis },
        { name: 'end', i: node.attrs.refAxis + 1 },
      ],
    );
    e.node('Slice', [x as string, e.ints([0]), len, e.ints([node.attrs.axis])], outputs);
  },
  Transpose(e, node, inputs, outputs) {
    e.node('Transpose', inputs, outputs, [{ name: 'perm', ints: node.attrs.perm }]);
  },
  Concat(e, node, inputs, outputs) {
    e.node('Concat', inputs, outputs, [{ name: 'axis', i: node.attrs.axis }]);
  },
  Split(e, node, inputs, outputs) {
    e.node('Split', [...inputs, e.ints(node.attrs.sizes)], outputs, [{ name: 'axis', i: node.attrs.axis }]);
  },
  Slice(e, node, inputs, outputs) {
    const { axis, start, end } = node.attrs;
    if (e.narrow && !isFloat((node.inputs[0] as Tensor).dtype)) {
      // The WebGPU provider has Slice for floats only; Gather takes integers (a language model's shifted labels).
      const picked = e.ints(Array.from({ length: end - start }, (_, i) => start + i));
      return e.node('Gather', [inputs[0] as string, picked], outputs, [{ name: 'axis', i: axis }]);
    }
    e.node('Slice', [...inputs, e.ints([start]), e.ints([end]), e.ints([axis])], outputs);
  },
  Pad(e, node, inputs, outputs) {
    const rank = (node.inputs[0] as Tensor).rank;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[node.attrs.axis] = node.attrs.before;
    pads[rank + node.attrs.axis] = node.attrs.after;
    e.node('Pad', [...inputs, e.ints(pads)], outputs);
  },
  Gather(e, node, inputs, outputs) {
    e.node('Gather', inputs, outputs, [{ name: 'axis', i: node.attrs.axis }]);
  },
  ScatterNDAdd(e, _node, [data, indices, updates], outputs) {
    // ONNX's ScatterND takes int64 indices only.
    const wide = e.narrow ? e.temp('Cast', [indices as string], [{ name: 'to', i: ONNX_DTYPE.int64 }]) : (indices as string);
    e.node('ScatterND', [data as string, wide, updates as string], outputs, [{ name: 'reduction', s: 'add' }]);
  },
  Expand(e, node, inputs, outputs) {
    e.node('Expand', [...inputs, e.ints(node.attrs.shape)], outputs);
  },
  LayerNorm(e, node, inputs, outputs) {
    e.node('LayerNormalization', inputs, outputs, [
      { name: 'axis', i: -1 },
      { name: 'epsilon', f: node.attrs.epsilon },
    ]);
  },
  RMSNorm(e, node, [x, scale], [y]) {
    const dtype = (node.inputs[0] as Tensor).dtype;
    const xs = x as string;
    const meanSq = e.temp(
      'ReduceMean',
      [e.temp('Mul', [xs, xs])],
      [
        { name: 'axes', ints: [-1] },
        { name: 'keepdims', i: 1 },
      ],
    );
    const rstd = e.temp('Reciprocal', [e.temp('Sqrt', [e.temp('Add', [meanSq, e.scalar(node.attrs.epsilon, dtype)])])]);
    e.node('Mul', [e.temp('Mul', [xs, rstd]), scale as string], [y as string]);
  },
};

/** The nodes needed to compute `outputs`, in graph order. */
export function liveNodes(graph: Graph, outputs: readonly Tensor[]): Node[] {
  const live = new Set<number>();
  const stack = outputs.map((t) => t.producer).filter((n): n is Node => n !== undefined);
  while (stack.length) {
    const n = stack.pop() as Node;
    if (live.has(n.id)) continue;
    live.add(n.id);
    for (const t of n.inputs) if (t.producer) stack.push(t.producer);
  }
  return graph.nodes.filter((n) => live.has(n.id));
}

export function emitModel(graph: Graph, options: EmitOptions): Uint8Array {
  const e = new Emitter(options.narrowIntegers);
  const outputTensors = options.outputs.map((o) => o.tensor);
  const nodes = liveNodes(graph, outputTensors);
  const used = new Set<number>();
  for (const n of nodes) for (const t of n.inputs) used.add(t.id);
  for (const t of outputTensors) used.add(t.id);

  // Graph outputs are named after the producing node's output where possible, avoiding copies.
  const claimed = new Set<number>();
  const copies: EmitOutput[] = [];
  for (const o of options.outputs) {
    if (o.tensor.source === 'node' && !claimed.has(o.tensor.id) && e.dtype(o.tensor.dtype) === o.tensor.dtype) {
      e.rename(o.tensor, o.name);
      claimed.add(o.tensor.id);
    } else copies.push(o);
  }

  const graphInputs: Tensor[] = [...graph.inputs];
  for (const t of graph.params.values()) {
    if (!used.has(t.id)) continue;
    if (options.paramInputs.has(t.name)) graphInputs.push(t);
    else e.initializers.push({ name: t.name, dtype: t.dtype, dims: t.shape, data: options.paramValue(t.name) });
  }
  for (const [t, data] of graph.constants) {
    if (!used.has(t.id)) continue;
    const dtype = e.dtype(t.dtype);
    e.initializers.push({ name: t.name, dtype, dims: t.shape, data: dtype === t.dtype ? data : narrowed(data as BigInt64Array, t.name) });
  }

  for (const n of nodes) {
    const emit = EMIT[n.op] as OpEmitter<OpName>;
    const inputs = n.inputs.map((t) => e.nameOf(t));
    const outputs = n.outputs.map((t) => e.nameOf(t));
    if (!options.halfGemms?.has(n.id)) {
      emit(e, n, inputs, outputs);
      continue;
    }
    const halfOut = outputs.map((o) => e.fresh(`${o}_f16`));
    emit(
      e,
      n,
      inputs.map((i) => e.halfOf(i)),
      halfOut,
    );
    halfOut.forEach((h, i) => {
      e.node('Cast', [h], [outputs[i] as string], [{ name: 'to', i: ONNX_DTYPE.float32 }]);
    });
  }
  for (const o of copies) {
    if (e.dtype(o.tensor.dtype) === o.tensor.dtype) e.node('Identity', [e.nameOf(o.tensor)], [o.name]);
    else e.node('Cast', [e.nameOf(o.tensor)], [o.name], [{ name: 'to', i: ONNX_DTYPE[o.tensor.dtype] }]);
  }

  // The weights are most of the bytes: with room for them (and the nodes', at a generous 512 bytes each),
  // the graph is written without growing, and copied once into the model.
  const weightBytes = e.initializers.reduce((n, i) => n + i.data.byteLength, 0);
  const capacity = weightBytes + 512 * (e.nodes.length + e.initializers.length + graphInputs.length + options.outputs.length) + 4096;
  const w = new ProtoWriter(capacity + 256);
  w.int(1, IR_VERSION);
  w.string(2, 'tuneql');
  w.string(3, '0.1.0');
  w.message(
    7,
    (g) => {
      for (const n of e.nodes) g.message(1, (nw) => writeNode(nw, n));
      g.string(2, options.graphName ?? 'tuneql');
      for (const init of e.initializers) g.message(5, (tw) => writeTensor(tw, init), init.data.byteLength + 256 + 4 * init.dims.length);
      for (const t of graphInputs)
        g.message(11, (vw) => writeValueInfo(vw, t.name, e.dtype(t.dtype), t.shape, options.dynamicAxes?.[t.name]));
      for (const o of options.outputs) {
        g.message(12, (vw) => writeValueInfo(vw, o.name, o.tensor.dtype, o.tensor.shape, options.dynamicAxes?.[o.name]));
      }
    },
    capacity,
  );
  w.message(8, (o) => o.string(1, '').int(2, OPSET));
  return w.finish();
}

/** An int64 constant as int32; a value out of int32's range is a bug in the graph, not in the data. */
function narrowed(data: BigInt64Array, name: string): Int32Array {
  const out = new Int32Array(data.length);
  data.forEach((v, i) => {
    if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new Error(`int64 constant ${name}[${i}] = ${v} does not fit int32`);
    out[i] = Number(v);
  });
  return out;
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.outputs[0] ?? n.op);
  w.string(4, n.op);
  for (const a of n.attrs) {
    w.message(5, (aw) => {
      aw.string(1, a.name);
      if ('i' in a) aw.int(3, a.i).int(20, 2);
      else if ('f' in a) aw.float(2, a.f).int(20, 1);
      else if ('ints' in a) aw.packedInts(8, a.ints).int(20, 7);
      else aw.string(4, a.s).int(20, 3);
    });
  }
}

function writeTensor(w: ProtoWriter, t: Initializer): void {
  w.packedInts(1, t.dims);
  w.int(2, ONNX_DTYPE[t.dtype]);
  w.string(8, t.name);
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(
  w: ProtoWriter,
  name: string,
  dtype: DType,
  shape: readonly number[],
  dynamic?: Readonly<Record<number, string>>,
): void {
  w.string(1, name);
  w.message(2, (tp) =>
    tp.message(1, (tt) => {
      tt.int(1, ONNX_DTYPE[dtype]);
      tt.message(2, (sw) => {
        shape.forEach((d, i) => {
          const param = dynamic?.[i];
          sw.message(1, (dw) => (param ? dw.string(2, param) : dw.int(1, d)));
        });
      });
    }),
  );
}
