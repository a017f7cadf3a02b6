// Gradient checkpointing (decision 28): a step that recomputes each block's activations in the backward pass
// trains exactly as one that keeps them, dropout on, and onnxruntime keeps the recomputation apart from the
// forward pass (its common-subexpression elimination would otherwise merge the clones back).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConfigReader, type Task } from '../models/config.ts';
import { loadPretrained, modelBuilder } from '../models/pretrained.ts';
import { adamw } from '../optim/optimizers.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { onnxOpCounts } from '../testing/onnx-ops.ts';
import { compileTrainStep, type InputSpec, type Program } from './compile.ts';

/** A parity fixture, e.g. 'gpt2-causal-lm', with the task its name ends in. */
const load = (fixture: string) =>
  loadPretrained(fileURLToPath(new URL(`../../fixtures/models/parity/${fixture}`, import.meta.url)), {
    task: fixture.slice(fixture.indexOf('-') + 1) as Task,
  });
const [B, T] = [4, 12];
/** Relative tolerance between the runs with and without recomputation. */
const RTOL = 1e-6;

/** Dropout probabilities under each family's config names. */
const DROPOUT: Record<string, Record<string, number>> = {
  bert: { hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 },
  gpt2: { resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1 },
  llama: { attention_dropout: 0.1 },
};

/** Random batches for a program's inputs: token ids, a padded mask, labels within 3 classes or the ids. */
function randomFeeds(inputs: readonly InputSpec[], seed: number): Record<string, BigInt64Array> {
  const rng = new Rng(seed);
  const feeds: Record<string, BigInt64Array> = {};
  for (const s of inputs) {
    if (s.dtype !== 'int64' || s.name === 'dropout_seed') continue;
    const size = s.shape.reduce((a, b) => a * b, 1);
    const data = BigInt64Array.from({ length: size }, (_, i) => {
      if (s.name === 'attention_mask') return i % T >= T - 2 && i < T ? 0n : 1n; // the first row padded
      if (s.name === 'token_type_ids') return 0n;
      if (s.name === 'labels' && s.shape.length === 1) return BigInt(rng.int(3));
      return BigInt(3 + rng.int(40));
    });
    feeds[s.name] = data;
  }
  return feeds;
}

interface Trace {
  losses: number[];
  norms: number[];
  weights: Record<string, Float32Array>;
}

/** Three AdamW steps of a parity fixture with dropout on, from the same weights and seed. */
async function train(fixture: string, gradientCheckpointing: boolean): Promise<Trace> {
  const model = await load(fixture);
  const raw = { ...model.config.raw, ...DROPOUT[model.arch.modelType] };
  const tuned = { ...model, config: new ConfigReader(raw) };
  const program = compileTrainStep({
    params: tuned.params,
    optimizer: adamw(),
    clipGradNorm: 1,
    build: modelBuilder(tuned, { batch: B, length: T, train: true }),
    gradientCheckpointing,
  });
  const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
  try {
    const step = await rt.load(program, tuned.params);
    step.seed = 11;
    const trace: Trace = { losses: [], norms: [], weights: {} };
    for (let i = 0; i < 3; i++) {
      const r = await step.run(randomFeeds(program.inputs, i), { lr: 1e-2 });
      trace.losses.push(r.loss);
      trace.norms.push(r.gradNorm);
    }
    trace.weights = await rt.read(tuned.params.trainableNames);
    return trace;
  } finally {
    await rt.close();
  }
}

function expectClose(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(RTOL * Math.abs(expected) + 1e-12);
}

/** The largest |a - b| / (|b| + floor) over two sets of weights. */
function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>, floor: number): number {
  let worst = 0;
  for (const [name, want] of Object.entries(b)) {
    const got = a[name] as Float32Array;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / (Math.abs(want[i] as number) + floor));
    }
  }
  return worst;
}

describe('gradient checkpointing', () => {
  for (const fixture of ['bert-sequence-classification', 'gpt2-causal-lm', 'llama-causal-lm']) {
    it(`${fixture}: losses, gradient norms and weights after three AdamW steps with dropout equal those without, within ${RTOL}`, async () => {
      const kept = await train(fixture, false);
      const recomputed = await train(fixture, true);
      kept.losses.forEach((l, i) => {
        expectClose(recomputed.losses[i] as number, l, `loss ${i}`);
      });
      kept.norms.forEach((n, i) => {
        expectClose(recomputed.norms[i] as number, n, `gradient norm ${i}`);
      });
      expect(Object.keys(recomputed.weights).sort()).toEqual(Object.keys(kept.weights).sort());
      // Weights within RTOL relative to |w| + 1 (the fixtures' weights are below 1), not |w| alone: the two
      // graphs differ, so onnxruntime's fusions and summation orders may too (last-bit differences), and AdamW's
      // normalized update carries those of the gradients that nearly cancel (seen on BERT's word embeddings,
      // 3e-7 apart).
      expect(worstRelative(recomputed.weights, kept.weights, 1)).toBeLessThanOrEqual(RTOL);
      // The steps moved the weights: the comparison is not of two untouched copies.
      const start = (await load(fixture)).params;
      const moved = Object.fromEntries(Object.keys(kept.weights).map((n) => [n, start.get(n).data as Float32Array]));
      expect(worstRelative(kept.weights, moved, 1e-12)).toBeGreaterThan(0.1);
    }, 60_000);
  }

  it("keeps the recomputation apart in onnxruntime's optimized model: every block's attention runs twice", async () => {
    const model = await load('bert-sequence-classification');
    const layers = model.config.raw.num_hidden_layers as number;
    const softmaxes = async (program: Program): Promise<number> => {
      const path = join(mkdtempSync(join(tmpdir(), 'tuneql-ckpt-')), 'optimized.onnx');
      // The runtime's sessions optimize at onnxruntime's default level, 'all'.
      const session = await ort.InferenceSession.create(program.model, { graphOptimizationLevel: 'all', optimizedModelFilePath: path });
      await session.release();
      return onnxOpCounts(readFileSync(path)).get('Softmax') ?? 0;
    };
    const compile = (gradientCheckpointing: boolean) =>
      compileTrainStep({
        params: model.params,
        optimizer: adamw(),
        build: modelBuilder(model, { batch: B, length: T, train: true }),
        gradientCheckpointing,
      });
    expect(onnxOpCounts(compile(false).model).get('Softmax')).toBe(layers);
    expect(await softmaxes(compile(false))).toBe(layers);
    // Merged back by common-subexpression elimination, the recomputed softmaxes would leave `layers` of them.
    expect(onnxOpCounts(compile(true).model).get('Softmax')).toBe(2 * layers);
    expect(await softmaxes(compile(true))).toBe(2 * layers);
  }, 60_000);
});
