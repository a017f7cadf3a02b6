// In-graph optimizers: each builds one parameter's update from its gradient, its state slots and
// the scalars the host computes every step (learning rate, bias corrections).

import { checkOptions, OpOptionError } from '../graph/errors.ts';
import type { Tensor } from '../graph/graph.ts';
import { add, div, mul, sqrt, sub, where } from '../graph/ops.ts';

export interface UpdateContext {
  param: Tensor;
  /** The raw gradient where `applies`, zero where not (so always finite then). */
  grad: Tensor;
  /**
   * A boolean scalar: whether this step applies. Where it is false the update must give back the parameter
   * and its state exactly. Folding that into the scalars (no step size, betas of 1) costs nothing per element,
   * where selecting the old values would cost a pass over each; and every new value then depends on it, which
   * orders the in-place writes after all reads (step/compile.ts).
   */
  applies: Tensor;
  /** A scalar the gradient is to be multiplied by (gradient clipping), folded into the scalars; none is 1. */
  gradScale?: Tensor;
  /** One tensor per slot, in `slots` order. */
  state: readonly Tensor[];
  /** The scalar inputs named by `scalarNames`, each of shape []. */
  scalars: Readonly<Record<string, Tensor>>;
  /** Whether weight decay applies to this parameter. */
  decay: boolean;
}

export interface Optimizer {
  readonly name: 'adamw' | 'sgd';
  /** Per-parameter state slots, each shaped like the parameter and starting at zero. */
  readonly slots: readonly string[];
  readonly scalarNames: readonly string[];
  /** The scalar inputs for optimizer step `step` (1-based) at learning rate `lr`. */
  scalars(step: number, lr: number): Record<string, number>;
  update(ctx: UpdateContext): { param: Tensor; state: Tensor[] };
}

export interface AdamWOptions {
  /** @default [0.9, 0.999] */
  betas?: readonly [number, number];
  /** @default 1e-8 */
  eps?: number;
  /** Decoupled weight decay (Loshchilov & Hutter), as in torch.optim.AdamW. @default 0.01 */
  weightDecay?: number;
}

function range(name: string, key: string, value: number, lo: number, hi: number): number {
  if (!(value >= lo && value < hi)) throw new OpOptionError(name, `${key} must be in [${lo}, ${hi}), got ${value}`);
  return value;
}

/** AdamW with bias correction, matching torch.optim.AdamW (amsgrad off). */
export function adamw(options: AdamWOptions = {}): Optimizer {
  checkOptions('adamw', options, ['betas', 'eps', 'weightDecay']);
  const [b1, b2] = options.betas ?? [0.9, 0.999];
  range('adamw', 'betas[0]', b1, 0, 1);
  range('adamw', 'betas[1]', b2, 0, 1);
  const eps = range('adamw', 'eps', options.eps ?? 1e-8, 0, Number.POSITIVE_INFINITY);
  const wd = range('adamw', 'weightDecay', options.weightDecay ?? 0.01, 0, Number.POSITIVE_INFINITY);
  return {
    name: 'adamw',
    slots: ['exp_avg', 'exp_avg_sq'],
    // Scalars are folded on the host so the update makes as few passes over the weights as possible:
    // p' = p (1 - lr wd) - m' (lr sqrt(bc2) / bc1) / (sqrt(v') + eps sqrt(bc2)), torch's formula rearranged.
    scalarNames: ['decay', 'step_size', 'eps'],
    scalars(step, lr) {
      const bc2Sqrt = Math.sqrt(1 - b2 ** step);
      return { decay: 1 - lr * wd, step_size: (lr * bc2Sqrt) / (1 - b1 ** step), eps: eps * bc2Sqrt };
    },
    update({ param, grad, state, scalars, decay, applies, gradScale }) {
      const [m, v] = state as [Tensor, Tensor];
      const s = scalars as Record<'decay' | 'step_size' | 'eps', Tensor>;
      // A step that does not apply has betas 1, no gradient weight and no step: m and v stay, and p - 0 is p
      // (eps > 0 keeps m / (sqrt(v) + eps) finite; with eps 0 torch's own step divides 0 by 0 too).
      const on = (value: Tensor | number, off: number): Tensor =>
        where(applies, typeof value === 'number' ? applies.graph.scalar(value) : value, off);
      const mWeight = on(gradScale ? mul(gradScale, 1 - b1) : 1 - b1, 0);
      const vWeight = on(gradScale ? mul(mul(gradScale, gradScale), 1 - b2) : 1 - b2, 0);
      const m1 = add(mul(m, on(b1, 1)), mul(grad, mWeight));
      const v1 = add(mul(v, on(b2, 1)), mul(mul(grad, grad), vWeight));
      const kept = decay && wd > 0 ? mul(param, on(s.decay, 1)) : param;
      const stepped = mul(div(m1, add(sqrt(v1), s.eps)), on(s.step_size, 0));
      return { param: sub(kept, stepped), state: [m1, v1] };
    },
  };
}

export interface SgdOptions {
  /** @default 0 */
  momentum?: number;
  /** @default false */
  nesterov?: boolean;
  /** L2 penalty added to the gradient, as in torch.optim.SGD. @default 0 */
  weightDecay?: number;
}

/** SGD with optional (Nesterov) momentum, matching torch.optim.SGD with dampening 0. */
export function sgd(options: SgdOptions = {}): Optimizer {
  checkOptions('sgd', options, ['momentum', 'nesterov', 'weightDecay']);
  const mu = range('sgd', 'momentum', options.momentum ?? 0, 0, 1);
  const wd = range('sgd', 'weightDecay', options.weightDecay ?? 0, 0, Number.POSITIVE_INFINITY);
  const nesterov = options.nesterov ?? false;
  if (nesterov && mu === 0) throw new OpOptionError('sgd', 'nesterov needs a momentum above 0');
  return {
    name: 'sgd',
    slots: mu > 0 ? ['momentum_buffer'] : [],
    scalarNames: ['lr'],
    scalars: (_step, lr) => ({ lr }),
    update({ param, grad, state, scalars, decay, applies, gradScale }) {
      // A step that does not apply adds nothing to the buffer (momentum 1, no gradient, no decay) and steps by 0.
      const scaled = gradScale ? mul(grad, gradScale) : grad;
      let d = decay && wd > 0 ? add(scaled, mul(param, where(applies, applies.graph.scalar(wd), 0))) : scaled;
      const next: Tensor[] = [];
      if (mu > 0) {
        const buf = add(mul(state[0] as Tensor, where(applies, applies.graph.scalar(mu), 1)), d);
        next.push(buf);
        d = nesterov ? add(d, mul(buf, mu)) : buf;
      }
      return { param: sub(param, mul(d, where(applies, scalars.lr as Tensor, 0))), state: next };
    },
  };
}
