// The decoder's generation export: its forward pass with a key/value cache, as an ONNX file whose inputs
// and outputs have the names Hugging Face Optimum gives a decoder exported with past key values.

import { Graph, type Tensor } from '../graph/graph.ts';
import type { CacheShape, ModelInputs } from '../models/architecture.ts';
import { ConfigError } from '../models/config.ts';
import type { PretrainedModel } from '../models/pretrained.ts';
import type { KvCache } from '../nn/attention.ts';
import { ForwardContext } from '../nn/layers.ts';
import { emitModel } from '../onnx/emit.ts';
import { ParamScope } from '../params/parameters.ts';

/** Names of the cache's inputs and outputs for layer `i`. */
export const pastKeyName = (i: number): string => `past_key_values.${i}.key`;
export const pastValueName = (i: number): string => `past_key_values.${i}.value`;
export const presentKeyName = (i: number): string => `present.${i}.key`;
export const presentValueName = (i: number): string => `present.${i}.value`;

/** The cache shape of a causal language model, or a ConfigError saying why it has none. */
export function decoderCacheShape(model: PretrainedModel): CacheShape {
  if (model.task !== 'causal-lm' || !model.arch.cacheShape)
    throw new ConfigError(`${model.arch.modelType} ${model.task}: only a causal language model (a decoder) has a key/value cache`);
  return model.arch.cacheShape(model.config);
}

/**
 * The ONNX bytes of one generation step. Inputs: input_ids and position_ids (batch, sequence),
 * attention_mask (batch, past_sequence + sequence) over the past and the new tokens, and per layer
 * past_key_values.{i}.key and .value (batch, kv_heads, past_sequence, head_dim), all int64 but the
 * cache. Outputs: logits (batch, sequence, vocab) and present.{i}.key and .value with the new tokens
 * appended. The past may be empty (length 0), so the same graph reads the prompt and every next token.
 */
export function exportDecoderWithPast(model: PretrainedModel): Uint8Array {
  const shape = decoderCacheShape(model);
  const g = new Graph();
  // Traced with distinct small sizes (batch 2, past 3, new 2) so that no dimension is mistaken for another;
  // every shape-dependent op is written so that they stay symbolic.
  const [batch, past, length] = [2, 3, 2];
  const cache: KvCache = { past: [], present: [] };
  const inputs: ModelInputs = {
    inputIds: g.input('input_ids', 'int64', [batch, length]),
    attentionMask: g.input('attention_mask', 'int64', [batch, past + length]),
    positionIds: g.input('position_ids', 'int64', [batch, length]),
    cache,
  };
  const pastShape = [batch, shape.kvHeads, past, shape.headDim];
  for (let i = 0; i < shape.layers; i++) {
    (cache.past as KvCache['past'][number][]).push({
      key: g.input(pastKeyName(i), 'float32', pastShape),
      value: g.input(pastValueName(i), 'float32', pastShape),
    });
  }
  const ctx = ForwardContext.inference();
  const scope = new ParamScope(g, model.params).withHooks(model.hooks?.(ctx));
  const { logits } = model.arch.build(scope, model.config, model.task, inputs, ctx);
  if (!logits) throw new ConfigError(`${model.arch.modelType} causal-lm returned no logits`);
  const outputs: { name: string; tensor: Tensor }[] = [{ name: 'logits', tensor: logits }];
  const tokens = { 0: 'batch', 1: 'sequence' };
  const dynamicAxes: Record<string, Record<number, string>> = {
    input_ids: tokens,
    position_ids: tokens,
    attention_mask: { 0: 'batch', 1: 'total_sequence' },
    logits: tokens,
  };
  cache.present.forEach((kv, i) => {
    outputs.push({ name: presentKeyName(i), tensor: kv.key }, { name: presentValueName(i), tensor: kv.value });
    for (const name of [pastKeyName(i), pastValueName(i)]) dynamicAxes[name] = { 0: 'batch', 2: 'past_sequence' };
    for (const name of [presentKeyName(i), presentValueName(i)]) dynamicAxes[name] = { 0: 'batch', 2: 'total_sequence' };
  });
  if (cache.present.length !== shape.layers)
    throw new ConfigError(`${model.arch.modelType}: the model filled ${cache.present.length} of ${shape.layers} cache layers`);
  return emitModel(g, {
    outputs,
    paramInputs: new Set(),
    paramValue: (n) => model.params.get(n).data,
    dynamicAxes,
    graphName: `${model.arch.modelType}-causal-lm-with-past`,
  });
}
