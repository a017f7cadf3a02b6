// LoRA's trainable tokens (PEFT's trainable_token_indices): chosen rows of the input embeddings train, the
// others stay frozen, wherever the model reads the embeddings (a tied LM head too). What a chat run needs
// for template markup (`<|im_end|>`) that the base model never learned to write: LoRA on the blocks alone
// cannot move those frozen rows, so it never learns to end its turn.

import { ops, type ParameterSite, type PretrainedModel, type Tensor } from '@tuneql/engine';
import { StrategyError } from '../../contract/errors.ts';
import { inputEmbeddings } from '../../modules/model.ts';

/** Our name for the rows' values under the embedding module (a segment carries LoRA's prefix, as the contract asks). */
export const TOKENS_PARAMETER = 'lora_token_adapter.trainable_tokens_delta';
/** PEFT's name for the same tensor (it holds the rows' values, not a difference, despite the name). */
export const PEFT_TOKENS_PARAMETER = 'token_adapter.trainable_tokens_delta';

/** The input embeddings' weight, e.g. 'transformer.wte.weight'; a model without them is refused. */
export function embeddingsOf(model: PretrainedModel): string {
  const name = inputEmbeddings(model);
  if (!name) {
    throw new StrategyError(
      'STRATEGY_CONFIG_INVALID',
      `strategy 'lora': trainableTokenIndices needs the input embeddings, and this ${model.arch.modelType} model has none that LoRA knows`,
      { plugin: 'lora', path: 'trainableTokenIndices' },
    );
  }
  return name;
}

/** The indices, each once, in order, checked against the vocabulary. */
export function tokenRows(model: PretrainedModel, indices: readonly number[]): number[] {
  const vocab = model.params.get(embeddingsOf(model)).shape[0] as number;
  const bad = indices.find((i) => i >= vocab);
  if (bad !== undefined) {
    throw new StrategyError(
      'STRATEGY_CONFIG_INVALID',
      `strategy 'lora': trainableTokenIndices holds ${bad}, past the ${vocab} tokens of the vocabulary`,
      { plugin: 'lora', path: 'trainableTokenIndices' },
    );
  }
  return [...new Set(indices)];
}

/**
 * The embeddings with `rows` replaced by a trainable (rows, C) tensor, initialized to their base values as
 * PEFT does: W with D - W[rows] added at the rows (one ScatterND that copies W, rather than masking W and adding
 * an embedding-sized one-hot product every step). The frozen W gets no gradient; D's is dW'[rows], the
 * scatter's gradient.
 */
export function trainableRows(site: ParameterSite, rows: readonly number[]): Tensor {
  const width = site.value.shape[1] as number;
  const source = site.scope.params.get(site.name);
  const delta = site.scope.pp('lora_token_adapter').get('trainable_tokens_delta', [rows.length, width], () => {
    const out = new Float32Array(rows.length * width);
    rows.forEach((row, k) => {
      out.set(source.data.subarray(row * width, (row + 1) * width), k * width);
    });
    return out;
  });
  const graph = site.value.graph;
  const at = graph.constant(BigInt64Array.from(rows, BigInt), [rows.length], 'token_rows');
  const change = ops.sub(delta, ops.gather(site.value, at, 0)); // (R, C)
  return ops.scatterNDAdd(site.value, ops.reshape(at, [rows.length, 1]), change); // (V, C)
}

/** The embeddings with the trained rows written in: what merge exports. */
export function foldRows(weight: Float32Array, delta: Float32Array, rows: readonly number[]): Float32Array {
  const width = delta.length / rows.length;
  const out = weight.slice();
  rows.forEach((row, k) => {
    out.set(delta.subarray(k * width, (k + 1) * width), row * width);
  });
  return out;
}
