// The retention check: its figures against the masked- and causal-LM losses computed here from the base
// head's logits (float64 log-softmax on the host) and, for a checkpoint without that head, against the
// hidden states' cosine similarity computed here; the threshold's warn and stop paths through the trainer.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPretrained, modelBuilder } from '../models/pretrained.ts';
import { ForwardContext } from '../nn/layers.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileInference } from '../step/compile.ts';
import { Tokenizer } from '../tokenizers/tokenizer.ts';
import { collate, type Example, IGNORE_INDEX } from './batching.ts';
import type { TrainEvent } from './events.ts';
import { missingHead, readRetentionTexts, retentionSample } from './retention.ts';
import { type TrainerConfig, train } from './trainer.ts';

const PARITY = fileURLToPath(new URL('../../fixtures/models/parity/', import.meta.url));
/** The masked-LM checkpoint (its head included) serves as the base of a classifier. */
const BASE = `${PARITY}bert-masked-lm`;
/** An id of the fixture's 64-token vocabulary that the texts below never use. */
const MASK = 3;
const SPECIAL = new Set([2]);

/** Token sequences of 6 to 20 tokens starting with [CLS] (2), with one marker (10, 20 or 30) that is the label. */
function examples(n: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const length = 6 + rng.int(15);
    const ids = [2, ...Array.from({ length: length - 1 }, () => 31 + rng.int(33))];
    const which = rng.int(3);
    ids[1 + rng.int(length - 1)] = [10, 20, 30][which] as number;
    return { inputIds: ids, tokenTypeIds: ids.map(() => 0), label: which };
  });
}

const DATA = { train: examples(64, 1), validation: examples(24, 2) };
const CONFIG: Partial<TrainerConfig> = { epochs: 1, batchSize: 8, learningRate: 3e-2, threads: 1, maxBuckets: 2, seed: 7 };

async function run(config: Partial<TrainerConfig>, dir = BASE, task: 'masked-lm' | 'causal-lm' = 'masked-lm') {
  const model = await loadPretrained(dir, { task: 'sequence-classification', numLabels: 3 });
  const base = await loadPretrained(dir, { task });
  const events: TrainEvent[] = [];
  const result = await train({
    model,
    data: DATA,
    config: { ...CONFIG, ...config },
    retention: { base, maskTokenId: MASK, specialIds: SPECIAL },
    onEvent: (e) => events.push(e),
  });
  return { model, result, events };
}

/**
 * The mean language-modelling cross-entropy over the sample's targets (masked LM: the masked tokens; causal LM:
 * every next token), from logits at every position of the LM model with `weights` (the trained classifier's
 * backbone where it has one), in float64 here.
 */
async function referenceLoss(
  sample: readonly Example[],
  weights?: ReadonlyMap<string, Float32Array>,
  dir = BASE,
  task: 'masked-lm' | 'causal-lm' = 'masked-lm',
): Promise<number> {
  const lm = await loadPretrained(dir, { task });
  for (const name of lm.params.names) {
    const w = weights?.get(name);
    if (w) lm.params.get(name).data = w;
  }
  lm.params.setTrainable(() => false);
  const rt = await Runtime.start({ threads: 1 });
  try {
    // One padded batch of the whole sample, every position decoded (no masked_positions gather).
    const batch = sample.length;
    const length = Math.max(...sample.map((e) => e.inputIds.length));
    const program = compileInference({ params: lm.params, build: modelBuilder(lm, { batch, length, train: false }) });
    const loaded = await rt.load(program, lm.params);
    const members = sample.map((_, i) => i);
    const feeds = collate(sample, members, { batchSize: batch, length, padTokenId: 0, tokenTypes: lm.arch.tokenTypes, labels: 'tokens' });
    delete feeds.labels; // the loss is computed here, from the logits
    const logits = (await loaded.run(feeds)).outputs.logits?.data as Float32Array; // (B, T, V)
    const vocab = logits.length / (batch * length);
    let sum = 0;
    let n = 0;
    for (const [r, e] of sample.entries()) {
      // Causal LM: the logits at t predict the token at t + 1.
      const targets = task === 'causal-lm' ? [...e.inputIds.slice(1), IGNORE_INDEX] : (e.label as readonly number[]);
      targets.forEach((label, t) => {
        if (label === IGNORE_INDEX) return;
        const at = (r * length + t) * vocab;
        const row = Array.from(logits.subarray(at, at + vocab));
        const max = Math.max(...row);
        const logSum = max + Math.log(row.reduce((acc, x) => acc + Math.exp(x - max), 0));
        sum += logSum - (row[label] as number);
        n++;
      });
    }
    return sum / n;
  } finally {
    await rt.close();
  }
}

describe('retention', () => {
  it('masks a fixed sample: 15% of the ordinary tokens, at least one, never [CLS] nor the last token', () => {
    const sample = retentionSample(DATA.validation, { size: 16, seed: 7, task: 'masked-lm', maskTokenId: MASK, specialIds: SPECIAL });
    expect(sample).toHaveLength(16);
    for (const e of sample) {
      const labels = e.label as number[];
      const masked = labels.flatMap((l, t) => (l === IGNORE_INDEX ? [] : [t]));
      expect(masked.length).toBe(Math.max(1, Math.round(0.15 * (e.inputIds.length - 2))));
      expect(masked).not.toContain(0);
      expect(masked).not.toContain(e.inputIds.length - 1);
      for (const t of masked) expect(e.inputIds[t]).toBe(MASK);
    }
    // The same seed draws the same sample.
    expect(retentionSample(DATA.validation, { size: 16, seed: 7, task: 'masked-lm', maskTokenId: MASK, specialIds: SPECIAL })).toEqual(
      sample,
    );
  });

  it("matches the masked-LM loss computed from the base head's logits, before and after training (1e-5 relative)", async () => {
    // One evaluation only (at max_steps), so the weights the trainer restores as the best are the ones it scored.
    const { model, result, events } = await run({ maxSteps: 6, retention: { sampleSize: 16, threshold: 0.01 } });
    expect(result.status).toBe('finished');
    const started = events.find((e) => e.type === 'started')?.values ?? {};
    const evals = events.filter((e) => e.type === 'eval');
    expect(evals).toHaveLength(1);
    const reading = evals[0]?.values ?? {};
    const sample = retentionSample(DATA.validation, { size: 16, seed: 7, task: 'masked-lm', maskTokenId: MASK, specialIds: SPECIAL });
    expect(started.retention_sample).toBe(16);

    const baseLoss = await referenceLoss(sample);
    const tunedLoss = await referenceLoss(sample, new Map(model.params.names.map((n) => [n, model.params.get(n).data])));
    expect(started.retention_base_loss).toBeCloseTo(baseLoss, 4);
    expect(Math.abs((started.retention_base_loss as number) / baseLoss - 1)).toBeLessThan(1e-5);
    expect(Math.abs((reading.eval_retention_loss as number) / tunedLoss - 1)).toBeLessThan(1e-5);
    expect(Math.abs((reading.eval_retention as number) / Math.exp(baseLoss - tunedLoss) - 1)).toBeLessThan(1e-5);
    // Full fine-tuning at this rate moves the backbone: the figure says so.
    expect(Math.abs((reading.eval_retention as number) - 1)).toBeGreaterThan(0.01);
  });

  it("matches a decoder's causal-LM loss computed from its tied LM head's logits (1e-5 relative)", async () => {
    const gpt2 = `${PARITY}gpt2-causal-lm`;
    const { model, events } = await run({ maxSteps: 4, retention: { sampleSize: 8, threshold: 0 } }, gpt2, 'causal-lm');
    const started = events.find((e) => e.type === 'started')?.values ?? {};
    const reading = events.find((e) => e.type === 'eval')?.values ?? {};
    const sample = retentionSample(DATA.validation, { size: 8, seed: 7, task: 'causal-lm' });
    const baseLoss = await referenceLoss(sample, undefined, gpt2, 'causal-lm');
    const weights = new Map(model.params.names.map((n) => [n, model.params.get(n).data]));
    const tunedLoss = await referenceLoss(sample, weights, gpt2, 'causal-lm');
    expect(Math.abs((started.retention_base_loss as number) / baseLoss - 1)).toBeLessThan(1e-5);
    expect(Math.abs((reading.eval_retention_loss as number) / tunedLoss - 1)).toBeLessThan(1e-5);
    expect(Math.abs((reading.eval_retention as number) / Math.exp(baseLoss - tunedLoss) - 1)).toBeLessThan(1e-5);
    expect(Math.abs((reading.eval_retention as number) - 1)).toBeGreaterThan(0.001);
  });

  it('warns at each evaluation below the threshold, and the run goes on', async () => {
    const { result, events } = await run({ evalEvery: 2, retention: { sampleSize: 8, threshold: 1, action: 'warn' } });
    expect(result.status).toBe('finished');
    const evals = events.filter((e) => e.type === 'eval');
    const below = evals.filter((e) => (e.values.eval_retention as number) < 1);
    expect(below.length).toBeGreaterThan(0);
    const warnings = events.filter((e) => e.type === 'warning' && e.code === 'RETENTION_LOW');
    expect(warnings).toHaveLength(below.length);
    expect(warnings[0]?.message).toMatch(/^retention 0\.\d{3} at step \d+ is below the threshold 1 .*lower the learning rate/);
  });

  it('stops the run below the threshold, keeping the best weights scored above it', async () => {
    // The first evaluations (small steps in warm-up) keep retention above 0.999; later ones fall under it.
    const config: Partial<TrainerConfig> = { evalEvery: 1, warmupSteps: 4, retention: { sampleSize: 8, threshold: 0.999, action: 'stop' } };
    const { result, events } = await run(config);
    const evals = events.filter((e) => e.type === 'eval');
    const last = evals.at(-1)?.values.eval_retention as number;
    expect(last).toBeLessThan(0.999);
    expect(evals.slice(0, -1).every((e) => (e.values.eval_retention as number) >= 0.999)).toBe(true);
    expect(evals.length).toBeGreaterThan(1);
    expect(result.status).toBe('early_stopped');
    expect(result.steps).toBe(evals.at(-1)?.step);
    expect(result.reason).toMatch(
      /^retention 0\.\d{3} at step \d+ is below the threshold 0\.999 .*stopped, keeping the best weights \(step \d+\)/,
    );
    expect(result.best?.step).toBeLessThan(result.steps);
    const stop = events.find((e) => e.type === 'early_stop');
    expect(stop?.message).toBe(result.reason);
    expect(events.at(-1)?.type).toBe('finished');
  });

  it("falls back to the hidden states' cosine similarity where the base checkpoint lacks its LM head, and says so", async () => {
    // A classifier's checkpoint: its backbone, no masked-LM head.
    const dir = `${PARITY}bert-sequence-classification`;
    const headless = await loadPretrained(dir, { task: 'masked-lm' });
    expect(missingHead(headless)).toMatch(/^the base checkpoint has no masked-lm head \(it lacks cls\.predictions\./);
    const model = await loadPretrained(dir, { task: 'sequence-classification' });
    const events: TrainEvent[] = [];
    const result = await train({
      model,
      data: DATA,
      config: { ...CONFIG, maxSteps: 6, retention: { sampleSize: 8, threshold: 0 } },
      retention: { base: headless, maskTokenId: MASK },
      onEvent: (e) => events.push(e),
    });
    expect(result.status).toBe('finished');
    expect(events.find((e) => e.code === 'RETENTION_HEAD_MISSING')?.message).toMatch(/measured as the mean cosine similarity/);
    const reading = events.find((e) => e.type === 'eval')?.values ?? {};
    expect(reading.eval_retention_loss).toBeUndefined();

    // The same figure from the base's and the trained backbone's states, one padded batch each, in float64 here.
    const sample = retentionSample(DATA.validation, { size: 8, seed: 7, task: 'causal-lm' });
    const states = async (weights?: ReadonlyMap<string, Float32Array>) => {
      const m = await loadPretrained(dir, { task: 'sequence-classification' });
      for (const [n, w] of weights ?? []) m.params.get(n).data = w;
      m.params.setTrainable(() => false);
      const length = Math.max(...sample.map((e) => e.inputIds.length));
      const build: Parameters<typeof compileInference>[0]['build'] = (scope) => {
        const g = scope.graph;
        const inputs = {
          inputIds: g.input('input_ids', 'int64', [sample.length, length]),
          attentionMask: g.input('attention_mask', 'int64', [sample.length, length]),
          tokenTypeIds: g.input('token_type_ids', 'int64', [sample.length, length]),
        };
        return { outputs: { hidden: m.arch.hidden(scope, m.config, m.task, inputs, ForwardContext.inference()) } };
      };
      const rt = await Runtime.start({ threads: 1 });
      try {
        const loaded = await rt.load(compileInference({ params: m.params, build }), m.params);
        const feeds = collate(
          sample,
          sample.map((_, i) => i),
          { batchSize: sample.length, length, padTokenId: 0, tokenTypes: true, labels: 'tokens' },
        );
        delete feeds.labels;
        return { data: (await loaded.run(feeds)).outputs.hidden?.data as Float32Array, length };
      } finally {
        await rt.close();
      }
    };
    const base = await states();
    const tuned = await states(new Map(model.params.names.map((n) => [n, model.params.get(n).data])));
    const width = base.data.length / (sample.length * base.length);
    let sum = 0;
    let n = 0;
    for (const [r, e] of sample.entries()) {
      for (let t = 0; t < e.inputIds.length; t++) {
        const at = (r * base.length + t) * width;
        let dot = 0;
        let xx = 0;
        let yy = 0;
        for (let k = at; k < at + width; k++) {
          dot += (base.data[k] as number) * (tuned.data[k] as number);
          xx += (base.data[k] as number) ** 2;
          yy += (tuned.data[k] as number) ** 2;
        }
        sum += dot / Math.sqrt(xx * yy);
        n++;
      }
    }
    expect(Math.abs((reading.eval_retention as number) - sum / n)).toBeLessThan(1e-5);
    expect(reading.eval_retention as number).toBeLessThan(0.9999);
  });

  it('is refused without the base model to compare with, or without a validation split to draw texts from', async () => {
    const model = await loadPretrained(BASE, { task: 'sequence-classification', numLabels: 3 });
    await expect(train({ model, data: DATA, config: { ...CONFIG, retention: {} } })).rejects.toThrow(
      /retention check needs the base model/,
    );
    const base = await loadPretrained(BASE, { task: 'masked-lm' });
    await expect(
      train({ model, data: { train: DATA.train }, config: { ...CONFIG, retention: {} }, retention: { base, maskTokenId: MASK } }),
    ).rejects.toThrow(/this run has no validation split/);
  });

  it("reads a model folder's retention.jsonl: each text with special tokens, cut to maxLength; a bad line is named", () => {
    const tokenizer = Tokenizer.fromFile(fileURLToPath(new URL('../../fixtures/tokenizers/bert-uncased.json', import.meta.url)));
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-retention-texts-'));
    const file = join(dir, 'retention.jsonl');
    const long = 'she was very glad to see him again after so many long months away from home';
    writeFileSync(file, `${JSON.stringify({ text: 'It is a truth.' })}\n\n${JSON.stringify({ text: long })}\n`);
    const texts = readRetentionTexts(file, tokenizer, 8);
    expect(texts).toHaveLength(2);
    const vocab = (t: string) => tokenizer.tokenToId(t);
    expect(texts[0]?.inputIds).toEqual(['[CLS]', 'it', 'is', 'a', 'truth', '.', '[SEP]'].map(vocab));
    expect(texts[1]?.inputIds).toEqual(['[CLS]', 'she', 'was', 'very', 'glad', 'to', 'see', '[SEP]'].map(vocab));
    writeFileSync(file, `${JSON.stringify({ text: 'fine' })}\n${JSON.stringify({ body: 'no text' })}\n`);
    expect(() => readRetentionTexts(file, tokenizer, 8)).toThrow(/retention\.jsonl line 2: expected a JSON object with a string 'text'/);
  });
});
