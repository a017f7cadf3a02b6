// Sampling's properties on a real model's logits: seeds, top-k and top-p limits, temperature and the
// entropy of many draws, transformers' repetition penalty, and the option checks.

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDecoderWithPast } from '../export/decoder-export.ts';
import { loadPretrained } from '../models/pretrained.ts';
import { Rng } from '../runtime/rng.ts';
import { CachedDecoder } from './decoders.ts';
import { generate } from './generate.ts';
import { type GenerationOptions, resolveGeneration } from './options.ts';
import { argmax, draw, nextToken, penalizeRepetition, samplingDistribution } from './sampling.ts';

const GPT2 = fileURLToPath(new URL('../../fixtures/models/generation/gpt2', import.meta.url));
const PROMPT = [1, 5, 9, 13];
let model: CachedDecoder;
/** The model's next-token logits after PROMPT. */
let logits: Float32Array;

beforeAll(async () => {
  const m = await loadPretrained(GPT2, { task: 'causal-lm' });
  model = await CachedDecoder.open(exportDecoderWithPast(m), { threads: 1 });
  logits = await model.start().feed(PROMPT);
});

afterAll(() => model.release());

function entropy(counts: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return -counts.reduce((h, c) => (c ? h + (c / n) * Math.log(c / n) : h), 0);
}

function drawMany(temperature: number, n: number): number[] {
  const rng = new Rng(7);
  const probs = samplingDistribution(logits, { temperature, topK: 0, topP: 1 });
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) {
    const token = draw(probs, rng);
    counts[token] = (counts[token] ?? 0) + 1;
  }
  return counts;
}

describe('sampling', () => {
  it('gives the same tokens for the same seed, other tokens for another', async () => {
    const options: GenerationOptions = { maxNewTokens: 16, temperature: 1.5 };
    const a = await generate(model, PROMPT, { ...options, seed: 11 });
    const b = await generate(model, PROMPT, { ...options, seed: 11 });
    const c = await generate(model, PROMPT, { ...options, seed: 12 });
    expect(a.settings.doSample).toBe(true);
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    // Without a seed, the one drawn is returned and reproduces the tokens.
    const free = await generate(model, PROMPT, options);
    expect((await generate(model, PROMPT, { ...options, seed: free.settings.seed })).tokens).toEqual(free.tokens);
  });

  it('with top-k 1 or a tiny top-p is greedy', async () => {
    const greedy = await generate(model, PROMPT, { maxNewTokens: 12 });
    const sampled = await generate(model, PROMPT, { maxNewTokens: 12, temperature: 2, seed: 3 });
    expect(sampled.tokens).not.toEqual(greedy.tokens);
    expect((await generate(model, PROMPT, { maxNewTokens: 12, temperature: 2, topK: 1, seed: 3 })).tokens).toEqual(greedy.tokens);
    expect((await generate(model, PROMPT, { maxNewTokens: 12, temperature: 2, topP: 1e-9, seed: 3 })).tokens).toEqual(greedy.tokens);
    expect((await generate(model, PROMPT, { maxNewTokens: 12, temperature: 0, seed: 3 })).tokens).toEqual(greedy.tokens);
  });

  it('draws tokens as often as their probability', () => {
    const n = 20000;
    const counts = drawMany(1, n);
    const probs = samplingDistribution(logits, { temperature: 1, topK: 0, topP: 1 });
    for (let i = 0; i < probs.length; i++) expect(Math.abs((counts[i] as number) / n - (probs[i] as number))).toBeLessThan(0.015);
  });

  it('spreads the draws more at higher temperatures', () => {
    const [cold, warm, hot] = [0.3, 1, 3].map((t) => entropy(drawMany(t, 5000)));
    expect(cold).toBeLessThan((warm as number) - 0.3);
    expect(warm).toBeLessThan((hot as number) - 0.3);
    expect(hot).toBeLessThanOrEqual(Math.log(logits.length));
  });

  it('keeps the k likeliest tokens, and the smallest nucleus reaching p', () => {
    const order = Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number));
    const k5 = samplingDistribution(logits, { temperature: 1, topK: 5, topP: 1 });
    expect(order.filter((i) => (k5[i] as number) > 0)).toEqual(order.slice(0, 5));
    const full = samplingDistribution(logits, { temperature: 1, topK: 0, topP: 1 });
    const p = 0.5;
    const nucleus = samplingDistribution(logits, { temperature: 1, topK: 0, topP: p });
    const kept = order.filter((i) => (nucleus[i] as number) > 0);
    const mass = (ids: number[]) => ids.reduce((s, i) => s + (full[i] as number), 0);
    expect(mass(kept)).toBeGreaterThanOrEqual(p);
    expect(mass(kept.slice(0, -1))).toBeLessThan(p);
    expect(kept).toEqual(order.slice(0, kept.length));
    expect(nucleus.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('penalizes repetition as transformers does: positive logits divided, negative multiplied', async () => {
    const seen = [5, 9, 13, 9];
    const penalized = penalizeRepetition(logits, seen, 1.7);
    expect([5, 9, 13].some((i) => (logits[i] as number) > 0) && [5, 9, 13].some((i) => (logits[i] as number) < 0)).toBe(true);
    for (let i = 0; i < logits.length; i++) {
      const x = logits[i] as number;
      const expected = !seen.includes(i) ? x : x > 0 ? x / 1.7 : x * 1.7;
      expect(penalized[i]).toBe(Math.fround(expected));
    }
    // Generation with the penalty picks, at every step, the argmax of the directly penalized logits.
    const out = await generate(model, PROMPT, { maxNewTokens: 10, repetitionPenalty: 1.7 });
    const seq = model.start();
    let next = await seq.feed(PROMPT);
    const sequence = [...PROMPT];
    for (const token of out.tokens) {
      const direct = Array.from(next, (x, i) => (sequence.includes(i) ? (x > 0 ? x / 1.7 : x * 1.7) : x));
      expect(token).toBe(argmax(direct));
      sequence.push(token);
      next = await seq.feed([token]);
    }
    expect(out.tokens).not.toEqual((await generate(model, PROMPT, { maxNewTokens: 10 })).tokens);
  });

  it('takes the argmax when not sampling', () => {
    const settings = resolveGeneration({ repetitionPenalty: 1 });
    expect(nextToken(logits, PROMPT, settings, new Rng(0))).toBe(argmax(logits));
  });
});

describe('generation options', () => {
  it.each([
    [{ maxNewTokens: 0 }, 'maxNewTokens', 'must be a whole number of at least 1, got 0'],
    [{ maxNewTokens: 2.5 }, 'maxNewTokens', 'got 2.5'],
    [{ temperature: -0.5 }, 'temperature', 'must be a finite number >= 0 (0 is greedy), got -0.5'],
    [{ topK: -1 }, 'topK', 'must be a whole number >= 0'],
    [{ topP: 0 }, 'topP', 'must be in (0, 1]'],
    [{ topP: 1.5 }, 'topP', 'must be in (0, 1]'],
    [{ repetitionPenalty: 0 }, 'repetitionPenalty', 'must be a finite number > 0'],
    [{ seed: -3 }, 'seed', 'must be a whole number in [0, 2^32)'],
    [{ stop: [''] }, 'stop', 'entry 0 must be a non-empty string'],
  ] as [GenerationOptions, string, string][])('refuses %o', (options, option, message) => {
    expect(() => resolveGeneration(options)).toThrow(message);
    expect(() => resolveGeneration(options)).toThrow(expect.objectContaining({ code: 'GENERATION_OPTION_INVALID', option }));
  });

  it('refuses an unknown option, naming the known ones', () => {
    expect(() => resolveGeneration({ topk: 3 } as GenerationOptions)).toThrow(
      expect.objectContaining({ code: 'GENERATION_OPTION_UNKNOWN', option: 'topk' }),
    );
  });

  it('samples when a sampling option is given, unless the temperature is 0', () => {
    expect(resolveGeneration({}).doSample).toBe(false);
    expect(resolveGeneration({ topP: 0.9 }).doSample).toBe(true);
    expect(resolveGeneration({ temperature: 0, doSample: true }).doSample).toBe(false);
    expect(resolveGeneration({ doSample: true }).doSample).toBe(true);
    expect(resolveGeneration({ temperature: 0.7, doSample: false }).doSample).toBe(false);
  });
});
