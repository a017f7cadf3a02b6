// Runs a model folder's ONNX export on texts and says what it predicts: one onnxruntime session per
// folder opened, reused for every input.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bestSpan, exportInference, loadPretrained, type Task, Tokenizer } from '@tuneql/engine';
import * as ort from 'onnxruntime-node';
import { type ModelCard, ONNX_FILE, readModelCard, TOKENIZER_FILE } from './model-folder.ts';

export interface PredictInput {
  text: string;
  /** Second text of a pair (classification), or the context (question answering: `text` is the question). */
  pair?: string;
}

export interface PredictOptions {
  /** Tokens to generate (causal LM). @default 20 */
  maxNewTokens?: number;
  /** Candidates per mask (masked LM). @default 5 */
  top?: number;
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
  private readonly session: ort.InferenceSession;

  private constructor(dir: string, card: ModelCard, tokenizer: Tokenizer, session: ort.InferenceSession) {
    this.dir = dir;
    this.card = card;
    this.tokenizer = tokenizer;
    this.session = session;
  }

  /** Opens `dir`: its model.onnx, or (a plain Hugging Face folder) an export made in memory from its weights. */
  static async open(dir: string, options: OpenOptions = {}): Promise<Predictor> {
    const card = readModelCard(dir);
    const tokenizer = Tokenizer.fromFile(join(dir, TOKENIZER_FILE));
    const onnxFile = join(dir, ONNX_FILE);
    const bytes = existsSync(onnxFile) ? readFileSync(onnxFile) : exportInference(await loadPretrained(dir, { task: card.task }));
    const session = await ort.InferenceSession.create(bytes, {
      logSeverityLevel: 3,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
    return new Predictor(dir, card, tokenizer, session);
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private run(ids: readonly number[], types: readonly number[]): Promise<ort.InferenceSession.ReturnType> {
    const shape = [1, ids.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
    };
    if (this.session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', BigInt64Array.from(types, BigInt), shape);
    return this.session.run(feeds);
  }

  async predict(input: PredictInput, options: PredictOptions = {}): Promise<Prediction> {
    const { card, tokenizer } = this;
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
      case 'causal-lm': {
        const ids = [...enc.ids];
        const first = ids.length;
        for (let n = 0; n < (options.maxNewTokens ?? 20) && ids.length < card.max_length; n++) {
          const logits = (
            await this.run(
              ids,
              ids.map(() => 0),
            )
          ).logits?.data as Float32Array;
          const v = logits.length / ids.length;
          let best = 0;
          for (let i = 1; i < v; i++)
            if ((logits[(ids.length - 1) * v + i] as number) > (logits[(ids.length - 1) * v + best] as number)) best = i;
          ids.push(best);
        }
        return { task: card.task, continuation: tokenizer.decode(ids.slice(first), { skipSpecialTokens: true }) };
      }
    }
  }
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
