// One (IA)^3 layer (output or input scaled by a learned vector that starts at ones) and its fold into the weights.

import { init, type LinearModule, type LinearSite, ops, type Tensor } from '@tuneql/adapters';

export function ia3Linear(site: LinearSite, feedforward: boolean): Tensor {
  if (feedforward) {
    const l = site.scope.get('ia3_l', [site.inFeatures], init.ones());
    return site.base(ops.mul(site.x, l)); // (.., in) scaled, then the layer
  }
  const l = site.scope.get('ia3_l', [site.outFeatures], init.ones());
  return ops.mul(site.base(site.x), l); // (.., out)
}

/**
 * The layer's weight and bias with the scale folded in. Output scaling multiplies output feature o of
 * the weight and of the bias by l[o]; input scaling multiplies input feature i of the weight by l[i].
 */
export function foldIa3(
  module: LinearModule,
  feedforward: boolean,
  l: Float32Array,
  weight: Float32Array,
  bias: Float32Array | undefined,
): { weight: Float32Array; bias: Float32Array | undefined } {
  const { inFeatures: nIn, outFeatures: nOut, layout } = module;
  const w = weight.slice();
  for (let o = 0; o < nOut; o++) {
    for (let i = 0; i < nIn; i++) {
      const at = layout === 'out_in' ? o * nIn + i : i * nOut + o;
      w[at] = (w[at] as number) * (l[feedforward ? i : o] as number);
    }
  }
  const b = bias && !feedforward ? bias.map((v, o) => v * (l[o] as number)) : bias?.slice();
  return { weight: w, bias: b };
}
