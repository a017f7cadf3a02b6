// One bottleneck adapter as AdapterHub defines it: up(act(down(input))) added to the sublayer output, where
// Houlsby reads the sublayer output and Pfeiffer the block's residual sum after its own norm.

import { type AdapterSite, type Initializer, init, ops, type Tensor } from '@tuneql/engine';
import type { BottleneckConfig, NonLinearity } from './config.ts';

const ACTIVATIONS: Record<NonLinearity, (x: Tensor) => Tensor> = {
  relu: ops.relu,
  gelu: (x) => ops.gelu(x),
  tanh: ops.tanh,
  swish: (x) => ops.mul(x, ops.sigmoid(x)),
};

/** N(0, std) truncated to [-2 std, 2 std] (torch.nn.init.trunc_normal_ with a = -2 std, b = 2 std), by redrawing. */
function truncatedNormal(std: number): Initializer {
  return (shape, rng) =>
    init
      .normal(1)(shape, rng)
      .map((v) => {
        while (Math.abs(v) > 2) v = rng.normal();
        return v * std;
      });
}

/** The down- and up-projections' weight initializers for AdapterHub's init_weights (biases start at 0 in all three). */
const INITS: Record<BottleneckConfig['initWeights'], { down: Initializer; up: Initializer }> = {
  bert: { down: init.normal(0.02), up: init.normal(0.02) },
  mam_adapter: { down: init.kaimingUniform(), up: init.zeros() },
  houlsby: { down: truncatedNormal(0.01), up: truncatedNormal(0.01) },
};

export function bottleneckSize(hidden: number, reductionFactor: number): number {
  return Math.max(1, Math.floor(hidden / reductionFactor));
}

/**
 * What the adapter reads. Houlsby (AdapterHub's DoubleSeqBnConfig): the sublayer output. Pfeiffer
 * (SeqBnConfig, original_ln_before): the sublayer output plus the residual, through the block's own norm
 * where the block has one (BERT's LayerNorm, used again after the adapter); pre-norm blocks have none.
 */
function adapterInput(site: AdapterSite, variant: BottleneckConfig['variant']): Tensor {
  if (variant === 'houlsby') return site.x;
  const sum = ops.add(site.x, site.residual);
  return site.norm ? site.norm(sum) : sum;
}

/**
 * The sublayer output with the adapter applied: x + up(act(down(input))) (AdapterHub's residual_before_ln:
 * the adapter's residual is the sublayer output), or up(act(down(input))) alone without `residual`. The
 * block then adds its residual and applies its norm as usual (original_ln_after).
 */
export function bottleneckAdapter(site: AdapterSite, config: BottleneckConfig, nonLinearity: NonLinearity): Tensor {
  const hidden = site.x.shape[site.x.rank - 1] as number;
  const size = bottleneckSize(hidden, config.reductionFactor);
  const down = site.scope.pp('adapter_down');
  const up = site.scope.pp('adapter_up');
  const inits = INITS[config.initWeights];
  const wd = down.get('weight', [size, hidden], inits.down);
  const bd = down.get('bias', [size], init.zeros());
  const wu = up.get('weight', [hidden, size], inits.up);
  const bu = up.get('bias', [hidden], init.zeros());
  const input = adapterInput(site, config.variant); // (B, T, C)
  const h = ACTIVATIONS[nonLinearity](ops.add(ops.matmul(input, ops.transpose(wd)), bd)); // (B, T, size)
  const y = ops.add(ops.matmul(h, ops.transpose(wu)), bu); // (B, T, C)
  return config.residual ? ops.add(site.x, y) : y;
}
