// DistilBERT with its task heads, under transformers' parameter names.

import type { Tensor } from '../graph/graph.ts';
import { add, relu, reshape } from '../graph/ops.ts';
import { attention, mergeHeads, positions, splitHeads } from '../nn/attention.ts';
import { adapterPoint } from '../nn/hooks.ts';
import { activation, embedding, type ForwardContext, layerNormModule } from '../nn/layers.ts';
import type { ParamScope } from '../params/parameters.ts';
import type { Architecture, ModelInputs, TaskOutputs } from './architecture.ts';
import { dense, normalInit, splitStartEnd, tiedDecoder, tokenEmbedding } from './bert.ts';
import { ConfigError, type ConfigReader } from './config.ts';
import { atPositions, firstToken } from './heads.ts';

interface DistilConfig {
  vocabSize: number;
  dim: number;
  layers: number;
  heads: number;
  hiddenDim: number;
  act: string;
  dropout: number;
  attentionDropout: number;
  maxPositions: number;
  initRange: number;
  padTokenId: number;
  seqDropout: number;
  qaDropout: number;
  numLabels: number;
}

function read(c: ConfigReader): DistilConfig {
  if (c.bool('sinusoidal_pos_embds', false))
    throw new ConfigError(`${c.source}: sinusoidal_pos_embds is not supported`, 'sinusoidal_pos_embds', true);
  const dim = c.positive('dim', 768);
  const heads = c.positive('n_heads', 12);
  if (dim % heads !== 0) throw new ConfigError(`${c.source}: dim ${dim} is not a multiple of n_heads ${heads}`, 'n_heads', heads);
  return {
    vocabSize: c.positive('vocab_size', 30522),
    dim,
    layers: c.int('n_layers', 6),
    heads,
    hiddenDim: c.positive('hidden_dim', 3072),
    act: c.str('activation', 'gelu'),
    dropout: c.prob('dropout', 0.1),
    attentionDropout: c.prob('attention_dropout', 0.1),
    maxPositions: c.positions('max_position_embeddings', 512),
    initRange: c.num('initializer_range', 0.02),
    padTokenId: c.int('pad_token_id', 0),
    seqDropout: c.prob('seq_classif_dropout', 0.2),
    qaDropout: c.prob('qa_dropout', 0.1),
    numLabels: c.numLabels(),
  };
}

const EPS = 1e-12; // DistilBERT's LayerNorms use a fixed epsilon

function body(base: ParamScope, cfg: DistilConfig, inputs: ModelInputs, ctx: ForwardContext): Tensor {
  const g = base.graph;
  const emb = base.pp('embeddings');
  const words = tokenEmbedding(emb.pp('word_embeddings'), inputs.inputIds, cfg.vocabSize, cfg.dim, cfg.initRange, cfg.padTokenId);
  const pos = embedding(
    emb.pp('position_embeddings'),
    reshape(positions(g, cfg.maxPositions, inputs.inputIds), [1, -1]),
    cfg.maxPositions,
    cfg.dim,
    normalInit(cfg.initRange),
  );
  let h = ctx.dropout(layerNormModule(emb.pp('LayerNorm'), add(words, pos), EPS), cfg.dropout); // (B, T, C)
  const d = cfg.dim / cfg.heads;
  const act = activation(cfg.act, 'activation');
  for (let i = 0; i < cfg.layers; i++) {
    // One recomputation segment per block (gradient checkpointing recomputes it from its input, Graph.beginSegment).
    const segment = g.beginSegment(h);
    const layer = base.pp('transformer').pp('layer').pp(i);
    const att = layer.pp('attention');
    const q = splitHeads(dense(att.pp('q_lin'), h, cfg.dim, cfg.initRange), cfg.heads, d);
    const k = splitHeads(dense(att.pp('k_lin'), h, cfg.dim, cfg.initRange), cfg.heads, d);
    const v = splitHeads(dense(att.pp('v_lin'), h, cfg.dim, cfg.initRange), cfg.heads, d);
    const context = mergeHeads(
      attention(q, k, v, {
        attentionMask: inputs.attentionMask,
        causal: false,
        maxLength: cfg.maxPositions,
        dropout: cfg.attentionDropout,
        ctx,
      }),
    );
    const saNorm = (t: Tensor) => layerNormModule(layer.pp('sa_layer_norm'), t, EPS);
    const attended = adapterPoint(att, 'attention', dense(att.pp('out_lin'), context, cfg.dim, cfg.initRange), {
      residual: h,
      norm: saNorm,
    });
    const sa = saNorm(add(attended, h));
    const ffn = layer.pp('ffn');
    const inner = act(dense(ffn.pp('lin1'), sa, cfg.hiddenDim, cfg.initRange));
    const outNorm = (t: Tensor) => layerNormModule(layer.pp('output_layer_norm'), t, EPS);
    const out = adapterPoint(ffn, 'ffn', ctx.dropout(dense(ffn.pp('lin2'), inner, cfg.dim, cfg.initRange), cfg.dropout), {
      residual: sa,
      norm: outNorm,
    });
    h = segment.end(outNorm(add(out, sa)));
  }
  return h;
}

export const distilbert: Architecture = {
  modelType: 'distilbert',
  tasks: ['sequence-classification', 'regression', 'token-classification', 'question-answering', 'masked-lm'],
  tokenTypes: false,
  maxLength: (c) => read(c).maxPositions,
  hiddenSize: (c) => read(c).dim,
  baseModel: () => 'distilbert',
  hidden: (scope, config, _task, inputs, ctx) => body(scope.pp('distilbert'), read(config), inputs, ctx),
  build(scope, config, task, inputs, ctx): TaskOutputs {
    const cfg = read(config);
    const base = scope.pp('distilbert');
    const h = body(base, cfg, inputs, ctx);
    const std = cfg.initRange;
    switch (task) {
      case 'sequence-classification':
      case 'regression': {
        const pooled = relu(dense(scope.pp('pre_classifier'), firstToken(h), cfg.dim, std));
        return {
          logits: dense(scope.pp('classifier'), ctx.dropout(pooled, cfg.seqDropout), task === 'regression' ? 1 : cfg.numLabels, std),
        };
      }
      case 'token-classification':
        return { logits: dense(scope.pp('classifier'), ctx.dropout(h, cfg.dropout), cfg.numLabels, std) };
      case 'question-answering':
        return splitStartEnd(dense(scope.pp('qa_outputs'), ctx.dropout(h, cfg.qaDropout), 2, std));
      case 'masked-lm': {
        const x = layerNormModule(
          scope.pp('vocab_layer_norm'),
          activation(cfg.act, 'activation')(dense(scope.pp('vocab_transform'), atPositions(h, inputs.maskedPositions), cfg.dim, std)),
          EPS,
        );
        return { logits: tiedDecoder(base, x, cfg.vocabSize, cfg.dim, scope.pp('vocab_projector'), 'bias') };
      }
      default:
        throw new ConfigError(`distilbert has no '${task}' head; it supports ${this.tasks.join(', ')}`);
    }
  },
};
