// Runs a model folder's ONNX export on texts and says what it predicts: one onnxruntime session per
// folder opened, reused for every input.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bestSpan,
  CachedDecoder,
  exportDecoderWithPast,
  exportInference,
  type FinishReason,
  GENERATION_OPTION_NAMES,
  GenerationOptionError,
  type GenerationOptions,
  generate,
  type LanguageModel,
  loadPretrained,
  type Task,
  TextStream,
  Tokenizer,
  UncachedDecoder,
} from '@tuneql/engine';
import * as ort from 'onnxruntime-node';
import { eosTokenIds, readGenerationConfig } from './generation-config.ts';
import { DECODER_WITH_PAST_FILE, type ModelCard, ONNX_FILE, readModelCard, TOKENIZER_FILE } from './model-folder.ts';

export interface PredictInput {
  text: string;
  /** Second text of a pair (classification), or the context (question answering: `text` is the question). */
  pair?: string;
}

/** Causal LM: how to generate (see GenerationOptions: maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stop). */
export interface PredictOptions extends GenerationOptions {
  /** Candidates per mask (masked LM). @default 5 */
  top?: number;
}

/** The generation options among `options` (which may also hold the predictor's own). */
export function generationOptions(options: PredictOptions): GenerationOptions {
  const picked: Record<string, unknown> = {};
  for (const key of GENERATION_OPTION_NAMES) if (options[key] !== undefined) picked[key] = options[key];
  return picked as GenerationOptions;
}

export interface OpenOptions {
  /** onnxruntime's CPU threads. @default onnxruntime's own choice (all cores) */
  threads?: number;
}

export interface Prediction {
  task: Task;
  /** Classification: labels with probabilities, best first. */
  labels?: { label: string; score: number }[];
  value?: number;
  /** Token classification: one tag per word. */
  words?: { word: string; tag: string; score: number }[];
  answer?: { text: string; start: number; end: number; score: number };
  /** Masked LM: candidates for each mask; causal LM: the continuation. */
  fills?: { token: string; score: number }[][];
  continuation?: string;
  /** Causal LM: why generation ended, how many tokens it made (and which), and the seed a sampled continuation used. */
  generation?: { finishReason: FinishReason; tokens: number; tokenIds: number[]; promptTokens: number; seed?: number };
}

/** Causal LM: what a caller streaming the continuation hears, and how it stops the work. */
export interface GenerationHooks {
  /** Each token as soon as it is chosen, with its position in the continuation. */
  onToken?: (token: number, index: number) => void;
  /** Aborting it ends generation at the next token (the call rejects with its reason). */
  signal?: AbortSignal;
}

function softmax(v: ArrayLike<number>, from = 0, to = v.length): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) max = Math.max(max, v[i] as number);
  const e: number[] = [];
  for (let i = from; i < to; i++) e.push(Math.exp((v[i] as number) - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

/** A model folder opened for prediction; close() releases its session. */
export class Predictor {
  readonly dir: string;
  readonly card: ModelCard;
  private readonly tokenizer: Tokenizer;
  /** The forward pass (every task but causal LM). */
  private readonly session: ort.InferenceSession | undefined;
  /** Causal LM: the model generation runs on. */
  private readonly lm: LanguageModel | undefined;
  private readonly eosTokenIds: number[];
  /**
   * Causal LM: the longest sequence it generates, prompt included: the model's positions as generation_config.json
   * records them (a run's card holds its training length, which a chat should not be held to), else the card's.
   */
  readonly contextLength: number;

  private constructor(dir: string, card: ModelCard, tokenizer: Tokenizer, session?: ort.InferenceSession, lm?: LanguageModel) {
    this.dir = dir;
    this.card = card;
    this.tokenizer = tokenizer;
    this.session = session;
    this.lm = lm;
    const generation = lm ? readGenerationConfig(dir) : undefined;
    this.eosTokenIds = generation ? eosTokenIds(generation) : [];
    this.contextLength = generation?.max_length ?? card.max_length;
  }

  /**
   * Opens `dir`: its model.onnx (a causal LM: its onnx/decoder_with_past_model.onnx, or model.onnx without a
   * cache in a folder exported before there was one), or (a plain Hugging Face folder) an export made in
   * memory from its weights.
   */
  static async open(dir: string, options: OpenOptions = {}): Promise<Predictor> {
    const card = readModelCard(dir);
    const tokenizer = Tokenizer.fromFile(join(dir, TOKENIZER_FILE));
    const onnxFile = join(dir, ONNX_FILE);
    if (card.task === 'causal-lm') return new Predictor(dir, card, tokenizer, undefined, await openLanguageModel(dir, options));
    const bytes = existsSync(onnxFile) ? readFileSync(onnxFile) : exportInference(await loadPretrained(dir, { task: card.task }));
    const session = await ort.InferenceSession.create(bytes, {
      logSeverityLevel: 3,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
    return new Predictor(dir, card, tokenizer, session);
  }

  async close(): Promise<void> {
    await this.session?.release();
    await this.lm?.release();
  }

  private run(ids: readonly number[], types: readonly number[]): Promise<ort.InferenceSession.ReturnType> {
    if (!this.session) throw new Error(`${this.dir}: a ${this.card.task} model has no forward session`);
    const shape = [1, ids.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
    };
    if (this.session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', BigInt64Array.from(types, BigInt), shape);
    return this.session.run(feeds);
  }

  /**
   * Causal LM: the token ids of `prompt`, whole. A prompt that fills the model's context leaves no room to
   * generate: GenerationOptionError PROMPT_TOO_LONG (cutting it would drop its end, the part a continuation follows).
   */
  promptIds(prompt: string): number[] {
    const [enc] = this.tokenizer.encodeBatch([prompt], { truncation: null, padding: null });
    if (!enc) throw new Error('the tokenizer returned no encoding');
    const max = this.contextLength;
    if (enc.ids.length === 0) throw new GenerationOptionError('prompt', 'is empty: give some text to continue');
    if (enc.ids.length >= max) {
      throw new GenerationOptionError(
        'prompt',
        `is ${enc.ids.length} tokens, and this model reads at most ${max} (prompt and continuation together): shorten it to fewer than ${max} tokens`,
        'PROMPT_TOO_LONG',
      );
    }
    return enc.ids;
  }

  /** Causal LM: the text of generated tokens, end-of-sequence and other special tokens left out. */
  decodeGenerated(tokens: readonly number[]): string {
    return this.tokenizer.decode(tokens, { skipSpecialTokens: true });
  }

  /** Causal LM: a TextStream over this model's tokenizer, for streaming a continuation with these stop strings. */
  textStream(stop: readonly string[] = []): TextStream {
    const eos = new Set(this.eosTokenIds);
    return new TextStream((tokens) => this.decodeGenerated(tokens.filter((t) => !eos.has(t))), stop);
  }

  /** Causal LM: the continuation of the prompt `ids`, generated as `options` say; `hooks` stream it. */
  async continuePrompt(ids: readonly number[], options: PredictOptions, hooks: GenerationHooks = {}): Promise<Prediction> {
    const lm = this.lm;
    if (!lm) throw new Error(`${this.dir}: a ${this.card.task} model does not generate text`);
    const result = await generate(lm, ids, generationOptions(options), {
      eosTokenIds: this.eosTokenIds,
      maxLength: this.contextLength,
      decode: (tokens) => this.decodeGenerated(tokens),
      ...hooks,
    });
    return {
      task: this.card.task,
      continuation: result.text ?? '',
      generation: {
        finishReason: result.finishReason,
        tokens: result.tokens.length,
        tokenIds: result.tokens,
        promptTokens: ids.length,
        ...(result.settings.doSample ? { seed: result.settings.seed } : {}),
      },
    };
  }

  async predict(input: PredictInput, options: PredictOptions = {}): Promise<Prediction> {
    const { card, tokenizer } = this;
    if (card.task === 'causal-lm') return this.continuePrompt(this.promptIds(input.text), options);
    const truncation = {
      maxLength: card.max_length,
      strategy: card.task === 'question-answering' ? ('only_second' as const) : ('longest_first' as const),
    };
    // No padding, whatever tokenizer.json says: the attention mask below attends to every position.
    const [enc] = tokenizer.encodeBatch([input.pair === undefined ? input.text : [input.text, input.pair]], { truncation, padding: null });
    if (!enc) throw new Error('the tokenizer returned no encoding');
    const out = await this.run(enc.ids, enc.typeIds);
    const labelOf = (i: number) => card.labels?.[i] ?? `LABEL_${i}`;
    const top = options.top ?? 5;
    switch (card.task) {
      case 'sequence-classification': {
        const p = softmax(out.logits?.data as Float32Array);
        return { task: card.task, labels: p.map((score, i) => ({ label: labelOf(i), score })).sort((a, b) => b.score - a.score) };
      }
      case 'regression':
        return { task: card.task, value: Number((out.logits?.data as Float32Array | undefined)?.[0]) };
      case 'token-classification': {
        const logits = out.logits?.data as Float32Array;
        const c = logits.length / enc.ids.length;
        const words: Prediction['words'] = [];
        enc.wordIds.forEach((w, t) => {
          if (w === null || (t > 0 && enc.wordIds[t - 1] === w)) return;
          const p = softmax(logits, t * c, (t + 1) * c);
          const best = p.indexOf(Math.max(...p));
          const [s, e] = enc.offsets[t] as [number, number];
          // The word runs until the next word starts: extend through its sub-tokens.
          let end = e;
          for (let u = t + 1; u < enc.wordIds.length && enc.wordIds[u] === w; u++) end = (enc.offsets[u] as [number, number])[1];
          words.push({ word: input.text.slice(s, end), tag: labelOf(best), score: p[best] as number });
        });
        return { task: card.task, words };
      }
      case 'question-answering': {
        if (input.pair === undefined)
          throw new Error('question answering needs the context: give the question as the text and the context as its pair (--context)');
        const valid = enc.sequenceIds.map((s) => s === 1);
        const span = bestSpan(out.start_logits?.data as Float32Array, out.end_logits?.data as Float32Array, { validMask: valid });
        if (!span) return { task: card.task };
        const [start, end] = [(enc.offsets[span.start] as [number, number])[0], (enc.offsets[span.end] as [number, number])[1]];
        return { task: card.task, answer: { text: input.pair.slice(start, end), start, end, score: span.score } };
      }
      case 'masked-lm': {
        const logits = out.logits?.data as Float32Array;
        const v = logits.length / enc.ids.length;
        const fills = enc.tokens.flatMap((tok, t) => {
          if (!/^\[MASK\]$|^<mask>$/.test(tok)) return [];
          const p = softmax(logits, t * v, (t + 1) * v);
          return [
            p
              .map((score, id) => ({ token: tokenizer.idToToken(id) ?? String(id), score }))
              .sort((a, b) => b.score - a.score)
              .slice(0, top),
          ];
        });
        return { task: card.task, fills };
      }
      default:
        throw new Error(`${this.dir}: no prediction for task '${card.task}'`);
    }
  }
}

/** Opens a causal LM folder for generation: with its key/value cache wherever the folder or its weights allow. */
async function openLanguageModel(dir: string, options: OpenOptions): Promise<LanguageModel> {
  const cachedFile = join(dir, DECODER_WITH_PAST_FILE);
  const onnxFile = join(dir, ONNX_FILE);
  if (existsSync(cachedFile)) return CachedDecoder.open(readFileSync(cachedFile), options);
  if (existsSync(onnxFile)) return UncachedDecoder.open(readFileSync(onnxFile), options);
  return CachedDecoder.open(exportDecoderWithPast(await loadPretrained(dir, { task: 'causal-lm' })), options);
}

/** Predictions for every input, in order, from one session over `modelDir`. */
export async function predictMany(
  modelDir: string,
  inputs: readonly PredictInput[],
  options: PredictOptions & OpenOptions = {},
): Promise<Prediction[]> {
  const predictor = await Predictor.open(modelDir, options);
  try {
    const out: Prediction[] = [];
    for (const input of inputs) out.push(await predictor.predict(input, options));
    return out;
  } finally {
    await predictor.close();
  }
}
