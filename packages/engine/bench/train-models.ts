// The models train.bench.ts measures: their configurations (Hugging Face layout, random weights), random
// batches for a compiled program, and the LoRA rewrite its --strategy lora applies (GPU issue 13).
//
// LoRA here is PEFT's formulation, y = W x + (alpha / r) B A x with A ~ U(+-1/sqrt(in)) and B = 0, written
// against the engine's hooks: the benchmark runs on a GPU machine that has only the engine's dependencies,
// so it cannot import @tuneql/adapters, whose LoRA strategy the strategy tests check against PEFT.

import { add, matmul, mul, transpose } from '../src/graph/ops.ts';
import type { RawConfig, Task } from '../src/models/config.ts';
import { declareParameters, type PretrainedModel } from '../src/models/pretrained.ts';
import { init } from '../src/params/parameters.ts';
import type { Rng } from '../src/runtime/rng.ts';
import type { InputSpec } from '../src/step/compile.ts';

export const BENCH_MODELS = ['bert-small', 'bert-base', 'llama-1b'] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];
export const STRATEGIES = ['full', 'lora'] as const;
export type BenchStrategy = (typeof STRATEGIES)[number];

export interface ModelSpec {
  name: BenchModel;
  config: RawConfig;
  task: Task;
  batch: number;
  length: number;
  /** One line for the report's header. */
  describe: string;
}

const BERT_SMALL = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 1024,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  num_labels: 2,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};
const BERT_BASE = { ...BERT_SMALL, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 };
/** TinyLlama-1.1B's shape: 22 layers x 2048, grouped-query attention (32 query heads, 4 key/value heads). */
const LLAMA_1B = {
  model_type: 'llama',
  vocab_size: 32000,
  hidden_size: 2048,
  intermediate_size: 5632,
  num_hidden_layers: 22,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
  hidden_act: 'silu',
};

/** --tiny: the same architecture at toy sizes, to check every path on a CPU or SwiftShader. */
const TINY = { vocab_size: 512, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 };

export function modelSpec(name: BenchModel, tiny: boolean): ModelSpec {
  const base: Omit<ModelSpec, 'describe'> =
    name === 'llama-1b'
      ? { name, config: LLAMA_1B, task: 'causal-lm', batch: 4, length: 512 }
      : { name, config: name === 'bert-base' ? BERT_BASE : BERT_SMALL, task: 'sequence-classification', batch: 32, length: 128 };
  const spec = tiny
    ? {
        ...base,
        config: { ...base.config, ...TINY, ...(name === 'llama-1b' ? { num_key_value_heads: 2 } : {}) },
        batch: 2,
        length: 32,
      }
    : base;
  const c = spec.config as Record<string, number | string>;
  const kind = name === 'llama-1b' ? 'Llama causal LM' : 'BERT classifier';
  return { ...spec, describe: `${kind} ${name}${tiny ? ' (tiny)' : ''}, ${c.num_hidden_layers} layers x ${c.hidden_size} hidden` };
}

/** A random batch for `inputs`: token ids, an all-ones mask, segment 0, labels a class or a token. */
export function randomBatch(spec: ModelSpec, inputs: readonly InputSpec[], rng: Rng): Record<string, BigInt64Array> {
  const vocab = Number((spec.config as { vocab_size: number }).vocab_size);
  const classes = spec.task === 'causal-lm' ? vocab : Number((spec.config as { num_labels?: number }).num_labels ?? 2);
  const out: Record<string, BigInt64Array> = {};
  for (const i of inputs) {
    const n = i.shape.reduce((a, b) => a * b, 1);
    const fill = (f: () => number) => BigInt64Array.from({ length: n }, () => BigInt(f()));
    if (i.name === 'input_ids') out[i.name] = fill(() => 1 + (rng.nextUint32() % (vocab - 1)));
    else if (i.name === 'attention_mask') out[i.name] = fill(() => 1);
    else if (i.name === 'token_type_ids') out[i.name] = fill(() => 0);
    else if (i.name === 'labels') out[i.name] = fill(() => rng.nextUint32() % classes);
    else if (i.name !== 'dropout_seed') throw new Error(`the benchmark has no data for input '${i.name}'`);
  }
  return out;
}

/** LoRA of rank `r` (alpha 2r) on every linear layer but the output head; a classifier head trains in full, as PEFT's modules_to_save. */
export function applyLora(model: PretrainedModel, r = 16): { adapted: number } {
  const scale = 2; // alpha / r, PEFT's usual alpha = 2r
  const head = (path: string) => /(^|\.)(lm_head|classifier)$/.test(path);
  const adapted = new Set<string>();
  model.hooks = () => ({
    linear: (site) => {
      if (head(site.path)) return undefined;
      adapted.add(site.path);
      const a = site.scope.pp('lora_A').get('weight', [r, site.inFeatures], init.kaimingUniform());
      const b = site.scope.pp('lora_B').get('weight', [site.outFeatures, r], init.zeros());
      const low = matmul(matmul(site.x, transpose(a)), transpose(b)); // (.., out)
      return add(site.base(site.x), mul(low, scale));
    },
  });
  const added = new Set(declareParameters(model));
  model.params.setTrainable((n) => added.has(n) || /(^|\.)classifier\./.test(n));
  return { adapted: adapted.size };
}
