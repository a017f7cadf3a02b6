// Scaled dot-product attention with padding and causal masks, grouped-query heads, and rotary
// position embeddings. Shapes are written so batch and sequence stay symbolic in an export.

import type { Graph, Tensor } from '../graph/graph.ts';
import {
  add,
  concat,
  dropWith,
  equal,
  expand,
  gather,
  less,
  matmul,
  mul,
  neg,
  reduceSum,
  reshape,
  slice,
  sliceLike,
  softmax,
  sub,
  transpose,
  where,
} from '../graph/ops.ts';
import type { ForwardContext } from './layers.ts';

/** float32's lowest value: what Hugging Face puts on masked attention scores. */
export const MASKED = -3.4028234663852886e38;

/** 0, 1, ..., maxLength - 1 cut to the sequence length of `like` (its axis `axis`). */
export function positions(g: Graph, maxLength: number, like: Tensor, axis = 1): Tensor {
  const all = BigInt64Array.from({ length: maxLength }, (_, i) => BigInt(i));
  return sliceLike(g.constant(all, [maxLength], 'positions'), 0, like, axis); // (T)
}

/** (B, H, T, D) -> (B, T, H * D) */
export function mergeHeads(x: Tensor): Tensor {
  return reshape(transpose(x, [0, 2, 1, 3]), [0, 0, -1]);
}

/** (B, T, H * D) -> (B, H, T, D) */
export function splitHeads(x: Tensor, heads: number, headDim: number): Tensor {
  return transpose(reshape(x, [0, 0, heads, headDim]), [0, 2, 1, 3]);
}

export interface AttentionOptions {
  /** (B, T) with 1 for tokens and 0 for padding, or with `segments` a number per packed example and 0 for padding. */
  attentionMask?: Tensor;
  /** The mask numbers packed examples: a query attends only to keys of its own number. @default false */
  segments?: boolean;
  causal: boolean;
  /** Longest sequence the model supports (sizes the causal mask's index constant). */
  maxLength: number;
  dropout: number;
  ctx: ForwardContext;
  /** @default 1 / sqrt(head dim) */
  scale?: number;
  /**
   * The keys may be longer than the queries (a key/value cache holds earlier steps): the queries are
   * then the last T of the S positions, and the causal mask is shifted by S - T. @default false
   */
  queriesAtEnd?: boolean;
}

/** One layer's keys and values, (B, Hkv, S, D). */
export interface LayerKv {
  key: Tensor;
  value: Tensor;
}

/** The key/value cache of one generation step. */
export interface KvCache {
  /** Per layer, the keys and values of the earlier steps (B, Hkv, P, D); P may be 0. */
  readonly past: readonly LayerKv[];
  /** Filled in by the model, per layer: the past followed by this step's keys and values (B, Hkv, P + T, D). */
  readonly present: LayerKv[];
}

/** Keys and values of layer `layer` with the cached ones in front, recorded as that layer's present. */
export function withPast(cache: KvCache | undefined, layer: number, k: Tensor, v: Tensor): LayerKv {
  if (!cache) return { key: k, value: v };
  const past = cache.past[layer];
  if (!past) throw new Error(`key/value cache: no past keys and values for layer ${layer}`);
  const present = { key: concat([past.key, k], 2), value: concat([past.value, v], 2) }; // (B, Hkv, P + T, D)
  cache.present[layer] = present;
  return present;
}

/** q: (B, H, T, D); k, v: (B, Hkv, T, D) with H a multiple of Hkv. Returns (B, H, T, D). */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const [heads, headDim] = [q.shape[1] as number, q.shape[3] as number];
  const kvHeads = k.shape[1] as number;
  if (heads % kvHeads !== 0) throw new Error(`attention: ${heads} query heads are not a multiple of ${kvHeads} key/value heads`);
  const keys = repeatKv(k, heads / kvHeads);
  const values = repeatKv(v, heads / kvHeads);
  const scores = mul(matmul(q, transpose(keys, [0, 1, 3, 2])), options.scale ?? 1 / Math.sqrt(headDim)); // (B, H, T, T)
  const bias = maskBias(q, k, options);
  // The masks are one additive bias (0 or MASKED): one Add on the scores and nothing in the backward pass, where a
  // Where per mask costs a pass over the scores each way. A finite score below 1e31 plus MASKED rounds to MASKED,
  // so the masked scores are exactly what a Where would give.
  const probs = softmax(bias ? add(scores, bias) : scores, -1);
  const keep = options.ctx.dropoutKeep(probs, options.dropout);
  if (!keep) return matmul(probs, values);
  // The softmax's gradient reads its output, and the gradient of values reads the dropped probabilities: kept
  // both, they are two (B, H, T, T) tensors a layer until the backward pass, the largest activations of a
  // transformer block. The dropped ones are recomputed from the probabilities and the mask instead
  // (Graph.alwaysRecompute): a Where and a Mul in the backward pass, for a quarter of BERT-base's activations.
  return q.graph.alwaysRecompute(probs, (p) => matmul(dropWith(p, keep, options.dropout), values));
}

/** 0 where a query may attend to a key, MASKED where not, broadcastable to (B, H, T, S); undefined without masks. */
function maskBias(q: Tensor, k: Tensor, options: AttentionOptions): Tensor | undefined {
  const g = q.graph;
  let bias: Tensor | undefined;
  if (options.causal) {
    const keyPos = positions(g, options.maxLength, k, 2); // (S)
    const queryPos = options.queriesAtEnd ? add(positions(g, options.maxLength, q, 2), pastLength(g, options.maxLength, q, k)) : keyPos; // (T)
    const allowed = less(reshape(keyPos, [1, -1]), add(reshape(queryPos, [-1, 1]), 1)); // (T, S): key <= query
    bias = where(allowed, g.scalar(0), MASKED);
  }
  if (options.attentionMask && options.segments) {
    // Padding (0) never equals a real example's number, so this also masks padding keys for every real query.
    const same = equal(reshape(options.attentionMask, [0, 1, -1, 1]), reshape(options.attentionMask, [0, 1, 1, -1])); // (B, 1, T, T)
    bias = where(same, bias ?? g.scalar(0), MASKED);
  } else if (options.attentionMask) {
    const keep = equal(reshape(options.attentionMask, [0, 1, 1, -1]), 1); // (B, 1, 1, T)
    bias = where(keep, bias ?? g.scalar(0), MASKED);
  }
  return bias;
}

/** S - T as an int64 scalar, counted from the shapes at run time so that it stays symbolic in an export. */
function pastLength(g: Graph, maxLength: number, q: Tensor, keys: Tensor): Tensor {
  const ones = g.constant(new BigInt64Array(maxLength).fill(1n), [maxLength], 'ones');
  return sub(reduceSum(sliceLike(ones, 0, keys, 2)), reduceSum(sliceLike(ones, 0, q, 2))); // ()
}

/** (B, Hkv, T, D) -> (B, Hkv * n, T, D), each key/value head serving n query heads. */
function repeatKv(x: Tensor, n: number): Tensor {
  if (n === 1) return x;
  const [kvHeads, headDim] = [x.shape[1] as number, x.shape[3] as number];
  const wide = expand(reshape(x, [0, 0, 1, -1, headDim]), [1, 1, n, 1, 1]); // (B, Hkv, n, T, D)
  return reshape(wide, [0, kvHeads * n, -1, headDim]);
}

/** cos and sin tables (maxLength, D) for rotary embeddings, as Hugging Face's Llama computes them. */
export function rotaryTables(g: Graph, maxLength: number, headDim: number, theta: number): { cos: Tensor; sin: Tensor } {
  const half = headDim / 2;
  const invFreq = Float32Array.from({ length: half }, (_, i) => 1 / theta ** ((2 * i) / headDim));
  const cos = new Float32Array(maxLength * headDim);
  const sin = new Float32Array(maxLength * headDim);
  for (let p = 0; p < maxLength; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * (invFreq[i] as number));
      for (const j of [i, i + half]) {
        cos[p * headDim + j] = Math.cos(angle);
        sin[p * headDim + j] = Math.sin(angle);
      }
    }
  }
  return { cos: g.constant(cos, [maxLength, headDim], 'rope_cos'), sin: g.constant(sin, [maxLength, headDim], 'rope_sin') };
}

/**
 * x (B, H, T, D) rotated by position: x cos + rotate_half(x) sin. The positions are 0..T-1, or
 * `positionIds` (B, T) when given (a cached step continues where the past ends).
 */
export function applyRotary(x: Tensor, tables: { cos: Tensor; sin: Tensor }, positionIds?: Tensor): Tensor {
  const d = x.shape[3] as number;
  const at = (table: Tensor) => (positionIds ? reshape(gather(table, positionIds), [0, 1, -1, d]) : sliceLike(table, 0, x, 2)); // (B, 1, T, D) or (T, D)
  const cos = at(tables.cos);
  const sin = at(tables.sin);
  const rotated = concat([neg(slice(x, 3, d / 2, d)), slice(x, 3, 0, d / 2)], 3);
  return add(mul(x, cos), mul(rotated, sin));
}
