// The catastrophic-forgetting guardrail: how well the tuned backbone still does its pre-training task
// (masked or causal language modelling) on a held-back sample of text, against the base model's
// own score on the same sample, measured at every evaluation. Where the checkpoint lacks that task's
// head, how close the tuned backbone's hidden states stay to the base model's instead.

import { readFileSync } from 'node:fs';
import type { Tensor } from '../graph/graph.ts';
import type { Task } from '../models/config.ts';
import { modelBuilder, type PretrainedModel } from '../models/pretrained.ts';
import { ForwardContext } from '../nn/layers.ts';
import { ParameterSet } from '../params/parameters.ts';
import { Rng } from '../runtime/rng.ts';
import type { LoadedProgram, Runtime } from '../runtime/runtime.ts';
import { compileInference, type ModelBuilder } from '../step/compile.ts';
import type { Tokenizer } from '../tokenizers/tokenizer.ts';
import { type Bucket, collate, type Example, evalBatches, IGNORE_INDEX, lengthBuckets } from './batching.ts';

/** What the trainer needs from its caller to measure retention (see TrainOptions.retention). */
export interface RetentionSource {
  /**
   * The base model with its pre-training head (`masked-lm` for encoders, `causal-lm` for decoders), as
   * loaded from the checkpoint the run started from, strategy not applied.
   */
  base: PretrainedModel;
  /** Texts never trained on, tokenized; @default the run's validation split, else its training split */
  texts?: readonly Example[];
  /** Masked LM: the mask token's id. */
  maskTokenId?: number;
  /** Token ids never masked ([CLS], [SEP], [PAD]...). */
  specialIds?: ReadonlySet<number>;
}

/** The retention settings (TrainerSettingsSchema's `retention`, camelCased). */
export interface RetentionSettings {
  /** @default 64 */
  sampleSize?: number;
  /** @default 0.5 */
  threshold?: number;
  /** @default 'warn' */
  action?: 'warn' | 'stop';
  /** Where the host draws RetentionSource.texts from (the trainer takes the texts it is given). @default 'validation' */
  texts?: 'validation' | 'model';
}

/** The file in a model folder that holds general text for the retention check: JSON lines with a `text` field. */
export const RETENTION_TEXTS_FILE = 'retention.jsonl';

/**
 * A model folder's retention.jsonl tokenized for the retention check: each line's `text`, with the tokenizer's
 * special tokens, cut to `maxLength` tokens. A line without a string `text` is an error naming the line.
 */
export function readRetentionTexts(file: string, tokenizer: Tokenizer, maxLength: number): Example[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => {
      if (!line.trim()) return [];
      let text: unknown;
      try {
        text = (JSON.parse(line) as { text?: unknown }).text;
      } catch {
        text = undefined;
      }
      if (typeof text !== 'string') throw new Error(`${file} line ${i + 1}: expected a JSON object with a string 'text'`);
      return [{ inputIds: tokenizer.encode(text, undefined, { truncation: { maxLength, strategy: 'longest_first' }, padding: null }).ids }];
    });
}

/** Masked LM: the share of a text's tokens hidden, as in BERT's pre-training. */
const MASK_SHARE = 0.15;
/** Masked LM: at most this many hidden tokens per text (BERT's max_predictions_per_seq is 20 at length 128). */
const MAX_MASKED = 20;

/** The pre-training task whose head a model's checkpoint holds: masked-lm for encoders, causal-lm for decoders. */
export function retentionTask(model: Pick<PretrainedModel, 'arch'>): Task | undefined {
  if (model.arch.tasks.includes('masked-lm')) return 'masked-lm';
  if (model.arch.tasks.includes('causal-lm')) return 'causal-lm';
  return undefined;
}

/**
 * Why the language-modelling loss cannot measure retention with this base model (its checkpoint lacks the
 * pre-training head, which would be fresh noise), or undefined when it can.
 */
export function missingHead(base: PretrainedModel): string | undefined {
  if (base.task !== 'masked-lm' && base.task !== 'causal-lm')
    return `the base model is loaded for '${base.task}', not a language-modelling head`;
  if (base.initialized.length === 0) return undefined;
  return `the base checkpoint has no ${base.task} head (it lacks ${base.initialized.join(', ')})`;
}

/**
 * The held-back sample as language-modelling examples: `size` texts drawn with `seed`, each with fixed
 * masks (masked LM: 15% of its ordinary tokens, at least one, at most 20, all replaced by the mask
 * token) or predicting every next token (causal LM). The same masks serve the base model and every
 * evaluation, so the losses differ only by the weights.
 */
export function retentionSample(
  texts: readonly Example[],
  options: { size: number; seed: number; task: Task; maskTokenId?: number; specialIds?: ReadonlySet<number> },
): Example[] {
  const rng = new Rng((Math.imul(options.seed >>> 0, 0x27d4eb2f) ^ 0x165667b1) >>> 0);
  const order = rng.shuffle(texts.map((_, i) => i)).slice(0, options.size);
  order.sort((a, b) => a - b);
  const picked = order.map((i) => texts[i] as Example).filter((e) => e.inputIds.length >= 2);
  if (options.task === 'causal-lm') {
    return picked.map((e) => ({ inputIds: e.inputIds, label: [...e.inputIds] }));
  }
  if (options.maskTokenId === undefined) throw new Error('measuring retention of a masked language model needs the mask token id');
  const mask = options.maskTokenId;
  const special = options.specialIds ?? new Set<number>();
  return picked.flatMap((e) => {
    // The first and last tokens are [CLS] and [SEP] (or <s> and </s>) whatever the tokenizer calls special.
    const open = e.inputIds.flatMap((id, t) => (t > 0 && t < e.inputIds.length - 1 && !special.has(id) ? [t] : []));
    if (open.length === 0) return [];
    const count = Math.min(MAX_MASKED, Math.max(1, Math.round(MASK_SHARE * open.length)));
    const chosen = rng.shuffle(open).slice(0, count);
    const inputIds = [...e.inputIds];
    const label = new Array<number>(inputIds.length).fill(IGNORE_INDEX);
    for (const t of chosen) {
      label[t] = inputIds[t] as number;
      inputIds[t] = mask;
    }
    const out: Example = { inputIds, label };
    if (e.tokenTypeIds) out.tokenTypeIds = e.tokenTypeIds;
    return [out];
  });
}

/**
 * The tuned model under the base model's pre-training head: the tuned model's parameters (the same values,
 * trainable ones read from the runtime's slots) and hooks (LoRA, adapters), the head's own tensors from the
 * base checkpoint, frozen.
 */
export function tunedWithBaseHead(tuned: PretrainedModel, base: PretrainedModel): PretrainedModel {
  const params = new ParameterSet();
  // The tuned model's own parameters are shared, not read: the trainable ones are held by the runtime.
  for (const name of base.params.names) {
    const own = tuned.params.has(name) ? tuned.params.get(name) : undefined;
    if (own) params.share(own, own.trainable);
    else {
      const p = base.params.get(name);
      params.add(name, p.shape, p.data, false);
    }
  }
  for (const name of tuned.params.names) {
    if (!params.has(name)) params.share(tuned.params.get(name), tuned.params.get(name).trainable);
  }
  return { ...base, params, hooks: tuned.hooks };
}

/** One model's language-modelling loss on the sample, from programs loaded in a runtime. */
interface SampleScorer {
  /** The mean loss over every predicted token of the sample (batch means weighted by their token counts). */
  loss(): Promise<number>;
  release(): Promise<void>;
}

async function loadScorer(
  rt: Runtime,
  model: PretrainedModel,
  sample: readonly Example[],
  batchSize: number,
  maxBuckets: number,
): Promise<SampleScorer> {
  const predictions =
    model.task === 'masked-lm'
      ? Math.max(1, ...sample.map((e) => (e.label as readonly number[]).filter((l) => l !== IGNORE_INDEX).length))
      : undefined;
  const buckets = lengthBuckets(sample, maxBuckets);
  const programs: LoadedProgram[] = [];
  for (const b of buckets) {
    const program = compileInference({
      params: model.params,
      build: modelBuilder(model, { batch: batchSize, length: b.length, train: false, labels: true, outputs: false, predictions }),
    });
    programs.push(await rt.load(program, model.params));
  }
  const padTokenId = Number(model.config.raw.pad_token_id ?? 0);
  return {
    async loss() {
      let sum = 0;
      let weight = 0;
      for (const batch of evalBatches(buckets, batchSize)) {
        const length = (buckets[batch.bucket] as Bucket).length;
        const feeds = collate(sample, batch.members, {
          batchSize,
          length,
          padTokenId,
          tokenTypes: model.arch.tokenTypes,
          labels: predictions === undefined ? 'tokens' : 'positions',
          predictions,
        });
        // Rows that fill a short batch repeat its first text; their labels are ignored.
        const labels = feeds.labels as BigInt64Array;
        const per = labels.length / batchSize;
        labels.fill(BigInt(IGNORE_INDEX), batch.members.length * per);
        let n = 0;
        for (let i = 0; i < labels.length; i++) {
          // Causal LM: position t predicts t + 1, so a row's first label is never a target.
          if (model.task === 'causal-lm' && i % per === 0) continue;
          if (labels[i] !== BigInt(IGNORE_INDEX)) n++;
        }
        if (n === 0) continue;
        const r = await (programs[batch.bucket] as LoadedProgram).run(feeds);
        sum += r.loss * n;
        weight += n;
      }
      return sum / weight;
    },
    async release() {
      for (const p of programs) await p.release();
    },
  };
}

/** The backbone's last hidden state, (B, T, hidden), with the model's hooks: no head. */
function hiddenBuilder(model: PretrainedModel, batch: number, length: number): ModelBuilder {
  return (scope) => {
    const g = scope.graph;
    const inputs = {
      inputIds: g.input('input_ids', 'int64', [batch, length]),
      attentionMask: g.input('attention_mask', 'int64', [batch, length]),
      tokenTypeIds: model.arch.tokenTypes ? g.input('token_type_ids', 'int64', [batch, length]) : undefined,
    };
    const ctx = ForwardContext.inference();
    const hidden: Tensor = model.arch.hidden(scope.withHooks(model.hooks?.(ctx)), model.config, model.task, inputs, ctx);
    return { outputs: { hidden } };
  };
}

/** Each sample text's hidden states, (tokens, hidden) in text order, from programs loaded in a runtime. */
interface HiddenReader {
  read(): Promise<Float32Array[]>;
  release(): Promise<void>;
}

async function loadHiddenReader(
  rt: Runtime,
  model: PretrainedModel,
  sample: readonly Example[],
  batchSize: number,
  maxBuckets: number,
): Promise<HiddenReader> {
  const buckets = lengthBuckets(sample, maxBuckets);
  const programs: LoadedProgram[] = [];
  for (const b of buckets) {
    const program = compileInference({ params: model.params, build: hiddenBuilder(model, batchSize, b.length) });
    programs.push(await rt.load(program, model.params));
  }
  const padTokenId = Number(model.config.raw.pad_token_id ?? 0);
  return {
    async read() {
      const out: Float32Array[] = new Array(sample.length);
      for (const batch of evalBatches(buckets, batchSize)) {
        const length = (buckets[batch.bucket] as Bucket).length;
        const feeds = collate(sample, batch.members, {
          batchSize,
          length,
          padTokenId,
          tokenTypes: model.arch.tokenTypes,
          labels: 'tokens',
        });
        delete feeds.labels;
        const states = (await (programs[batch.bucket] as LoadedProgram).run(feeds)).outputs.hidden?.data as Float32Array; // (B, T, H)
        const width = states.length / (batchSize * length);
        batch.members.forEach((index, row) => {
          const tokens = (sample[index] as Example).inputIds.length;
          out[index] = states.slice(row * length * width, (row * length + tokens) * width);
        });
      }
      return out;
    },
    async release() {
      for (const p of programs) await p.release();
    },
  };
}

/** The mean over every token of the sample of the cosine similarity between its two hidden states. */
function meanCosine(a: readonly Float32Array[], b: readonly Float32Array[], width: number): number {
  let sum = 0;
  let n = 0;
  for (const [i, x] of a.entries()) {
    const y = b[i] as Float32Array;
    for (let at = 0; at < x.length; at += width) {
      let dot = 0;
      let xx = 0;
      let yy = 0;
      for (let k = at; k < at + width; k++) {
        const u = x[k] as number;
        const v = y[k] as number;
        dot += u * v;
        xx += u * u;
        yy += v * v;
      }
      sum += dot / Math.sqrt(xx * yy || 1);
      n++;
    }
  }
  return sum / n;
}

/** Retention at one evaluation. */
export interface RetentionReading {
  /**
   * Language modelling: exp(base loss - tuned loss), the ratio of the base's perplexity on the sample to the
   * tuned model's. Hidden states: their mean cosine similarity to the base's. 1 = unchanged.
   */
  retention: number;
  /** Language modelling: the tuned backbone's loss on the sample, under the base head. */
  loss?: number;
}

/** Measures the tuned model's retention against the base model, which is measured once, on loading. */
export interface RetentionProbe {
  /** `lm`: the loss under the base checkpoint's pre-training head; `hidden`: the hidden states (no head to use). */
  readonly measure: 'lm' | 'hidden';
  /** Language modelling: the base model's loss on the sample. */
  readonly baseLoss?: number;
  /** Texts in the sample. */
  readonly size: number;
  read(): Promise<RetentionReading>;
}

/**
 * Scores the base model on the sample (its programs are released afterwards) and loads the tuned model's,
 * which read the trainable parameters from the runtime's slots, so each reading sees the weights as trained so far.
 */
export async function startRetentionProbe(
  rt: Runtime,
  tuned: PretrainedModel,
  source: RetentionSource,
  options: { sampleSize: number; seed: number; batchSize: number; maxBuckets: number; texts: readonly Example[] },
): Promise<RetentionProbe> {
  const hidden = missingHead(source.base) !== undefined;
  const sample = retentionSample(source.texts ?? options.texts, {
    size: options.sampleSize,
    seed: options.seed,
    // Hidden states are compared on the texts as they are: causal LM's sample leaves them unmasked.
    task: hidden ? 'causal-lm' : source.base.task,
    maskTokenId: source.maskTokenId,
    specialIds: source.specialIds,
  });
  if (sample.length === 0) throw new Error('measuring retention needs texts of at least three tokens; the sample has none');
  // The base is measured with every weight frozen (no slots), so a resumed run compares with the same figure.
  const frozen = new ParameterSet();
  for (const name of source.base.params.names) {
    const p = source.base.params.get(name);
    frozen.add(name, p.shape, p.data, false);
  }
  const frozenBase = { ...source.base, params: frozen, hooks: undefined };
  if (hidden) {
    // The base's states are kept on the host: sample texts x tokens x hidden size values.
    const baseReader = await loadHiddenReader(rt, frozenBase, sample, options.batchSize, options.maxBuckets);
    const baseStates = await baseReader.read();
    await baseReader.release();
    const width = tuned.arch.hiddenSize(tuned.config);
    const reader = await loadHiddenReader(rt, tuned, sample, options.batchSize, options.maxBuckets);
    return {
      measure: 'hidden',
      size: sample.length,
      async read() {
        return { retention: meanCosine(await reader.read(), baseStates, width) };
      },
    };
  }
  const baseScorer = await loadScorer(rt, frozenBase, sample, options.batchSize, options.maxBuckets);
  const baseLoss = await baseScorer.loss();
  await baseScorer.release();
  const scorer = await loadScorer(rt, tunedWithBaseHead(tuned, source.base), sample, options.batchSize, options.maxBuckets);
  return {
    measure: 'lm',
    baseLoss,
    size: sample.length,
    async read() {
      const loss = await scorer.loss();
      return { retention: Math.exp(baseLoss - loss), loss };
    },
  };
}
