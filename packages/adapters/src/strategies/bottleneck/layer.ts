// One bottleneck adapter, x + up(act(down(x))), with a zero-initialized up-projection so it starts as the identity.

import { type AdapterSite, init, ops, type Tensor } from '@tuneql/engine';
import type { BottleneckConfig } from './config.ts';

const ACTIVATIONS: Record<BottleneckConfig['nonLinearity'], (x: Tensor) => Tensor> = {
  relu: ops.relu,
  gelu: (x) => ops.gelu(x),
  tanh: ops.tanh,
  swish: (x) => ops.mul(x, ops.sigmoid(x)),
};

export function bottleneckSize(hidden: number, reductionFactor: number): number {
  return Math.max(1, Math.floor(hidden / reductionFactor));
}

export function bottleneckAdapter(site: AdapterSite, config: BottleneckConfig): Tensor {
  const hidden = site.x.shape[site.x.rank - 1] as number;
  const size = bottleneckSize(hidden, config.reductionFactor);
  const down = site.scope.pp('adapter_down');
  const up = site.scope.pp('adapter_up');
  const wd = down.get('weight', [size, hidden], init.kaimingUniform());
  const bd = down.get('bias', [size], init.zeros());
  const wu = up.get('weight', [hidden, size], init.zeros());
  const bu = up.get('bias', [hidden], init.zeros());
  const h = ACTIVATIONS[config.nonLinearity](ops.add(ops.matmul(site.x, ops.transpose(wd)), bd)); // (B, T, size)
  const y = ops.add(ops.matmul(h, ops.transpose(wu)), bu); // (B, T, C)
  return config.residual ? ops.add(site.x, y) : y;
}
