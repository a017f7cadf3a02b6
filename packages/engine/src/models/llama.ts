// The Llama family (RMSNorm, rotary positions, SwiGLU, grouped-query attention) with its task heads,
// under transformers' parameter names.

import type { Tensor } from '../graph/graph.ts';
import { add, matmul, mul, transpose } from '../graph/ops.ts';
import { applyRotary, attention, mergeHeads, rotaryTables, splitHeads, withPast } from '../nn/attention.ts';
import { adapterPoint } from '../nn/hooks.ts';
import { activation, type ForwardContext, rmsNormModule } from '../nn/layers.ts';
import type { ParamScope } from '../params/parameters.ts';
import type { Architecture, ModelInputs, TaskOutputs } from './architecture.ts';
import { dense, normalInit, splitStartEnd, tokenEmbedding } from './bert.ts';
import { ConfigError, type ConfigReader } from './config.ts';
import { lastToken } from './heads.ts';

interface LlamaConfig {
  vocabSize: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  act: string;
  maxPositions: number;
  initRange: number;
  eps: number;
  padTokenId: number | undefined;
  tied: boolean;
  ropeTheta: number;
  attentionBias: boolean;
  mlpBias: boolean;
  attentionDropout: number;
  classifierDropout: number;
  numLabels: number;
}

function read(c: ConfigReader): LlamaConfig {
  const hidden = c.positive('hidden_size', 4096);
  const heads = c.positive('num_attention_heads', 32);
  const kvHeads = c.positive('num_key_value_heads', heads);
  if (c.optionalInt('head_dim') === undefined && hidden % heads !== 0)
    throw new ConfigError(
      `${c.source}: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`,
      'num_attention_heads',
      heads,
    );
  if (heads % kvHeads !== 0)
    throw new ConfigError(
      `${c.source}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`,
      'num_key_value_heads',
      kvHeads,
    );
  const rope = (c.raw.rope_parameters ?? c.raw.rope_scaling ?? {}) as Record<string, unknown>;
  const ropeType = rope.rope_type ?? rope.type ?? 'default';
  if (ropeType !== 'default')
    throw new ConfigError(
      `${c.source}: rope type '${String(ropeType)}' is not supported (only the default rotary embedding is)`,
      'rope_scaling',
      ropeType,
    );
  const theta = typeof rope.rope_theta === 'number' ? rope.rope_theta : c.positiveNum('rope_theta', 10000);
  if (!(theta > 0)) throw new ConfigError(`${c.source}: 'rope_theta' must be a number above 0, got ${theta}`, 'rope_theta', theta);
  return {
    vocabSize: c.positive('vocab_size', 32000),
    hidden,
    intermediate: c.positive('intermediate_size', 11008),
    layers: c.int('num_hidden_layers', 32),
    heads,
    kvHeads,
    headDim: c.optionalInt('head_dim') ?? hidden / heads,
    act: c.str('hidden_act', 'silu'),
    maxPositions: c.positions('max_position_embeddings', 2048),
    initRange: c.num('initializer_range', 0.02),
    eps: c.positiveNum('rms_norm_eps', 1e-6),
    padTokenId: c.optionalInt('pad_token_id'),
    tied: c.bool('tie_word_embeddings', false),
    ropeTheta: theta,
    attentionBias: c.bool('attention_bias', false),
    mlpBias: c.bool('mlp_bias', false),
    attentionDropout: c.prob('attention_dropout', 0),
    classifierDropout: c.prob('classifier_dropout', 0.1),
    numLabels: c.numLabels(),
  };
}

function body(base: ParamScope, cfg: LlamaConfig, inputs: ModelInputs, ctx: ForwardContext): Tensor {
  const g = base.graph;
  let h = tokenEmbedding(base.pp('embed_tokens'), inputs.inputIds, cfg.vocabSize, cfg.hidden, cfg.initRange, cfg.padTokenId); // (B, T, C)
  const tables = rotaryTables(g, cfg.maxPositions, cfg.headDim, cfg.ropeTheta);
  const act = activation(cfg.act, 'hidden_act');
  const std = cfg.initRange;
  for (let i = 0; i < cfg.layers; i++) {
    // One recomputation segment per block (gradient checkpointing recomputes it from its input, Graph.beginSegment).
    const segment = g.beginSegment(h);
    const layer = base.pp('layers').pp(i);
    const att = layer.pp('self_attn');
    const x = rmsNormModule(layer.pp('input_layernorm'), h, cfg.eps);
    const q = applyRotary(
      splitHeads(dense(att.pp('q_proj'), x, cfg.heads * cfg.headDim, std, cfg.attentionBias), cfg.heads, cfg.headDim),
      tables,
      inputs.positionIds,
    );
    const k = applyRotary(
      splitHeads(dense(att.pp('k_proj'), x, cfg.kvHeads * cfg.headDim, std, cfg.attentionBias), cfg.kvHeads, cfg.headDim),
      tables,
      inputs.positionIds,
    );
    const v = splitHeads(dense(att.pp('v_proj'), x, cfg.kvHeads * cfg.headDim, std, cfg.attentionBias), cfg.kvHeads, cfg.headDim);
    const kv = withPast(inputs.cache, i, k, v);
    const context = attention(q, kv.key, kv.value, {
      attentionMask: inputs.attentionMask,
      segments: inputs.packed,
      causal: true,
      maxLength: cfg.maxPositions,
      dropout: cfg.attentionDropout,
      ctx,
      queriesAtEnd: inputs.cache !== undefined,
    });
    h = add(
      h,
      adapterPoint(att, 'attention', dense(att.pp('o_proj'), mergeHeads(context), cfg.hidden, std, cfg.attentionBias), { residual: h }),
    );
    const mlp = layer.pp('mlp');
    const y = rmsNormModule(layer.pp('post_attention_layernorm'), h, cfg.eps);
    const gated = mul(
      act(dense(mlp.pp('gate_proj'), y, cfg.intermediate, std, cfg.mlpBias)),
      dense(mlp.pp('up_proj'), y, cfg.intermediate, std, cfg.mlpBias),
    );
    h = segment.end(add(h, adapterPoint(mlp, 'ffn', dense(mlp.pp('down_proj'), gated, cfg.hidden, std, cfg.mlpBias), { residual: h })));
  }
  return rmsNormModule(base.pp('norm'), h, cfg.eps);
}

export const llama: Architecture = {
  modelType: 'llama',
  tasks: ['sequence-classification', 'regression', 'token-classification', 'question-answering', 'causal-lm'],
  tokenTypes: false,
  maxLength: (c) => read(c).maxPositions,
  hiddenSize: (c) => read(c).hidden,
  cacheShape(c) {
    const cfg = read(c);
    return { layers: cfg.layers, kvHeads: cfg.kvHeads, headDim: cfg.headDim };
  },
  baseModel: (task) => (task === 'question-answering' ? 'transformer' : 'model'),
  hidden(scope, config, task, inputs, ctx) {
    return body(scope.pp(this.baseModel(task)), read(config), inputs, ctx);
  },
  build(scope, config, task, inputs, ctx): TaskOutputs {
    const cfg = read(config);
    // transformers names the base model 'transformer' in LlamaForQuestionAnswering, 'model' elsewhere.
    const base = scope.pp(this.baseModel(task));
    const h = body(base, cfg, inputs, ctx);
    const std = cfg.initRange;
    switch (task) {
      case 'causal-lm': {
        if (cfg.tied)
          return { logits: matmul(h, transpose(base.pp('embed_tokens').get('weight', [cfg.vocabSize, cfg.hidden], normalInit(std)))) };
        return { logits: dense(scope.pp('lm_head'), h, cfg.vocabSize, std, false) };
      }
      case 'sequence-classification':
      case 'regression': {
        const scores = dense(scope.pp('score'), h, task === 'regression' ? 1 : cfg.numLabels, std, false);
        return { logits: lastToken(scores, inputs.inputIds, cfg.padTokenId, cfg.maxPositions) };
      }
      case 'token-classification':
        return { logits: dense(scope.pp('score'), ctx.dropout(h, cfg.classifierDropout), cfg.numLabels, std) };
      case 'question-answering':
        return splitStartEnd(dense(scope.pp('qa_outputs'), h, 2, std));
      default:
        throw new ConfigError(`llama has no '${task}' head; it supports ${this.tasks.join(', ')}`);
    }
  },
};
