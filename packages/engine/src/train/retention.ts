// The catastrophic-forgetting guardrail: how well the tuned backbone still does its pre-training task
// (masked or causal language modelling) on a held-back sample of text, against the base model's
// own score on the same sample, measured at every evaluation.

import type { Task } from '../models/config.ts';
import { modelBuilder, type PretrainedModel } from '../models/pretrained.ts';
import { ParameterSet } from '../params/parameters.ts';
import { Rng } from '../runtime/rng.ts';
import type { LoadedProgram, Runtime } from '../runtime/runtime.ts';
import { compileInference } from '../step/compile.ts';
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
}

/** Masked LM: the share of a text's tokens hidden, as in BERT's pre-training. */
const MASK_SHARE = 0.15;
/** Masked LM: at most this many hidden tokens per text (BERT's max_predictions_per_seq is 20 at length 128). */
const MAX_MASKED = 20;

/** The pre-training task whose head a model's checkpoint holds: masked-lm for encoders, causal-lm for decoders. */
export function retentionTask(model: PretrainedModel): Task | undefined {
  if (model.arch.tasks.includes('masked-lm')) return 'masked-lm';
  if (model.arch.tasks.includes('causal-lm')) return 'causal-lm';
  return undefined;
}

/**
 * Why retention cannot be measured from this base model (its checkpoint lacks the pre-training head, so
 * the head would be fresh noise), or undefined when it can.
 */
export function retentionProblem(base: PretrainedModel): string | undefined {
  if (base.task !== 'masked-lm' && base.task !== 'causal-lm')
    return `the base model is loaded for '${base.task}', not a language-modelling head`;
  if (base.initialized.length === 0) return undefined;
  return `the base checkpoint has no ${base.task} head (it lacks ${base.initialized.join(', ')}), so there is nothing to compare the tuned backbone's predictions with; retention is not measured`;
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
  for (const name of base.params.names) {
    const own = tuned.params.has(name) ? tuned.params.get(name) : undefined;
    const p = own ?? base.params.get(name);
    params.add(name, p.shape, p.data, own ? own.trainable : false);
  }
  for (const name of tuned.params.names) {
    if (params.has(name)) continue;
    const p = tuned.params.get(name);
    params.add(name, p.shape, p.data, p.trainable);
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

/** Retention at one evaluation. */
export interface RetentionReading {
  /** exp(base loss - tuned loss): the ratio of the base's perplexity on the sample to the tuned model's; 1 = unchanged. */
  retention: number;
  /** The tuned backbone's loss on the sample, under the base head. */
  loss: number;
}

/** Measures the tuned model's retention against the base's loss, which is measured once, on loading. */
export interface RetentionProbe {
  /** The base model's loss on the sample. */
  readonly baseLoss: number;
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
  const sample = retentionSample(source.texts ?? options.texts, {
    size: options.sampleSize,
    seed: options.seed,
    task: source.base.task,
    maskTokenId: source.maskTokenId,
    specialIds: source.specialIds,
  });
  if (sample.length === 0) throw new Error('measuring retention needs texts of at least three tokens; the sample has none');
  // The base is scored with every weight frozen (no slots), so a resumed run compares with the same figure.
  const frozen = new ParameterSet();
  for (const name of source.base.params.names) {
    const p = source.base.params.get(name);
    frozen.add(name, p.shape, p.data, false);
  }
  const baseScorer = await loadScorer(
    rt,
    { ...source.base, params: frozen, hooks: undefined },
    sample,
    options.batchSize,
    options.maxBuckets,
  );
  const baseLoss = await baseScorer.loss();
  await baseScorer.release();
  const scorer = await loadScorer(rt, tunedWithBaseHead(tuned, source.base), sample, options.batchSize, options.maxBuckets);
  return {
    baseLoss,
    size: sample.length,
    async read() {
      const loss = await scorer.loss();
      return { retention: Math.exp(baseLoss - loss), loss };
    },
  };
}
