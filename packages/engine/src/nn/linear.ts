// Linear layer with PyTorch's layout and initialization: weight [out, in], bias [out], y = x W^T + b.

import type { Tensor } from '../graph/graph.ts';
import { gemm, reshape } from '../graph/ops.ts';
import { init, type ParamScope } from '../params/parameters.ts';

export interface LinearOptions {
  /** @default true */
  bias?: boolean;
}

export function linear(scope: ParamScope, x: Tensor, outFeatures: number, options: LinearOptions = {}): Tensor {
  const inFeatures = x.shape[x.rank - 1] as number;
  const bound = 1 / Math.sqrt(inFeatures);
  const weight = scope.get('weight', [outFeatures, inFeatures], init.uniform(bound));
  const bias = options.bias === false ? undefined : scope.get('bias', [outFeatures], init.uniform(bound));
  // Rows of any leading shape go through one GEMM; the weight is read transposed, never copied.
  const rows = reshape(x, [-1, inFeatures]); // (N, in)
  const y = gemm(rows, weight, bias, { transB: true }); // (N, out)
  return reshape(y, [...x.shape.slice(0, -1), outFeatures]);
}
