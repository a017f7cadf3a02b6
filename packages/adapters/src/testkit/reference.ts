// Strategy parity: a strategy trained by TuneQL's trainer against a recorded PyTorch reference of the same
// method (PEFT, AdapterHub's definitions, ...), from the same weights, on the same batches, step by step.
// The references are made by packages/adapters/fixtures/parity/make_parity.py.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Bucket,
  camelKeys,
  collate,
  type Example,
  epochBatches,
  lengthBuckets,
  loadPretrained,
  type PretrainedModel,
  Rng,
  readSafetensors,
  type TrainEvent,
  TrainerSettingsSchema,
  train,
} from '@tuneql/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppliedStrategy, applyStrategy } from '../contract/host.ts';
import type { Strategy } from '../contract/strategy.ts';

/** The engine's tiny BERT (hidden 16, 2 layers, 3 labels) from transformers: the references start from its weights. */
export const REFERENCE_MODEL = 'bert-sequence-classification';

/** One of the engine's tiny sequence-classification checkpoints from transformers (fixtures/models/parity). */
export function referenceBase(name: string = REFERENCE_MODEL): string {
  return fileURLToPath(new URL(`../../../engine/fixtures/models/parity/${name}`, import.meta.url));
}

/**
 * 16 examples in batches of 4 over 15 epochs: 60 optimizer steps. A linear schedule with warm-up, weight
 * decay on matrices and clipping, so every part of the update counts; the base model has no dropout.
 */
export const REFERENCE_SETTINGS = {
  epochs: 15,
  batch_size: 4,
  learning_rate: 1e-2,
  schedule: 'linear',
  warmup_steps: 6,
  weight_decay: 0.01,
  clip_grad_norm: 1,
  max_buckets: 1,
} as const;
export const REFERENCE_SEED = 7;

/** Largest relative loss difference allowed at any step (|ours - reference| / |reference|). */
export const LOSS_TOLERANCE = 1e-4;
/** Largest relative difference allowed in the global gradient norm of any step (before clipping). */
export const GRAD_NORM_TOLERANCE = 1e-4;
/**
 * Largest difference allowed in the final trained values: abs <= 1e-5 + 1e-4 * |reference|. float32 against
 * float64 over 60 steps comes to about 1e-6 (partial fine-tuning's whole layers) and 2e-7 (adapters).
 */
export const WEIGHT_TOLERANCE = { abs: 1e-5, rel: 1e-4 } as const;

/**
 * Left out of the weight comparison: an attention key's bias, whose gradient is zero in exact arithmetic
 * (softmax ignores a shift every key of a query shares), so AdamW turns each side's rounding noise into
 * steps of up to the learning rate. It cannot change the loss, which is compared at every step.
 */
const UNDETERMINED = /\.(attention\.self\.key|k_lin|k_proj)\.bias$/;

/** 16 sequences of 5 to 8 tokens (two segments) whose label is a function of the tokens. */
export function referenceExamples(): Example[] {
  const rng = new Rng(11);
  return Array.from({ length: 16 }, () => {
    const n = 5 + rng.int(4);
    const inputIds = Array.from({ length: n }, () => 3 + rng.int(61));
    const tokenTypeIds = inputIds.map((_, t) => (t < n / 2 ? 0 : 1));
    return { inputIds, tokenTypeIds, label: ((inputIds[1] as number) + (inputIds[2] as number)) % 3 };
  });
}

/** One optimizer step's batch as the trainer feeds it, in rows (make_parity.py's input). */
export interface ReferenceStep {
  epoch: number;
  input_ids: number[][];
  attention_mask: number[][];
  /** Models with token types (BERT) only. */
  token_type_ids?: number[][];
  labels: number[];
}

/**
 * The batches of every step, in the order TuneQL's trainer draws them for the reference settings: its own
 * bucketing, shuffling (seeded by epoch) and collation.
 */
export function referenceSteps(model: PretrainedModel): ReferenceStep[] {
  const examples = referenceExamples();
  const { batch_size: batchSize, epochs, max_buckets: maxBuckets } = REFERENCE_SETTINGS;
  const buckets = lengthBuckets(examples, maxBuckets);
  const steps: ReferenceStep[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const b of epochBatches(buckets, batchSize, REFERENCE_SEED, epoch)) {
      const length = (buckets[b.bucket] as Bucket).length;
      const feeds = collate(examples, b.members, {
        batchSize,
        length,
        padTokenId: Number(model.config.raw.pad_token_id ?? 0),
        tokenTypes: model.arch.tokenTypes,
        labels: 'class',
      });
      const rows = (t: BigInt64Array) =>
        Array.from({ length: batchSize }, (_, r) => Array.from(t.subarray(r * length, (r + 1) * length), Number));
      const types = feeds.token_type_ids as BigInt64Array | undefined;
      steps.push({
        epoch,
        input_ids: rows(feeds.input_ids as BigInt64Array),
        attention_mask: rows(feeds.attention_mask as BigInt64Array),
        ...(types ? { token_type_ids: rows(types) } : {}),
        labels: Array.from(feeds.labels as BigInt64Array, Number),
      });
    }
  }
  return steps;
}

/** What make_parity.py recorded for one case (reference.json). */
export interface TrainingReference {
  case: string;
  strategy: string;
  /** The parity checkpoint it starts from (REFERENCE_MODEL when absent). */
  base?: string;
  /** The strategy's config as a user writes it. */
  config: Record<string, unknown>;
  versions: Record<string, string>;
  /** Every parameter that trains in some epoch, under TuneQL's names. */
  trainable: string[];
  /** The strategy's new parameters, whose initial values are in init.safetensors. */
  added: string[];
  losses: number[];
  learning_rates: number[];
  grad_norms: number[];
  /** Trained values of every trainable parameter, flattened in TuneQL's layout. */
  final: Record<string, number[]>;
}

export function readReference(dir: string): TrainingReference {
  return JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as TrainingReference;
}

export interface ReferenceRun {
  reference: TrainingReference;
  model: PretrainedModel;
  applied: AppliedStrategy;
  /** Names in init.safetensors. */
  initialized: string[];
  losses: number[];
  learningRates: number[];
  gradNorms: number[];
}

/** Applies `strategy` with the reference's config and initial weights, and trains it with TuneQL's trainer. */
export async function trainLikeReference(strategy: Strategy, dir: string): Promise<ReferenceRun> {
  const reference = readReference(dir);
  const model = await loadPretrained(referenceBase(reference.base), { task: 'sequence-classification' });
  const applied = await applyStrategy(strategy, model, reference.config);
  const initialized: string[] = [];
  const init = join(dir, 'init.safetensors');
  if (existsSync(init)) {
    for (const [name, t] of (await readSafetensors(init)).tensors) {
      const p = model.params.get(name);
      if (t.shape.join() !== p.shape.join()) {
        throw new Error(`${init}: ${name} has shape [${t.shape.join(', ')}] but the strategy made it [${p.shape.join(', ')}]`);
      }
      p.data = t.data as Float32Array;
      initialized.push(name);
    }
  }
  const steps: TrainEvent[] = [];
  const settings = camelKeys(TrainerSettingsSchema.parse(REFERENCE_SETTINGS));
  const result = await train({
    model,
    data: { train: referenceExamples() },
    config: { ...settings, seed: REFERENCE_SEED, threads: 1 },
    trainableSchedule: applied.trainableSchedule,
    onEvent: (e) => {
      if (e.type === 'step') steps.push(e);
    },
  });
  if (result.status !== 'finished') throw new Error(`${dir}: the run ended ${result.status}: ${result.reason ?? ''}`);
  return {
    reference,
    model,
    applied,
    initialized: initialized.sort(),
    losses: steps.map((e) => e.values.loss as number),
    learningRates: steps.map((e) => e.values.learning_rate as number),
    gradNorms: steps.map((e) => e.values.grad_norm as number),
  };
}

/** The worst step: the largest relative difference |ours - reference| / |reference|, and where. */
export function worstRelative(ours: readonly number[], reference: readonly number[]): { step: number; rel: number } {
  let worst = { step: -1, rel: 0 };
  reference.forEach((r, i) => {
    const rel = Math.abs((ours[i] as number) - r) / Math.abs(r);
    if (!(rel <= worst.rel)) worst = { step: i, rel };
  });
  return worst;
}

/** The final value farthest outside abs + rel * |reference|, as a ratio to that bound (below 1 passes). */
export function worstWeight(ours: ArrayLike<number>, reference: readonly number[]): { index: number; diff: number; ratio: number } {
  let worst = { index: -1, diff: 0, ratio: 0 };
  reference.forEach((r, i) => {
    const diff = Math.abs((ours[i] as number) - r);
    const ratio = diff / (WEIGHT_TOLERANCE.abs + WEIGHT_TOLERANCE.rel * Math.abs(r));
    if (!(ratio <= worst.ratio)) worst = { index: i, diff, ratio };
  });
  return worst;
}

/**
 * Declares a vitest suite that trains `strategy` for each recorded reference folder and checks: the same
 * parameters train and start from the reference's values; the learning rate of every step is the
 * reference's; the loss and gradient norm of every step are within LOSS_TOLERANCE and GRAD_NORM_TOLERANCE
 * (relative); the final trained values are within WEIGHT_TOLERANCE.
 */
export function defineReferenceSuite(strategy: Strategy, folders: readonly { name: string; dir: string }[]): void {
  describe.each(folders)(`strategy '${strategy.id}' against its PyTorch reference: $name`, ({ dir }) => {
    let run: ReferenceRun;
    beforeAll(async () => {
      run = await trainLikeReference(strategy, dir);
    }, 60_000);

    it('trains the parameters the reference trains, from its initial values', () => {
      expect([...run.model.params.trainableNames].sort()).toEqual(run.reference.trainable);
      expect([...run.applied.report.added].sort()).toEqual(run.reference.added);
      expect(run.initialized).toEqual(run.reference.added);
    });

    it(`follows the reference's loss within ${LOSS_TOLERANCE} (relative) at every step`, () => {
      const { reference } = run;
      expect(run.losses.length).toBe(reference.losses.length);
      expect(reference.losses.length).toBeGreaterThanOrEqual(50);
      expect(worstRelative(run.learningRates, reference.learning_rates).rel, 'learning rates').toBeLessThan(1e-6);
      const worst = worstRelative(run.losses, reference.losses);
      expect(
        worst.rel,
        `step ${worst.step + 1}: ours ${run.losses[worst.step]}, reference ${reference.losses[worst.step]}`,
      ).toBeLessThanOrEqual(LOSS_TOLERANCE);
      const norms = worstRelative(run.gradNorms, reference.grad_norms);
      expect(norms.rel, `gradient norm at step ${norms.step + 1}`).toBeLessThanOrEqual(GRAD_NORM_TOLERANCE);
      // The loss moved, so following it says something.
      expect(Math.abs((reference.losses.at(-1) as number) - (reference.losses[0] as number))).toBeGreaterThan(0.02);
    });

    it('ends with the reference trained values', () => {
      for (const [name, values] of Object.entries(run.reference.final)) {
        if (UNDETERMINED.test(name)) continue;
        const worst = worstWeight(run.model.params.get(name).data, values);
        expect(worst.ratio, `${name}[${worst.index}] differs by ${worst.diff}`).toBeLessThan(1);
      }
    });
  });
}
