// Training losses built from graph ops, each reducing to a scalar mean so that autodiff needs no new rules.

import { isFloat } from './graph/dtype.ts';
import { checkOptions, OpOptionError, ShapeError } from './graph/errors.ts';
import type { Tensor } from './graph/graph.ts';
import {
  add,
  cast,
  div,
  equal,
  exp,
  less,
  log,
  logSoftmax,
  mul,
  neg,
  reduceMean,
  reduceSum,
  relu,
  reshape,
  sub,
  where,
} from './graph/ops.ts';

export interface CrossEntropyOptions {
  /** Label value that contributes nothing to the loss or to the count it is averaged over. @default -100 */
  ignoreIndex?: number;
  /** Weight moved from the target class to a uniform distribution over all classes, in [0, 1). @default 0 */
  labelSmoothing?: number;
}

const dims = (t: Tensor): string => `[${t.shape.join(', ')}]`;

function requireFloatInput(loss: string, inputs: readonly Tensor[], t: Tensor, role: string): void {
  if (!isFloat(t.dtype)) throw new ShapeError(loss, inputs, `${role} must be floating point, got ${t.dtype}`);
}

function requireSameShape(loss: string, a: Tensor, b: Tensor, roleA: string, roleB: string): void {
  requireFloatInput(loss, [a, b], a, roleA);
  if (a.dtype !== b.dtype) throw new ShapeError(loss, [a, b], `${roleA} and ${roleB} dtypes differ (${a.dtype} vs ${b.dtype})`);
  if (a.shape.join() !== b.shape.join())
    throw new ShapeError(loss, [a, b], `${roleA} ${dims(a)} and ${roleB} ${dims(b)} must have the same shape`);
}

/**
 * Mean softmax cross-entropy of `logits` (N.., C) against integer class `labels` (N..), with PyTorch's
 * semantics: positions labelled `ignoreIndex` are left out of both the sum and the count, and label
 * smoothing eps gives (1 - eps) * nll + eps * mean over classes of -log p. When every position is
 * ignored the loss is 0 rather than PyTorch's NaN, so a fully padded batch cannot poison the weights.
 * A label outside [0, C) that is not `ignoreIndex` matches no class and contributes only its smoothing
 * term (PyTorch raises instead); labels are runtime values, so this cannot be checked when building.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const name = 'crossEntropy';
  checkOptions(name, options, ['ignoreIndex', 'labelSmoothing']);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const smoothing = options.labelSmoothing ?? 0;
  if (!Number.isSafeInteger(ignoreIndex)) throw new OpOptionError(name, `ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (!(smoothing >= 0 && smoothing < 1)) throw new OpOptionError(name, `labelSmoothing must be in [0, 1), got ${smoothing}`);

  const inputs = [logits, labels];
  requireFloatInput(name, inputs, logits, 'logits');
  if (logits.rank < 1) throw new ShapeError(name, inputs, 'logits need a class axis (shape [N.., C])');
  if (labels.dtype !== 'int64') throw new ShapeError(name, inputs, `labels must be int64 class indices, got ${labels.dtype}`);
  const lead = logits.shape.slice(0, -1);
  if (labels.shape.join() !== lead.join()) {
    throw new ShapeError(
      name,
      inputs,
      `labels ${dims(labels)} must have the shape of logits ${dims(logits)} without its last (class) axis, [${lead.join(', ')}]`,
    );
  }
  const classes = logits.shape[logits.rank - 1] as number;
  const dtype = logits.dtype;
  const g = logits.graph;

  const logp = logSoftmax(logits, -1); // (N.., C)
  // One-hot by comparison rather than Gather: an ignored label such as -100 is not a valid index.
  const range = g.constant(
    BigInt64Array.from({ length: classes }, (_, i) => BigInt(i)),
    [classes],
    'class_range',
  ); // (C)
  const oneHot = cast(equal(reshape(labels, [...labels.shape, 1]), range), dtype); // (N.., C)
  let perPosition = neg(reduceSum(mul(oneHot, logp), { axes: [-1] })); // (N..)
  if (smoothing > 0) {
    const uniform = neg(reduceMean(logp, { axes: [-1] })); // (N..)
    perPosition = add(mul(perPosition, 1 - smoothing), mul(uniform, smoothing));
  }
  const valid = sub(1, cast(equal(labels, ignoreIndex), dtype)); // (N..), 1 where the label counts
  const total = reduceSum(mul(perPosition, valid)); // ()
  const count = reduceSum(valid); // ()
  // max(count, 1): all-ignored gives 0 / 1 = 0 instead of 0 / 0.
  return div(total, where(less(count, 1), 1, count));
}

/** Mean squared error over all elements; `pred` and `target` must have the same shape and dtype. */
export function mse(pred: Tensor, target: Tensor): Tensor {
  requireSameShape('mse', pred, target, 'pred', 'target');
  const d = sub(pred, target);
  return reduceMean(mul(d, d));
}

/**
 * Mean binary cross-entropy of `targets` in [0, 1] against the sigmoid of `logits`, in the stable form
 * max(x, 0) - x t + log(1 + exp(-|x|)): exp never sees a positive argument, so large logits cannot overflow.
 */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  requireSameShape('bceWithLogits', logits, targets, 'logits', 'targets');
  const pos = relu(logits);
  const absolute = add(pos, relu(neg(logits))); // |x| without an Abs op
  const softplusTail = log(add(exp(neg(absolute)), 1));
  return reduceMean(add(sub(pos, mul(logits, targets)), softplusTail));
}
