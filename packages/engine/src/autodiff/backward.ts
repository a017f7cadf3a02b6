// Reverse-mode automatic differentiation over a graph, building gradient ops into the same graph.

import { isFloat } from '../graph/dtype.ts';
import type { Graph, Node, Segment, Tensor } from '../graph/graph.ts';
import { add, cast, less, reshape, slice, where } from '../graph/ops.ts';
import { GRADIENTS, type GradRule, zeros } from './gradients.ts';

export interface GradientOptions {
  /**
   * Gradient checkpointing: the gradient rules of a segment's nodes (Graph.beginSegment, one per transformer block)
   * read a recomputation of its forward nodes, built from the segment's inputs, instead of the forward pass's
   * activations, which then need not live until the backward pass reaches them. @default false
   */
  recompute?: boolean;
}

/**
 * Gradients of the scalar `loss` with respect to each tensor in `wrt`. Only nodes on a path from
 * some `wrt` tensor to the loss get a gradient rule applied, and a rule builds only the input
 * gradients that lead back to `wrt`: a frozen weight's MatMul produces dX but no dW.
 */
export function gradients(loss: Tensor, wrt: readonly Tensor[], options: GradientOptions = {}): Tensor[] {
  if (loss.size !== 1) throw new Error(`gradients: the loss must have one element, got shape [${loss.shape.join(', ')}]`);
  if (!isFloat(loss.dtype)) throw new Error(`gradients: the loss must be floating point, got ${loss.dtype}`);
  const graph = loss.graph;
  const nodes = graph.nodes.slice(0, (loss.producer?.id ?? -1) + 1);

  // Tensors whose value depends on some wrt tensor.
  const depends = new Set<number>(wrt.map((t) => t.id));
  for (const n of nodes) {
    if (n.inputs.some((t) => depends.has(t.id))) for (const o of n.outputs) if (isFloat(o.dtype)) depends.add(o.id);
  }

  const grads = new Map<number, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? add(prev, g) : g);
  };
  grads.set(loss.id, graph.scalar(1, loss.dtype, loss.shape));

  // Each recomputed segment's node ids (the cheap ones always, a checkpointing segment's covering those inside
  // it), and the recomputation of a segment once the backward pass reaches it.
  const segmentOf = new Map<number, Segment>();
  for (const s of [...graph.cheapSegments, ...(options.recompute ? graph.segments : [])])
    for (let id = s.start; id < s.end; id++) segmentOf.set(id, s);
  const recomputed = new Map<Segment, Recomputation>();

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as Node;
    const dOut = node.outputs.map((o) => grads.get(o.id));
    if (dOut.every((g) => g === undefined)) continue;
    const wants = node.inputs.map((t) => depends.has(t.id) && isFloat(t.dtype));
    if (!wants.some(Boolean)) continue;
    const segment = segmentOf.get(node.id);
    let view = node;
    if (segment) {
      let r = recomputed.get(segment);
      if (!r) {
        // Every gradient reaching the segment from later nodes is complete here: its output's, else this node's.
        const arrived = grads.get(segment.output.id) ?? (dOut.find((g) => g !== undefined) as Tensor);
        r = new Recomputation(graph, segment, arrived);
        recomputed.set(segment, r);
      }
      view = r.view(node);
    }
    const rule = GRADIENTS[node.op] as GradRule<typeof node.op>;
    const dIn = rule({ node: view, dOut, wants });
    node.inputs.forEach((t, j) => {
      const g = dIn[j];
      if (g && wants[j]) accumulate(t, g);
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? zeros(t));
}

/**
 * A segment's forward nodes built again for its gradient rules, from the segment's inputs: what they read
 * from outside the segment (its input, the attention mask, the dropout seed...) and, inside it, clones of the
 * nodes that depend on those. The segment's output is the forward one (it is the next block's input, kept
 * anyway). Parameters and constants are read as they are, and a node that reads nothing else is not cloned.
 *
 * onnxruntime eliminates common subexpressions: a clone with the same inputs as its forward node would be
 * merged back into it, and the forward activations kept for the backward pass after all. So every input
 * the recomputation reads from outside the segment goes through `x + zero`, with `zero` computed from the
 * gradient arriving at the segment's output (after()): onnxruntime cannot fold it (its NoopElimination drops
 * an Add of a constant 0 only; this one is computed), so no clone equals a forward node, and the data
 * dependency orders the recomputation after that gradient, which its topological sort then respects: the
 * recomputation runs when the backward pass reaches the segment, not during the forward pass. The Add
 * changes no value (x + 0 is x, for integers and floats alike), so dropout's counter hash, reading the
 * same seed, draws the same masks in the recomputation as in the forward pass (decision 1).
 */
class Recomputation {
  private readonly graph: Graph;
  private readonly segment: Segment;
  private readonly arrived: Tensor;
  private zeroScalar: Tensor | undefined;
  /** Forward tensor id -> what the recomputation reads in its place. */
  private readonly values = new Map<number, Tensor>();

  constructor(graph: Graph, segment: Segment, arrived: Tensor) {
    this.graph = graph;
    this.segment = segment;
    this.arrived = arrived;
  }

  /** `node` with its inputs and outputs replaced by the recomputed ones, for its gradient rule. */
  view(node: Node): Node {
    return { ...node, inputs: node.inputs.map((t) => this.value(t)), outputs: node.outputs.map((t) => this.value(t)) };
  }

  private inside(t: Tensor): boolean {
    const id = t.producer?.id;
    return id !== undefined && id >= this.segment.start && id < this.segment.end;
  }

  private zero(): Tensor {
    if (!this.zeroScalar) {
      const d = this.arrived;
      this.zeroScalar = after(reshape(slice(reshape(d, [d.size]), 0, 0, 1), []));
    }
    return this.zeroScalar;
  }

  private value(t: Tensor): Tensor {
    const known = this.values.get(t.id);
    if (known) return known;
    let v = t;
    if (t === this.segment.output) v = t;
    else if (this.inside(t)) {
      const p = t.producer as Node;
      const inputs = p.inputs.map((x) => this.value(x));
      // A node that reads only parameters, constants and unchanged values is its own recomputation.
      if (inputs.some((x, j) => x !== p.inputs[j])) {
        const outs = this.graph.addNode(p.op, inputs, p.attrs);
        p.outputs.forEach((o, k) => {
          this.values.set(o.id, outs[k] as Tensor);
        });
        return this.values.get(t.id) as Tensor;
      }
    } else if ((t.source === 'node' || t.source === 'input') && t.dtype !== 'bool') {
      v = add(t, cast(this.zero(), t.dtype));
    }
    this.values.set(t.id, v);
    return v;
  }
}

/**
 * Zero, computed from the float scalar `x` (NaN < 0 is false: any x gives 0): a data dependency that makes
 * what reads it wait for `x`, which ONNX has no other way to say.
 */
export function after(x: Tensor): Tensor {
  return where(less(x, 0), x.graph.scalar(0, x.dtype), 0);
}
