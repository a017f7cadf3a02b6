// Small fixed batches for a task: random token ids with labels a model can learn from them.

import type { Feeds, PretrainedModel } from '@tuneql/engine';
import { Rng } from '@tuneql/engine';

export interface Batch {
  batch: number;
  length: number;
  /** input_ids, attention_mask (and token_type_ids for BERT). */
  inputs: Feeds;
  /** The task's label inputs (labels, or start_positions and end_positions). */
  labels: Feeds;
}

export interface SyntheticOptions {
  /** @default 8 */
  batch?: number;
  /** @default 12 */
  length?: number;
  /** @default 2 */
  count?: number;
  /** @default 1 */
  seed?: number;
}

/**
 * Batches whose labels are a function of the tokens (the second token's id, or each token's id), so the
 * loss can fall within a few steps whatever the task.
 */
export function syntheticBatches(model: PretrainedModel, options: SyntheticOptions = {}): Batch[] {
  const { batch = 8, length = 12, count = 2, seed = 1 } = options;
  const rng = new Rng(seed);
  const vocab = Number(model.config.raw.vocab_size ?? 64);
  const labels = model.task === 'regression' ? 1 : model.config.numLabels();
  return Array.from({ length: count }, () => {
    const ids = Array.from({ length: batch * length }, () => 3 + rng.int(vocab - 3));
    const inputs: Feeds = {
      input_ids: BigInt64Array.from(ids, BigInt),
      attention_mask: new BigInt64Array(batch * length).fill(1n),
    };
    if (model.arch.tokenTypes) inputs.token_type_ids = new BigInt64Array(batch * length);
    const second = (row: number) => ids[row * length + 1] as number;
    let out: Feeds;
    switch (model.task) {
      case 'sequence-classification':
        out = { labels: BigInt64Array.from({ length: batch }, (_, i) => BigInt(second(i) % labels)) };
        break;
      case 'regression':
        out = { labels: Float32Array.from({ length: batch }, (_, i) => (second(i) % 5) / 4) };
        break;
      case 'token-classification':
        out = { labels: BigInt64Array.from(ids, (id) => BigInt(id % labels)) };
        break;
      case 'causal-lm':
        out = { labels: BigInt64Array.from(ids, BigInt) };
        break;
      case 'masked-lm':
        // Every third position is a prediction target; the others are ignored (-100).
        out = { labels: BigInt64Array.from(ids, (id, i) => (i % 3 === 1 ? BigInt(id) : -100n)) };
        break;
      case 'question-answering': {
        const start = Array.from({ length: batch }, (_, i) => 1 + (second(i) % (length - 2)));
        out = {
          start_positions: BigInt64Array.from(start, BigInt),
          end_positions: BigInt64Array.from(start, (s) => BigInt(s + 1)),
        };
        break;
      }
    }
    return { batch, length, inputs, labels: out };
  });
}
