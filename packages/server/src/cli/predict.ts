// `tuneql predict MODEL_DIR TEXT`: runs a fine-tuned model (its ONNX export) on one input and says
// what it predicts, in words, or as JSON.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bestSpan, exportInference, loadPretrained, type Task, Tokenizer, taskOfClass } from '@tuneql/engine';
import * as ort from 'onnxruntime-node';
import type { ModelCard } from './train.ts';

export interface PredictOptions {
  model: string;
  text: string;
  /** Second text of a pair (classification), or the context (question answering: TEXT is the question). */
  pair?: string;
  /** Tokens to generate (causal LM). @default 20 */
  maxNewTokens?: number;
  top?: number;
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

/** tuneql.json, written by tuneql train; for any other Hugging Face folder, what config.json says. */
function readCard(dir: string): ModelCard {
  const file = join(dir, 'tuneql.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ModelCard;
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) throw new Error(`${dir} is not a model folder: it has neither tuneql.json nor config.json`);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as {
    architectures?: string[];
    id2label?: Record<string, string>;
    max_position_embeddings?: number;
    n_positions?: number;
  };
  const task = config.architectures?.map(taskOfClass).find((t) => t !== undefined);
  if (!task)
    throw new Error(`${configFile}: 'architectures' names no class TuneQL can run (${config.architectures?.join(', ') ?? 'none'})`);
  const ids = config.id2label ? Object.keys(config.id2label).sort((x, y) => Number(x) - Number(y)) : undefined;
  return {
    task,
    labels: ids?.map((k) => config.id2label?.[k] as string),
    max_length: config.max_position_embeddings ?? config.n_positions ?? 512,
  };
}

export async function predict(options: PredictOptions): Promise<Prediction> {
  const card = readCard(options.model);
  const tokenizer = Tokenizer.fromFile(join(options.model, 'tokenizer.json'));
  const onnxFile = join(options.model, 'model.onnx');
  const bytes = existsSync(onnxFile) ? readFileSync(onnxFile) : exportInference(await loadPretrained(options.model, { task: card.task }));
  const session = await ort.InferenceSession.create(bytes);
  const run = async (ids: readonly number[], types: readonly number[]) => {
    const shape = [1, ids.length];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), shape),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), shape),
    };
    if (session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', BigInt64Array.from(types, BigInt), shape);
    return session.run(feeds);
  };
  const truncation = {
    maxLength: card.max_length,
    strategy: card.task === 'question-answering' ? ('only_second' as const) : ('longest_first' as const),
  };
  const [enc] = tokenizer.encodeBatch([options.pair === undefined ? options.text : [options.text, options.pair]], { truncation });
  if (!enc) throw new Error('the tokenizer returned no encoding');
  const out = await run(enc.ids, enc.typeIds);
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
        words.push({ word: options.text.slice(s, end), tag: labelOf(best), score: p[best] as number });
      });
      return { task: card.task, words };
    }
    case 'question-answering': {
      if (options.pair === undefined)
        throw new Error('question answering needs the context: tuneql predict MODEL "question" --context "text"');
      const valid = enc.sequenceIds.map((s) => s === 1);
      const span = bestSpan(out.start_logits?.data as Float32Array, out.end_logits?.data as Float32Array, { validMask: valid });
      if (!span) return { task: card.task };
      const [start, end] = [(enc.offsets[span.start] as [number, number])[0], (enc.offsets[span.end] as [number, number])[1]];
      return { task: card.task, answer: { text: options.pair.slice(start, end), start, end, score: span.score } };
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
          await run(
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
