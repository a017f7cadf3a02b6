// Training the same model a few AdamW steps with and without gradient checkpointing (decision 28), for the
// tests that hold the two equal: the engine's per family, the adapters' with a strategy's hooks in the blocks.

import type { PretrainedModel } from '../models/pretrained.ts';
import { modelBuilder } from '../models/pretrained.ts';
import { adamw } from '../optim/optimizers.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileTrainStep, type InputSpec } from '../step/compile.ts';

/** Random batches for a program's inputs: token ids, a mask with the first row padded, labels within 3 classes or ids. */
function randomFeeds(inputs: readonly InputSpec[], length: number, seed: number): Record<string, BigInt64Array> {
  const rng = new Rng(seed);
  const feeds: Record<string, BigInt64Array> = {};
  for (const s of inputs) {
    if (s.dtype !== 'int64' || s.name === 'dropout_seed') continue;
    const size = s.shape.reduce((a, b) => a * b, 1);
    feeds[s.name] = BigInt64Array.from({ length: size }, (_, i) => {
      if (s.name === 'attention_mask') return i < length && i >= length - 2 ? 0n : 1n;
      if (s.name === 'token_type_ids') return 0n;
      if (s.name === 'labels' && s.shape.length === 1) return BigInt(rng.int(3));
      return BigInt(3 + rng.int(40));
    });
  }
  return feeds;
}

export interface StepTrace {
  losses: number[];
  gradNorms: number[];
  /** The trainable parameters after the last step. */
  weights: Record<string, Float32Array>;
}

/** `steps` AdamW steps (learning rate 1e-2, clipped at 1) on random batches, dropout seeded alike. */
export async function traceSteps(
  model: PretrainedModel,
  gradientCheckpointing: boolean,
  shape = { batch: 4, length: 12, steps: 3 },
): Promise<StepTrace> {
  const program = compileTrainStep({
    params: model.params,
    optimizer: adamw(),
    clipGradNorm: 1,
    build: modelBuilder(model, { batch: shape.batch, length: shape.length, train: true }),
    gradientCheckpointing,
  });
  const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
  try {
    const step = await rt.load(program, model.params);
    step.seed = 11;
    const trace: StepTrace = { losses: [], gradNorms: [], weights: {} };
    for (let i = 0; i < shape.steps; i++) {
      const r = await step.run(randomFeeds(program.inputs, shape.length, i), { lr: 1e-2 });
      trace.losses.push(r.loss);
      trace.gradNorms.push(r.gradNorm);
    }
    trace.weights = await rt.read(model.params.trainableNames);
    return trace;
  } finally {
    await rt.close();
  }
}

/** The largest |a - b| / (|b| + floor) over two sets of weights. */
export function worstRelative(a: Record<string, Float32Array>, b: Record<string, Float32Array>, floor: number): number {
  let worst = 0;
  for (const [name, want] of Object.entries(b)) {
    const got = a[name];
    if (!got) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / (Math.abs(want[i] as number) + floor));
    }
  }
  return worst;
}

/**
 * How far the run with recomputation is from the one without, relatively: losses and gradient norms against
 * their values, weights against |w| + 1 (the test models' weights are below 1), not |w| alone: the two graphs
 * differ, so onnxruntime's fusions and summation orders may too (last-bit differences), and AdamW's
 * normalized update carries those of the gradients that nearly cancel (seen on BERT's word embeddings, 3e-7
 * apart). Also how far the weights moved from `start`, so that a comparison of untouched copies shows.
 */
export function checkpointingGap(
  kept: StepTrace,
  recomputed: StepTrace,
  start: Record<string, Float32Array>,
): { losses: number; gradNorms: number; weights: number; moved: number } {
  const rel = (a: readonly number[], b: readonly number[]) =>
    Math.max(...b.map((v, i) => Math.abs((a[i] as number) - v) / Math.abs(v)), a.length === b.length ? 0 : Number.POSITIVE_INFINITY);
  return {
    losses: rel(recomputed.losses, kept.losses),
    gradNorms: rel(recomputed.gradNorms, kept.gradNorms),
    weights: worstRelative(recomputed.weights, kept.weights, 1),
    moved: worstRelative(kept.weights, start, 1e-12),
  };
}
