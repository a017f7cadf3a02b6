// Linear layer with PyTorch's layout and initialization: weight [out, in], bias [out], y = x W^T + b.

import type { Tensor } from '../graph/graph.ts';
import { add, matmul, reshape, transpose } from '../graph/ops.ts';
import { type Initializer, init, type ParamScope } from '../params/parameters.ts';
import { hookedLinear } from './hooks.ts';

export interface LinearOptions {
  /** @default true */
  bias?: boolean;
  /** Weight initializer. @default PyTorch's U(-1/sqrt(in), 1/sqrt(in)) */
  weightInit?: Initializer;
  /** @default PyTorch's U(-1/sqrt(in), 1/sqrt(in)) */
  biasInit?: Initializer;
}

export function linear(scope: ParamScope, x: Tensor, outFeatures: number, options: LinearOptions = {}): Tensor {
  const inFeatures = x.shape[x.rank - 1] as number;
  const bound = 1 / Math.sqrt(inFeatures);
  const weight = scope.get('weight', [outFeatures, inFeatures], options.weightInit ?? init.uniform(bound));
  const bias = options.bias === false ? undefined : scope.get('bias', [outFeatures], options.biasInit ?? init.uniform(bound));
  // A MatMul over any leading shape keeps batch and sequence dimensions symbolic in an exported
  // graph. The transpose of a frozen weight is folded by onnxruntime when the session is created;
  // a trainable one costs one copy of the weight per step, small next to the GEMMs.
  const base = (input: Tensor) => {
    const y = matmul(input, transpose(weight)); // (.., out)
    return bias ? addBias(y, bias) : y;
  };
  return hookedLinear({ scope, x, inFeatures, outFeatures, layout: 'out_in', hasBias: bias !== undefined, base });
}

/**
 * y + bias for a bias of shape (out), added as (1, out): onnxruntime would otherwise fuse the MatMul and the Add
 * into one Gemm, whose CPU kernel first copies the bias into every output row on one thread and then accumulates
 * into them. A separate Add is multithreaded, and the batched GEMM with no bias ran 0.4 to 1.5 ms faster per call
 * at BERT's shapes (4096 rows; docs/decisions/0031).
 */
export function addBias(y: Tensor, bias: Tensor): Tensor {
  return add(y, reshape(bias, [1, bias.size]));
}
