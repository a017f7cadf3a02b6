// GPT-2 with its task heads, under transformers' parameter names. Its Conv1D layers store weights
// as [in, out], so they multiply without a transpose.

import type { Tensor } from '../graph/graph.ts';
import { add, matmul, reshape, split, transpose } from '../graph/ops.ts';
import { attention, mergeHeads, positions, splitHeads, withPast } from '../nn/attention.ts';
import { adapterPoint, hookedLinear } from '../nn/hooks.ts';
import { activation, embedding, type ForwardContext, layerNormModule } from '../nn/layers.ts';
import { addBias } from '../nn/linear.ts';
import { init, type ParamScope } from '../params/parameters.ts';
import type { Architecture, ModelInputs, TaskOutputs } from './architecture.ts';
import { dense, normalInit, splitStartEnd } from './bert.ts';
import { ConfigError, type ConfigReader } from './config.ts';
import { lastToken } from './heads.ts';

interface Gpt2Config {
  vocabSize: number;
  positions: number;
  embd: number;
  layers: number;
  heads: number;
  inner: number;
  act: string;
  residDropout: number;
  embdDropout: number;
  attnDropout: number;
  eps: number;
  initRange: number;
  padTokenId: number | undefined;
  classifierDropout: number;
  numLabels: number;
  scaleAttn: boolean;
}

function read(c: ConfigReader): Gpt2Config {
  const embd = c.positive('n_embd', 768);
  const heads = c.positive('n_head', 12);
  if (embd % heads !== 0) throw new ConfigError(`${c.source}: n_embd ${embd} is not a multiple of n_head ${heads}`, 'n_head', heads);
  if (c.bool('scale_attn_by_inverse_layer_idx', false) || c.bool('reorder_and_upcast_attn', false)) {
    throw new ConfigError(`${c.source}: scale_attn_by_inverse_layer_idx and reorder_and_upcast_attn are not supported`);
  }
  const residDropout = c.prob('resid_pdrop', 0.1);
  return {
    vocabSize: c.positive('vocab_size', 50257),
    positions: c.positions('n_positions', 1024),
    embd,
    layers: c.int('n_layer', 12),
    heads,
    inner: c.optionalInt('n_inner') ?? 4 * embd,
    act: c.str('activation_function', 'gelu_new'),
    residDropout,
    embdDropout: c.prob('embd_pdrop', 0.1),
    attnDropout: c.prob('attn_pdrop', 0.1),
    eps: c.positiveNum('layer_norm_epsilon', 1e-5),
    initRange: c.num('initializer_range', 0.02),
    padTokenId: c.optionalInt('pad_token_id'),
    classifierDropout: c.prob('classifier_dropout', c.raw.hidden_dropout === undefined ? 0.1 : c.prob('hidden_dropout', 0.1)),
    numLabels: c.numLabels(),
    scaleAttn: c.bool('scale_attn_weights', true),
  };
}

/** Conv1D: y = x W + b with W stored [in, out]. */
function conv1d(scope: ParamScope, x: Tensor, out: number, std: number): Tensor {
  const inF = x.shape[x.rank - 1] as number;
  const weight = scope.get('weight', [inF, out], normalInit(std));
  const bias = scope.get('bias', [out], init.zeros());
  return hookedLinear({
    scope,
    x,
    inFeatures: inF,
    outFeatures: out,
    layout: 'in_out',
    hasBias: true,
    base: (input) => addBias(matmul(input, weight), bias),
  });
}

function body(base: ParamScope, cfg: Gpt2Config, inputs: ModelInputs, ctx: ForwardContext): Tensor {
  const g = base.graph;
  const words = embedding(base.pp('wte'), inputs.inputIds, cfg.vocabSize, cfg.embd, normalInit(cfg.initRange));
  const pos = embedding(
    base.pp('wpe'),
    inputs.positionIds ?? reshape(positions(g, cfg.positions, inputs.inputIds), [1, -1]),
    cfg.positions,
    cfg.embd,
    normalInit(cfg.initRange),
  );
  let h = ctx.dropout(add(words, pos), cfg.embdDropout); // (B, T, C)
  const d = cfg.embd / cfg.heads;
  const projStd = cfg.initRange / Math.sqrt(2 * cfg.layers); // GPT-2's scaled init of residual projections
  const act = activation(cfg.act, 'activation_function');
  for (let i = 0; i < cfg.layers; i++) {
    // One recomputation segment per block (gradient checkpointing recomputes it from its input, Graph.beginSegment).
    const segment = g.beginSegment(h);
    const block = base.pp('h').pp(i);
    const attn = block.pp('attn');
    const qkv = conv1d(attn.pp('c_attn'), layerNormModule(block.pp('ln_1'), h, cfg.eps), 3 * cfg.embd, cfg.initRange);
    const [q, k, v] = split(qkv, 2, [cfg.embd, cfg.embd, cfg.embd]).map((t) => splitHeads(t, cfg.heads, d)) as [Tensor, Tensor, Tensor];
    const kv = withPast(inputs.cache, i, k, v);
    const context = attention(q, kv.key, kv.value, {
      attentionMask: inputs.attentionMask,
      segments: inputs.packed,
      causal: true,
      maxLength: cfg.positions,
      dropout: cfg.attnDropout,
      ctx,
      scale: cfg.scaleAttn ? 1 / Math.sqrt(d) : 1,
      queriesAtEnd: inputs.cache !== undefined,
    });
    h = add(
      h,
      adapterPoint(attn, 'attention', ctx.dropout(conv1d(attn.pp('c_proj'), mergeHeads(context), cfg.embd, projStd), cfg.residDropout), {
        residual: h,
      }),
    );
    const mlp = block.pp('mlp');
    const inner = act(conv1d(mlp.pp('c_fc'), layerNormModule(block.pp('ln_2'), h, cfg.eps), cfg.inner, cfg.initRange));
    h = segment.end(
      add(h, adapterPoint(mlp, 'ffn', ctx.dropout(conv1d(mlp.pp('c_proj'), inner, cfg.embd, projStd), cfg.residDropout), { residual: h })),
    );
  }
  return layerNormModule(base.pp('ln_f'), h, cfg.eps);
}

export const gpt2: Architecture = {
  modelType: 'gpt2',
  tasks: ['sequence-classification', 'regression', 'token-classification', 'question-answering', 'causal-lm'],
  tokenTypes: false,
  maxLength: (c) => read(c).positions,
  hiddenSize: (c) => read(c).embd,
  cacheShape(c) {
    const cfg = read(c);
    return { layers: cfg.layers, kvHeads: cfg.heads, headDim: cfg.embd / cfg.heads };
  },
  baseModel: () => 'transformer',
  hidden: (scope, config, _task, inputs, ctx) => body(scope.pp('transformer'), read(config), inputs, ctx),
  build(scope, config, task, inputs, ctx): TaskOutputs {
    const cfg = read(config);
    const base = scope.pp('transformer');
    const h = body(base, cfg, inputs, ctx);
    const std = cfg.initRange;
    switch (task) {
      case 'causal-lm': {
        // lm_head is tied to the token embeddings.
        const wte = base.pp('wte').get('weight', [cfg.vocabSize, cfg.embd], init.zeros());
        return { logits: matmul(h, transpose(wte)) };
      }
      case 'sequence-classification':
      case 'regression': {
        const scores = dense(scope.pp('score'), h, task === 'regression' ? 1 : cfg.numLabels, std, false); // (B, T, L)
        return { logits: lastToken(scores, inputs.inputIds, cfg.padTokenId, cfg.positions) };
      }
      case 'token-classification':
        return { logits: dense(scope.pp('classifier'), ctx.dropout(h, cfg.classifierDropout), cfg.numLabels, std) };
      case 'question-answering':
        return splitStartEnd(dense(scope.pp('qa_outputs'), h, 2, std));
      default:
        throw new ConfigError(`gpt2 has no '${task}' head; it supports ${this.tasks.join(', ')}`);
    }
  },
};
