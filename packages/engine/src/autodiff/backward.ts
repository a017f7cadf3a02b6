// Reverse-mode automatic differentiation over a graph, building gradient ops into the same graph.

import { isFloat } from '../graph/dtype.ts';
import type { Node, Tensor } from '../graph/graph.ts';
import { add } from '../graph/ops.ts';
import { GRADIENTS, type GradRule, zeros } from './gradients.ts';

/**
 * Gradients of the scalar `loss` with respect to each tensor in `wrt`. Only nodes on a path from
 * some `wrt` tensor to the loss get a gradient rule applied, and a rule builds only the input
 * gradients that lead back to `wrt`: a frozen weight's MatMul produces dX but no dW.
 */
export function gradients(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
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

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i] as Node;
    const dOut = node.outputs.map((o) => grads.get(o.id));
    if (dOut.every((g) => g === undefined)) continue;
    const wants = node.inputs.map((t) => depends.has(t.id) && isFloat(t.dtype));
    if (!wants.some(Boolean)) continue;
    const rule = GRADIENTS[node.op] as GradRule<typeof node.op>;
    const dIn = rule({ node, dOut, wants });
    node.inputs.forEach((t, j) => {
      const g = dIn[j];
      if (g && wants[j]) accumulate(t, g);
    });
  }
  return wrt.map((t) => grads.get(t.id) ?? zeros(t));
}
