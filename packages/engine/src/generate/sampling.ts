// Choosing the next token from a model's logits, in the order transformers applies its processors:
// repetition penalty, then (when sampling) temperature, top-k and top-p, then a draw.

import type { Rng } from '../runtime/rng.ts';
import type { GenerationSettings } from './options.ts';

export type SamplingSettings = Pick<GenerationSettings, 'doSample' | 'temperature' | 'topK' | 'topP' | 'repetitionPenalty'>;

/**
 * The logits with every token already in `sequence` penalized as transformers'
 * RepetitionPenaltyLogitsProcessor does: a positive logit divided by `penalty`, a negative one multiplied.
 */
export function penalizeRepetition(logits: Float32Array, sequence: readonly number[], penalty: number): Float32Array {
  const out = Float32Array.from(logits);
  if (penalty === 1) return out;
  for (const id of new Set(sequence)) {
    const x = logits[id];
    if (x === undefined) continue;
    out[id] = x < 0 ? x * penalty : x / penalty;
  }
  return out;
}

/** Index of the largest value (the first on ties, as argmax in PyTorch). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/**
 * The probabilities a draw uses: softmax(logits / temperature) over the k likeliest tokens (topK > 0),
 * then over the fewest likeliest whose mass reaches topP; every other token gets 0.
 */
export function samplingDistribution(
  logits: ArrayLike<number>,
  settings: Pick<SamplingSettings, 'temperature' | 'topK' | 'topP'>,
): Float64Array {
  const n = logits.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
  // top-k keeps ties with the k-th value, as transformers' TopKLogitsWarper does.
  let kept = n;
  if (settings.topK > 0 && settings.topK < n) {
    const kth = logits[order[settings.topK - 1] as number] as number;
    kept = settings.topK;
    while (kept < n && logits[order[kept] as number] === kth) kept++;
  }
  const top = logits[order[0] as number] as number;
  const weights = new Float64Array(kept);
  let sum = 0;
  for (let r = 0; r < kept; r++) {
    weights[r] = Math.exp(((logits[order[r] as number] as number) - top) / settings.temperature);
    sum += weights[r] as number;
  }
  // top-p: keep adding the likeliest tokens until their mass reaches p (at least one token stays).
  let mass = 0;
  let nucleus = 0;
  while (nucleus < kept && (nucleus === 0 || mass < settings.topP)) mass += (weights[nucleus++] as number) / sum;
  const probs = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < nucleus; r++) total += weights[r] as number;
  for (let r = 0; r < nucleus; r++) probs[order[r] as number] = (weights[r] as number) / total;
  return probs;
}

/** One draw from `probs` with a uniform number from `rng`. */
export function draw(probs: ArrayLike<number>, rng: Rng): number {
  const u = rng.uniform();
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (p === 0) continue;
    cumulative += p;
    last = i;
    if (u < cumulative) return i;
  }
  return last; // u fell in the rounding gap below 1
}

/** The next token after `sequence` (prompt and generated so far) given the model's last logits. */
export function nextToken(logits: Float32Array, sequence: readonly number[], settings: SamplingSettings, rng: Rng): number {
  const scores = penalizeRepetition(logits, sequence, settings.repetitionPenalty);
  if (!settings.doSample) return argmax(scores);
  return draw(samplingDistribution(scores, settings), rng);
}
