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

/** The learning rate of traceSteps: an AdamW step moves a weight by about this much at most. */
export const TRACE_LR = 1e-2;

/** `steps` AdamW steps (learning rate TRACE_LR, clipped at 1) on random batches, dropout seeded alike. */
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
      const r = await step.run(randomFeeds(program.inputs, shape.length, i), { lr: TRACE_LR });
      trace.losses.push(r.loss);
      trace.gradNorms.push(r.gradNorm);
    }
    trace.weights = await rt.read(model.params.trainableNames);
    return trace;
  } finally {
    await rt.close();
  }
}

/** The largest |a - b| / scale(b) over two sets of weights. */
function worstDifference(a: Record<string, Float32Array>, b: Record<string, Float32Array>, scale: (w: number) => number): number {
  let worst = 0;
  for (const [name, want] of Object.entries(b)) {
    const got = a[name];
    if (!got) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)) / scale(want[i] as number));
    }
  }
  return worst;
}

/**
 * How far the run with recomputation is from the one without: losses and gradient norms relatively, weights
 * absolutely (the largest |a - b|). The two graphs differ, so onnxruntime's fusions and summation orders may
 * too (last-bit differences), and AdamW's normalized update m / (sqrt(v) + eps) carries those of a gradient
 * that nearly cancels, whose relative error is large, into a move of a sizeable fraction of the learning rate:
 * an absolute bound in units of the learning rate is the meaningful one (seen: up to 1.2e-6, 1.2e-4 of one
 * step's move, on DistilBERT; 3e-7 on BERT). Also how far the weights moved from `start` (relatively), so that
 * a comparison of untouched copies shows.
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
    weights: worstDifference(recomputed.weights, kept.weights, () => 1),
    moved: worstDifference(kept.weights, start, (w) => Math.abs(w) + 1e-12),
  };
}
