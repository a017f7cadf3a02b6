// The generation loop: feed the prompt, then one chosen token at a time, until the end-of-sequence
// token, a stop string, maxNewTokens or the model's longest sequence.

import { Rng } from '../runtime/rng.ts';
import type { LanguageModel } from './decoders.ts';
import { GenerationOptionError, type GenerationOptions, type GenerationSettings, resolveGeneration } from './options.ts';
import { nextToken } from './sampling.ts';

/** Why generation ended: the end-of-sequence token, a stop string, maxNewTokens, or the model's longest sequence. */
export const FINISH_REASONS = ['eos', 'stop', 'max-new-tokens', 'max-length'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export interface GenerationContext {
  /** Tokens that end generation (included in `tokens`, left out of `text`). @default none */
  eosTokenIds?: readonly number[];
  /** Longest sequence the model takes, prompt included. @default no limit */
  maxLength?: number;
  /** Turns generated tokens into text: needed for stop strings, and to return `text`. */
  decode?: (ids: readonly number[]) => string;
  /** Called with each token as soon as it is chosen (before the next step runs), for streaming. */
  onToken?: (token: number, index: number) => void;
  /** Ends generation at the next token: the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface GenerationResult {
  /** The generated tokens, without the prompt (an end-of-sequence token that stopped it included). */
  tokens: number[];
  /** The decoded continuation, cut before a stop string (when a decoder was given). */
  text?: string;
  finishReason: FinishReason;
  /** The settings used, the seed included, so that a sampled result can be reproduced. */
  settings: GenerationSettings;
  /** Milliseconds from the start to the first generated token (the prompt's pass and the choice). */
  firstTokenMs: number;
}

/** The earliest index at which one of `stops` occurs in `text`, or -1. */
function firstStop(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** Generates a continuation of `prompt` (token ids) with `model`. */
export async function generate(
  model: LanguageModel,
  prompt: readonly number[],
  options: GenerationOptions = {},
  context: GenerationContext = {},
): Promise<GenerationResult> {
  const settings = resolveGeneration(options);
  if (prompt.length === 0) throw new GenerationOptionError('prompt', 'is empty: give at least one token (a start-of-sequence token, say)');
  if (settings.stop.length > 0 && !context.decode) throw new GenerationOptionError('stop', 'stop strings need a tokenizer to decode with');
  context.signal?.throwIfAborted();
  const eos = new Set(context.eosTokenIds ?? []);
  const rng = new Rng(settings.seed);
  const started = performance.now();
  let firstTokenMs = 0;
  const sequence = [...prompt];
  const tokens: number[] = [];
  const decoding = model.start();
  let logits = await decoding.feed(prompt);
  context.signal?.throwIfAborted();
  let finishReason: FinishReason = 'max-new-tokens';
  const textOf = (ids: readonly number[]) => context.decode?.(ids.filter((id) => !eos.has(id)));
  let text: string | undefined;
  for (;;) {
    if (context.maxLength !== undefined && sequence.length >= context.maxLength) {
      finishReason = 'max-length';
      break;
    }
    const token = nextToken(logits, sequence, settings, rng);
    if (tokens.length === 0) firstTokenMs = performance.now() - started;
    tokens.push(token);
    sequence.push(token);
    context.onToken?.(token, tokens.length - 1);
    if (eos.has(token)) {
      finishReason = 'eos';
      break;
    }
    if (settings.stop.length > 0) {
      text = textOf(tokens) as string;
      const at = firstStop(text, settings.stop);
      if (at >= 0) {
        text = text.slice(0, at);
        finishReason = 'stop';
        break;
      }
    }
    if (tokens.length >= settings.maxNewTokens) break;
    logits = await decoding.feed([token]);
    // Checked after each step, so a client that went away stops the work within one token.
    context.signal?.throwIfAborted();
  }
  if (finishReason !== 'stop') text = textOf(tokens);
  return { tokens, ...(text === undefined ? {} : { text }), finishReason, settings, firstTokenMs };
}
