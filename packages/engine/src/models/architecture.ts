// The contract every architecture implements, and what its task heads return.

import type { Tensor } from '../graph/graph.ts';
import type { KvCache } from '../nn/attention.ts';
import type { ForwardContext } from '../nn/layers.ts';
import type { ParamScope } from '../params/parameters.ts';
import type { ConfigReader, Task } from './config.ts';

export interface ModelInputs {
  /** (B, T) int64 */
  inputIds: Tensor;
  /** (B, T) int64, 1 for tokens and 0 for padding; with `packed`, each packed example's number (1, 2, ...) and 0 for padding. */
  attentionMask?: Tensor;
  /**
   * Rows hold several examples end to end (packing): attention stays within an example (the mask's numbers must
   * match) and `positionIds` restart at each. Decoders only.
   */
  packed?: boolean;
  /** (B, T) int64 segment ids (BERT). */
  tokenTypeIds?: Tensor;
  /**
   * (B, P) int64: masked-LM training computes vocabulary logits only at these positions (as BERT's
   * pre-training did with max_predictions_per_seq), instead of at every token.
   */
  maskedPositions?: Tensor;
  /** (B, T) int64 position of each token. @default 0..T-1 (a cached step starts where its past ends) */
  positionIds?: Tensor;
  /** Decoders: the keys and values of earlier steps, and this step's filled in (generation). */
  cache?: KvCache;
}

/** The shape of a decoder's key/value cache: per layer, keys and values of (B, kvHeads, S, headDim). */
export interface CacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
}

export interface TaskOutputs {
  /** (B, labels) for sequence tasks, (B, T, labels) for token tasks, (B, T, vocab) for language modelling. */
  logits?: Tensor;
  /** (B, T) for extractive question answering. */
  startLogits?: Tensor;
  endLogits?: Tensor;
}

export interface Architecture {
  /** config.json's `model_type`. */
  readonly modelType: string;
  readonly tasks: readonly Task[];
  /** Whether the model takes token_type_ids. */
  readonly tokenTypes: boolean;
  /** Longest sequence the position embeddings allow. */
  maxLength(config: ConfigReader): number;
  /** Parameter-name prefix of the base model under `task`'s head ('bert', 'transformer', ...). */
  baseModel(task: Task): string;
  /** Hidden size (what a task head receives). */
  hiddenSize(config: ConfigReader): number;
  /** Decoders: the shape of their key/value cache (an architecture without one cannot generate with a cache). */
  cacheShape?(config: ConfigReader): CacheShape;
  /**
   * The base model alone, as built for `task` (the same parameter names): its last hidden state, (B, T, hidden),
   * what every head reads. The retention check compares it with the base model's where the checkpoint has no
   * pre-training head.
   */
  hidden(scope: ParamScope, config: ConfigReader, task: Task, inputs: ModelInputs, ctx: ForwardContext): Tensor;
  /** Builds the model and the head for `task` under the Hugging Face parameter names. */
  build(scope: ParamScope, config: ConfigReader, task: Task, inputs: ModelInputs, ctx: ForwardContext): TaskOutputs;
}
