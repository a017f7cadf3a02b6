// One LoRA layer, y = base(x) + scale * dropout(x) A^T B^T in PEFT's shapes, and its fold into the base weight.

import type { ForwardContext } from '@tuneql/engine';
import { init, type LinearSite, ops, type Tensor } from '@tuneql/engine';

export interface LoraShape {
  r: number;
  scale: number;
  dropout: number;
}

export function loraLinear(site: LinearSite, ctx: ForwardContext, lora: LoraShape): Tensor {
  // PEFT's init: A ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)), B = 0, so training starts at the base model.
  const a = site.scope.pp('lora_A').get('weight', [lora.r, site.inFeatures], init.kaimingUniform());
  const b = site.scope.pp('lora_B').get('weight', [site.outFeatures, lora.r], init.zeros());
  const x = ctx.dropout(site.x, lora.dropout);
  const down = ops.matmul(x, ops.transpose(a)); // (.., r)
  const up = ops.matmul(down, ops.transpose(b)); // (.., out)
  return ops.add(site.base(site.x), ops.mul(up, lora.scale));
}

/**
 * W + scale * B A, for W stored [out, in] ('out_in') or [in, out] ('in_out', GPT-2's Conv1D, where the
 * update is transposed: PEFT's fan_in_fan_out). Accumulates in float64.
 */
export function foldLora(
  weight: Float32Array,
  a: Float32Array,
  b: Float32Array,
  shape: { r: number; inFeatures: number; outFeatures: number; layout: 'out_in' | 'in_out' },
  scale: number,
): Float32Array {
  const { r, inFeatures: nIn, outFeatures: nOut, layout } = shape;
  const out = weight.slice();
  for (let o = 0; o < nOut; o++) {
    for (let i = 0; i < nIn; i++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += (b[o * r + k] as number) * (a[k * nIn + i] as number);
      const at = layout === 'out_in' ? o * nIn + i : i * nOut + o;
      out[at] = (out[at] as number) + scale * s;
    }
  }
  return out;
}
