// Building blocks shared by the architectures: embeddings, norms, activations, dropout sites.

import type { Graph, Tensor } from '../graph/graph.ts';
import {
  dropoutKeep,
  dropWith,
  equal,
  gather,
  gelu,
  layerNorm,
  mul,
  relu,
  reshape,
  rmsNorm,
  scaleGradient,
  sigmoid,
  tanh,
  where,
} from '../graph/ops.ts';
import { ConfigError } from '../models/config.ts';
import { type Initializer, init, type ParamScope } from '../params/parameters.ts';

/**
 * Embedding lookup. With `paddingIdx`, as in torch.nn.Embedding, that row receives no gradient: the
 * gradient of the lookups of padding ids is multiplied by 0 (ScaleGradient), which costs nothing forward
 * and one broadcast Mul backward; a Where selecting a grad-stopped copy cost a pass each way, and
 * onnxruntime's Where with a broadcast condition is many times slower than its Mul.
 */
export function embedding(scope: ParamScope, ids: Tensor, count: number, dim: number, fill: Initializer, paddingIdx?: number): Tensor {
  const rows = gather(scope.get('weight', [count, dim], fill), ids); // (.., C)
  if (paddingIdx === undefined) return rows;
  const learns = reshape(where(equal(ids, paddingIdx), ids.graph.scalar(0, rows.dtype), 1), [...ids.shape.map(() => 0), 1]); // (.., 1)
  return scaleGradient(rows, learns);
}

/** LayerNorm with parameters `weight` and `bias` under `scope`. */
export function layerNormModule(scope: ParamScope, x: Tensor, epsilon: number): Tensor {
  const c = x.shape[x.rank - 1] as number;
  return layerNorm(x, scope.get('weight', [c], init.ones()), scope.get('bias', [c], init.zeros()), { epsilon });
}

export function rmsNormModule(scope: ParamScope, x: Tensor, epsilon: number): Tensor {
  const c = x.shape[x.rank - 1] as number;
  return rmsNorm(x, scope.get('weight', [c], init.ones()), { epsilon });
}

export const ACTIVATIONS = {
  gelu: (x: Tensor) => gelu(x),
  gelu_new: (x: Tensor) => gelu(x, { approximate: 'tanh' }),
  gelu_pytorch_tanh: (x: Tensor) => gelu(x, { approximate: 'tanh' }),
  relu,
  silu: (x: Tensor) => mul(x, sigmoid(x)),
  swish: (x: Tensor) => mul(x, sigmoid(x)),
  tanh,
} as const;

export type ActivationName = keyof typeof ACTIVATIONS;

export function activation(name: string, where: string): (x: Tensor) => Tensor {
  // Own keys only ('constructor' is no activation), and a ConfigError: the name comes from a config.json.
  if (!Object.hasOwn(ACTIVATIONS, name)) {
    throw new ConfigError(`${where}: unsupported activation '${name}'; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  return ACTIVATIONS[name as ActivationName];
}

/**
 * Training or inference, and the dropout sites of one graph. Every site gets its own index, so one
 * int64 seed fed per step (from the run seed and the step number) gives every site its own mask:
 * reproducible from the run seed and resumable at any step.
 */
export class ForwardContext {
  readonly train: boolean;
  readonly seed: Tensor | undefined;
  private site = 0;

  constructor(train: boolean, seed?: Tensor) {
    this.train = train;
    this.seed = seed;
  }

  dropout(x: Tensor, p: number): Tensor {
    const keep = this.dropoutKeep(x, p);
    return keep ? dropWith(x, keep, p) : x;
  }

  /** The mask `dropout(x, p)` would draw at this site (ops.dropoutKeep), for ops.dropWith; undefined when it would drop nothing. */
  dropoutKeep(x: Tensor, p: number): Tensor | undefined {
    if (!this.train || !p) return undefined;
    if (!this.seed) throw new Error('dropout in training needs a seed input; create the context with ForwardContext.training(graph)');
    return dropoutKeep(x, { p, seed: this.seed, site: this.site++ });
  }

  static inference(): ForwardContext {
    return new ForwardContext(false);
  }

  /** A training context whose dropout masks come from the graph input `dropout_seed`. */
  static training(graph: Graph): ForwardContext {
    return new ForwardContext(true, graph.input(DROPOUT_SEED, 'int64', []));
  }
}

/** The graph input that seeds dropout; the runtime feeds it every step when the caller does not. */
export const DROPOUT_SEED = 'dropout_seed';
