// BERT and RoBERTa encoders with their task heads, under transformers' parameter names.

import type { Tensor } from '../graph/graph.ts';
import { add, cumsum, equal, gather, matmul, mul, reshape, split, tanh, transpose, where } from '../graph/ops.ts';
import { attention, mergeHeads, positions, splitHeads } from '../nn/attention.ts';
import { adapterPoint } from '../nn/hooks.ts';
import { activation, embedding, type ForwardContext, layerNormModule } from '../nn/layers.ts';
import { addBias, linear } from '../nn/linear.ts';
import { type Initializer, init, type ParamScope } from '../params/parameters.ts';
import type { Architecture, ModelInputs, TaskOutputs } from './architecture.ts';
import { ConfigError, type ConfigReader, type Task } from './config.ts';
import { atPositions, firstToken } from './heads.ts';

export interface EncoderConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  act: string;
  hiddenDropout: number;
  attentionDropout: number;
  maxPositions: number;
  typeVocab: number;
  initRange: number;
  eps: number;
  padTokenId: number;
  classifierDropout: number;
  numLabels: number;
}

export function readEncoderConfig(c: ConfigReader, roberta: boolean): EncoderConfig {
  const hidden = c.positive('hidden_size', 768);
  const heads = c.positive('num_attention_heads', 12);
  if (hidden % heads !== 0)
    throw new ConfigError(
      `${c.source}: hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`,
      'num_attention_heads',
      heads,
    );
  const hiddenDropout = c.prob('hidden_dropout_prob', 0.1);
  return {
    vocabSize: c.positive('vocab_size', roberta ? 50265 : 30522),
    hidden,
    layers: c.int('num_hidden_layers', 12),
    heads,
    intermediate: c.positive('intermediate_size', 3072),
    act: c.str('hidden_act', 'gelu'),
    hiddenDropout,
    attentionDropout: c.prob('attention_probs_dropout_prob', 0.1),
    maxPositions: c.positions('max_position_embeddings', 512),
    typeVocab: c.positive('type_vocab_size', 2),
    initRange: c.num('initializer_range', 0.02),
    eps: c.positiveNum('layer_norm_eps', 1e-12),
    padTokenId: c.int('pad_token_id', roberta ? 1 : 0),
    classifierDropout: c.prob('classifier_dropout', hiddenDropout),
    numLabels: c.numLabels(),
  };
}

/** transformers' _init_weights for these families: N(0, initializer_range), the padding row zeroed. */
export function normalInit(std: number, zeroRow?: number): Initializer {
  return (shape, rng) => {
    const data = init.normal(std)(shape, rng);
    if (zeroRow !== undefined) data.fill(0, zeroRow * (shape[1] as number), (zeroRow + 1) * (shape[1] as number));
    return data;
  };
}

/** A token-embedding table initialized like transformers' (N(0, std), the padding row zero) whose padding row gets no gradient. */
export function tokenEmbedding(scope: ParamScope, ids: Tensor, vocab: number, dim: number, std: number, padId?: number): Tensor {
  return embedding(scope, ids, vocab, dim, normalInit(std, padId), padId);
}

export function dense(scope: ParamScope, x: Tensor, out: number, std: number, bias = true): Tensor {
  return linear(scope, x, out, { bias, weightInit: normalInit(std), biasInit: init.zeros() });
}

function selfAttention(scope: ParamScope, x: Tensor, cfg: EncoderConfig, mask: Tensor | undefined, ctx: ForwardContext): Tensor {
  const d = cfg.hidden / cfg.heads;
  const self = scope.pp('self');
  const q = splitHeads(dense(self.pp('query'), x, cfg.hidden, cfg.initRange), cfg.heads, d);
  const k = splitHeads(dense(self.pp('key'), x, cfg.hidden, cfg.initRange), cfg.heads, d);
  const v = splitHeads(dense(self.pp('value'), x, cfg.hidden, cfg.initRange), cfg.heads, d);
  const context = mergeHeads(
    attention(q, k, v, { attentionMask: mask, causal: false, maxLength: cfg.maxPositions, dropout: cfg.attentionDropout, ctx }),
  );
  const out = scope.pp('output');
  const norm = (t: Tensor) => layerNormModule(out.pp('LayerNorm'), t, cfg.eps);
  const projected = adapterPoint(
    scope,
    'attention',
    ctx.dropout(dense(out.pp('dense'), context, cfg.hidden, cfg.initRange), cfg.hiddenDropout),
    { residual: x, norm },
  );
  return norm(add(projected, x));
}

/** The encoder body shared by BERT and RoBERTa: (B, T) ids -> (B, T, C). */
export function encoder(base: ParamScope, cfg: EncoderConfig, inputs: ModelInputs, ctx: ForwardContext, roberta: boolean): Tensor {
  const g = base.graph;
  const emb = base.pp('embeddings');
  const words = tokenEmbedding(emb.pp('word_embeddings'), inputs.inputIds, cfg.vocabSize, cfg.hidden, cfg.initRange, cfg.padTokenId);
  let pos: Tensor;
  if (roberta) {
    // RoBERTa numbers positions from padding_idx + 1 and gives padding the padding position.
    const real = where(equal(inputs.inputIds, cfg.padTokenId), g.scalar(0, 'int64'), g.scalar(1, 'int64')); // (B, T)
    pos = add(mul(cumsum(real, 1), real), cfg.padTokenId);
  } else pos = reshape(positions(g, cfg.maxPositions, inputs.inputIds), [1, -1]); // (1, T)
  const padPos = roberta ? cfg.padTokenId : undefined;
  const posEmb = embedding(emb.pp('position_embeddings'), pos, cfg.maxPositions, cfg.hidden, normalInit(cfg.initRange, padPos), padPos);
  const typeTable = emb.pp('token_type_embeddings').get('weight', [cfg.typeVocab, cfg.hidden], normalInit(cfg.initRange));
  const types = inputs.tokenTypeIds ? gather(typeTable, inputs.tokenTypeIds) : gather(typeTable, g.scalar(0, 'int64'));
  let h = ctx.dropout(layerNormModule(emb.pp('LayerNorm'), add(add(words, posEmb), types), cfg.eps), cfg.hiddenDropout); // (B, T, C)
  const act = activation(cfg.act, 'hidden_act');
  for (let i = 0; i < cfg.layers; i++) {
    // One recomputation segment per block (gradient checkpointing recomputes it from its input, Graph.beginSegment).
    const segment = g.beginSegment(h);
    const layer = base.pp('encoder').pp('layer').pp(i);
    const attended = selfAttention(layer.pp('attention'), h, cfg, inputs.attentionMask, ctx);
    const inner = act(dense(layer.pp('intermediate').pp('dense'), attended, cfg.intermediate, cfg.initRange));
    const norm = (t: Tensor) => layerNormModule(layer.pp('output').pp('LayerNorm'), t, cfg.eps);
    const out = adapterPoint(
      layer.pp('output'),
      'ffn',
      ctx.dropout(dense(layer.pp('output').pp('dense'), inner, cfg.hidden, cfg.initRange), cfg.hiddenDropout),
      { residual: attended, norm },
    );
    h = segment.end(norm(add(out, attended)));
  }
  return h;
}

/** Masked-LM logits through a decoder tied to the word embeddings: (B, T, C) -> (B, T, V). */
export function tiedDecoder(
  base: ParamScope,
  x: Tensor,
  vocabSize: number,
  hidden: number,
  biasScope: ParamScope,
  biasName: string,
): Tensor {
  // The encoder declared this parameter already; the decoder reads the same tensor.
  const words = base.pp('embeddings').pp('word_embeddings').get('weight', [vocabSize, hidden], init.zeros());
  return addBias(matmul(x, transpose(words)), biasScope.get(biasName, [vocabSize], init.zeros()));
}

function family(modelType: 'bert' | 'roberta'): Architecture {
  const roberta = modelType === 'roberta';
  return {
    modelType,
    tasks: ['sequence-classification', 'regression', 'token-classification', 'question-answering', 'masked-lm'],
    tokenTypes: !roberta,
    maxLength: (c) => {
      const cfg = readEncoderConfig(c, roberta);
      return roberta ? cfg.maxPositions - cfg.padTokenId - 1 : cfg.maxPositions;
    },
    hiddenSize: (c) => readEncoderConfig(c, roberta).hidden,
    baseModel: () => modelType,
    hidden: (scope, config, _task, inputs, ctx) => encoder(scope.pp(modelType), readEncoderConfig(config, roberta), inputs, ctx, roberta),
    build(scope, config, task: Task, inputs, ctx): TaskOutputs {
      const cfg = readEncoderConfig(config, roberta);
      const base = scope.pp(modelType);
      const h = encoder(base, cfg, inputs, ctx, roberta);
      const labels = task === 'regression' ? 1 : cfg.numLabels;
      const std = cfg.initRange;
      switch (task) {
        case 'sequence-classification':
        case 'regression': {
          if (roberta) {
            const head = scope.pp('classifier');
            const x = tanh(dense(head.pp('dense'), ctx.dropout(firstToken(h), cfg.classifierDropout), cfg.hidden, std));
            return { logits: dense(head.pp('out_proj'), ctx.dropout(x, cfg.classifierDropout), labels, std) };
          }
          const pooled = tanh(dense(base.pp('pooler').pp('dense'), firstToken(h), cfg.hidden, std));
          return { logits: dense(scope.pp('classifier'), ctx.dropout(pooled, cfg.classifierDropout), labels, std) };
        }
        case 'token-classification':
          return { logits: dense(scope.pp('classifier'), ctx.dropout(h, cfg.classifierDropout), cfg.numLabels, std) };
        case 'question-answering': {
          const both = dense(scope.pp('qa_outputs'), h, 2, std); // (B, T, 2)
          return splitStartEnd(both);
        }
        case 'masked-lm': {
          const hm = atPositions(h, inputs.maskedPositions);
          if (roberta) {
            const head = scope.pp('lm_head');
            const x = layerNormModule(
              head.pp('layer_norm'),
              activation('gelu', 'lm_head')(dense(head.pp('dense'), hm, cfg.hidden, std)),
              cfg.eps,
            );
            return { logits: tiedDecoder(base, x, cfg.vocabSize, cfg.hidden, head, 'bias') };
          }
          const head = scope.pp('cls').pp('predictions');
          const t = head.pp('transform');
          const x = layerNormModule(
            t.pp('LayerNorm'),
            activation(cfg.act, 'hidden_act')(dense(t.pp('dense'), hm, cfg.hidden, std)),
            cfg.eps,
          );
          return { logits: tiedDecoder(base, x, cfg.vocabSize, cfg.hidden, head, 'bias') };
        }
        default:
          throw new ConfigError(`${modelType} has no '${task}' head; it supports ${this.tasks.join(', ')}`);
      }
    },
  };
}

/** (B, T, 2) -> start and end logits, each (B, T). */
export function splitStartEnd(both: Tensor): TaskOutputs {
  const [start, end] = split(both, 2, [1, 1]).map((t) => reshape(t, [0, -1]));
  return { startLogits: start, endLogits: end };
}

export const bert = family('bert');
export const roberta = family('roberta');
