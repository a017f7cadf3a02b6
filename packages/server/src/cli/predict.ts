// `tuneql predict MODEL_DIR TEXT`: runs a fine-tuned model (its ONNX export) on one input and says
// what it predicts, in words, or as JSON.

import { resolveGeneration } from '@tuneql/engine';
import { generationOptions, type Prediction, type PredictOptions, predictMany } from '../predict/predictor.ts';

export type { Prediction } from '../predict/predictor.ts';

export interface PredictCommandOptions extends PredictOptions {
  model: string;
  text: string;
  /** Second text of a pair (classification), or the context (question answering: TEXT is the question). */
  pair?: string;
}

/** `tuneql predict`'s flag for each generation option, as its errors name them. */
export const GENERATION_FLAGS: Readonly<Record<string, string>> = {
  maxNewTokens: '--max-new-tokens',
  temperature: '--temperature',
  topK: '--top-k',
  topP: '--top-p',
  repetitionPenalty: '--repetition-penalty',
  seed: '--seed',
  stop: '--stop',
};

export async function predict(options: PredictCommandOptions): Promise<Prediction> {
  // Bad generation options fail before the model is loaded.
  resolveGeneration(generationOptions(options));
  const [prediction] = await predictMany(options.model, [{ text: options.text, pair: options.pair }], options);
  return prediction as Prediction;
}

/** The prediction in a few human lines. */
export function describePrediction(p: Prediction): string {
  if (p.labels) return p.labels.map((l) => `${l.label}\t${(l.score * 100).toFixed(1)}%`).join('\n');
  if (p.value !== undefined) return String(p.value);
  if (p.words) return p.words.map((w) => `${w.word}\t${w.tag}`).join('\n');
  if (p.answer) return `${p.answer.text}\t(characters ${p.answer.start}-${p.answer.end})`;
  if (p.fills)
    return p.fills.map((f, i) => `mask ${i + 1}: ${f.map((c) => `${c.token} ${(c.score * 100).toFixed(1)}%`).join(', ')}`).join('\n');
  return p.continuation ?? '';
}
