// Tokenized examples into static-shape batches: a few length buckets keep padding waste small while
// every batch matches one compiled program.

import { Rng } from '../runtime/rng.ts';
import type { Feeds } from '../runtime/runtime.ts';

/** One tokenized example, labelled for its task. */
export interface Example {
  inputIds: readonly number[];
  tokenTypeIds?: readonly number[];
  /** Class id (classification), value (regression), or one label per token (token tasks, language modelling; -100 = ignored). */
  label?: number | readonly number[];
  /** Extractive QA: answer start and end token indices (inclusive). */
  startPosition?: number;
  endPosition?: number;
  /** A packed example (packExamples): the token index where each of the examples it holds starts, the first 0. */
  segmentStarts?: readonly number[];
  /** Extractive QA: what evaluation needs to turn a predicted span into text. */
  qa?: {
    context: string;
    /** Character offsets [start, end) of each token in `context` (UTF-16 units). */
    offsets: readonly (readonly [number, number])[];
    answers: readonly string[];
    /** First and last token index (inclusive) that belong to the context. */
    contextTokenRange: readonly [number, number];
  };
}

export const IGNORE_INDEX = -100;

export interface Bucket {
  length: number;
  /** Indices into the example list, in their original order. */
  members: number[];
}

/**
 * Chooses up to `maxBuckets` sequence lengths (multiples of `multiple`, the last one covering the
 * longest example) that minimize total padding, by dynamic programming over the sorted lengths.
 */
export function chooseBuckets(lengths: readonly number[], maxBuckets = 4, multiple = 8): number[] {
  if (lengths.length === 0) return [];
  const round = (n: number) => Math.max(multiple, Math.ceil(n / multiple) * multiple);
  const candidates = [...new Set(lengths.map(round))].sort((a, b) => a - b);
  const count = candidates.map((c) => lengths.filter((l) => round(l) === c).length);
  const n = candidates.length;
  const k = Math.min(maxBuckets, n);
  // cost[i][j]: padding when candidates i..j share the bucket length candidates[j].
  const tokens = candidates.map((c, i) => (count[i] as number) * c);
  const cost = (i: number, j: number) => {
    let waste = 0;
    for (let m = i; m <= j; m++) waste += (count[m] as number) * (candidates[j] as number) - (tokens[m] as number);
    return waste;
  };
  const best: number[][] = Array.from({ length: k + 1 }, () => new Array<number>(n).fill(Number.POSITIVE_INFINITY));
  const from: number[][] = Array.from({ length: k + 1 }, () => new Array<number>(n).fill(-1));
  for (let j = 0; j < n; j++) best[1]![j] = cost(0, j);
  for (let b = 2; b <= k; b++) {
    for (let j = b - 1; j < n; j++) {
      for (let i = b - 2; i < j; i++) {
        const c = (best[b - 1]![i] as number) + cost(i + 1, j);
        if (c < (best[b]![j] as number)) {
          best[b]![j] = c;
          from[b]![j] = i;
        }
      }
    }
  }
  let b = 1;
  for (let m = 2; m <= k; m++) if ((best[m]![n - 1] as number) < (best[b]![n - 1] as number)) b = m;
  const chosen: number[] = [];
  let j = n - 1;
  while (b >= 1 && j >= 0) {
    chosen.unshift(candidates[j] as number);
    j = from[b]![j] as number;
    b--;
  }
  return chosen;
}

export function assignBuckets(examples: readonly Example[], lengths: readonly number[]): Bucket[] {
  const buckets: Bucket[] = lengths.map((length) => ({ length, members: [] }));
  examples.forEach((e, i) => {
    const bucket = buckets.find((b) => e.inputIds.length <= b.length);
    if (!bucket) throw new Error(`example ${i} has ${e.inputIds.length} tokens, longer than the longest bucket (${lengths.at(-1)})`);
    bucket.members.push(i);
  });
  return buckets.filter((b) => b.members.length > 0);
}

/** The trainer's buckets for `examples`: at most `maxBuckets` lengths chosen for them, each example in the first that fits. */
export function lengthBuckets(examples: readonly Example[], maxBuckets: number): Bucket[] {
  return assignBuckets(
    examples,
    chooseBuckets(
      examples.map((e) => e.inputIds.length),
      maxBuckets,
    ),
  );
}

export interface BatchRef {
  bucket: number;
  /** Example indices; fewer than the batch size only in evaluation. */
  members: number[];
}

/**
 * The batches of one training epoch: examples shuffled within buckets and batches shuffled across
 * buckets, both from (seed, epoch) alone so any epoch can be rebuilt on resume. Incomplete batches
 * are dropped, since a training batch must fill its static shape with real examples.
 */
export function epochBatches(buckets: readonly Bucket[], batchSize: number, seed: number, epoch: number): BatchRef[] {
  const rng = new Rng((Math.imul(seed >>> 0, 0x85ebca6b) + epoch * 0x27d4eb2f) >>> 0);
  const batches: BatchRef[] = [];
  buckets.forEach((b, bi) => {
    const order = rng.shuffle([...b.members]);
    for (let i = 0; i + batchSize <= order.length; i += batchSize) batches.push({ bucket: bi, members: order.slice(i, i + batchSize) });
  });
  return rng.shuffle(batches);
}

/** Every example once, in order, for evaluation; the last batch of a bucket may be short. */
export function evalBatches(buckets: readonly Bucket[], batchSize: number): BatchRef[] {
  const batches: BatchRef[] = [];
  buckets.forEach((b, bi) => {
    for (let i = 0; i < b.members.length; i += batchSize) batches.push({ bucket: bi, members: b.members.slice(i, i + batchSize) });
  });
  return batches;
}

export interface CollateOptions {
  batchSize: number;
  length: number;
  padTokenId: number;
  tokenTypes: boolean;
  /** Which label inputs the task's program takes ('positions': masked-LM labels at `predictions` positions). */
  labels: 'class' | 'value' | 'tokens' | 'span' | 'positions' | 'none';
  /** Masked positions per sequence for 'positions'; labelled positions beyond it are left out. */
  predictions?: number;
  /** Masked LM: draw fresh masks for this epoch instead of the ones fixed at tokenization. */
  remask?: Remask;
  /**
   * Packed examples: `attention_mask` numbers each example of a row (1, 2, ...; 0 for padding) and `position_ids`
   * count from 0 at each, for a graph built with GraphOptions.packed. @default false
   */
  packed?: boolean;
}

/**
 * Dynamic masking (RoBERTa's): every epoch masks other positions. The draw depends only on (seed,
 * epoch, example index), so a resumed run masks exactly as the uninterrupted one would.
 */
export interface Remask {
  seed: number;
  epoch: number;
  maskTokenId: number;
  vocabSize: number;
  /** Token ids never masked ([CLS], [SEP], [PAD]...). */
  special: ReadonlySet<number>;
  /** @default 0.15 */
  probability?: number;
}

/** Re-masks one example's tokens in place: 80% [MASK], 10% a random token, 10% unchanged. */
function remaskRow(ids: BigInt64Array, labels: BigInt64Array, offset: number, length: number, index: number, m: Remask): void {
  const rng = new Rng((Math.imul(m.seed >>> 0, 0x9e3779b1) ^ Math.imul(m.epoch + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
  const p = m.probability ?? 0.15;
  for (let t = 0; t < length; t++) {
    const label = labels[offset + t] as bigint;
    const original = label === BigInt(IGNORE_INDEX) ? (ids[offset + t] as bigint) : label;
    ids[offset + t] = original;
    labels[offset + t] = BigInt(IGNORE_INDEX);
    if (m.special.has(Number(original)) || rng.uniform() >= p) continue;
    labels[offset + t] = original;
    const r = rng.uniform();
    if (r < 0.8) ids[offset + t] = BigInt(m.maskTokenId);
    else if (r < 0.9) ids[offset + t] = BigInt(rng.int(m.vocabSize));
  }
}

/**
 * Feeds for one batch at a bucket's static shape. Short batches (evaluation) are filled with copies of
 * their first example, whose outputs the caller ignores.
 */
export function collate(examples: readonly Example[], members: readonly number[], o: CollateOptions): Feeds {
  const { batchSize: B, length: T } = o;
  const ids = new BigInt64Array(B * T).fill(BigInt(o.padTokenId));
  const mask = new BigInt64Array(B * T);
  const types = new BigInt64Array(B * T);
  const feeds: Feeds = { input_ids: ids, attention_mask: mask };
  const positionIds = o.packed ? new BigInt64Array(B * T) : undefined;
  const classes = new BigInt64Array(B);
  const values = new Float32Array(B);
  const tokens = new BigInt64Array(B * T).fill(BigInt(IGNORE_INDEX));
  const starts = new BigInt64Array(B);
  const ends = new BigInt64Array(B);
  for (let r = 0; r < B; r++) {
    const e = examples[members[r] ?? (members[0] as number)] as Example;
    e.inputIds.forEach((id, t) => {
      ids[r * T + t] = BigInt(id);
      mask[r * T + t] = 1n;
      types[r * T + t] = BigInt(e.tokenTypeIds?.[t] ?? 0);
    });
    if (positionIds) {
      const starts = e.segmentStarts ?? [0];
      starts.forEach((start, k) => {
        const end = starts[k + 1] ?? e.inputIds.length;
        for (let t = start; t < end; t++) {
          mask[r * T + t] = BigInt(k + 1);
          positionIds[r * T + t] = BigInt(t - start);
        }
      });
    }
    if (o.labels === 'class') classes[r] = BigInt(e.label as number);
    else if (o.labels === 'value') values[r] = e.label as number;
    else if (o.labels === 'tokens' || o.labels === 'positions') {
      (e.label as readonly number[]).forEach((l, t) => {
        tokens[r * T + t] = BigInt(l);
      });
      if (o.remask) remaskRow(ids, tokens, r * T, e.inputIds.length, members[r] ?? (members[0] as number), o.remask);
    } else if (o.labels === 'span') {
      starts[r] = BigInt(e.startPosition ?? 0);
      ends[r] = BigInt(e.endPosition ?? 0);
    }
  }
  if (o.labels === 'positions') {
    // Gather the labelled positions of each row; unused slots point at position 0 with an ignored label.
    const p = o.predictions ?? 0;
    const positions = new BigInt64Array(B * p);
    const labels = new BigInt64Array(B * p).fill(BigInt(IGNORE_INDEX));
    for (let r = 0; r < B; r++) {
      let k = 0;
      for (let t = 0; t < T && k < p; t++) {
        const l = tokens[r * T + t] as bigint;
        if (l === BigInt(IGNORE_INDEX)) continue;
        positions[r * p + k] = BigInt(t);
        labels[r * p + k] = l;
        k++;
      }
    }
    feeds.masked_positions = positions;
    feeds.labels = labels;
  }
  if (o.tokenTypes) feeds.token_type_ids = types;
  if (positionIds) feeds.position_ids = positionIds;
  if (o.labels === 'class') feeds.labels = classes;
  if (o.labels === 'value') feeds.labels = values;
  if (o.labels === 'tokens') feeds.labels = tokens;
  if (o.labels === 'span') {
    feeds.start_positions = starts;
    feeds.end_positions = ends;
  }
  return feeds;
}
