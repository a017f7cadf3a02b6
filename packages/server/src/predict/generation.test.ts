// A causal LM's exported folder generates: generation_config.json and the cached decoder are written, the
// predictor uses the cache (the same continuation as a folder exported without one), and stops at the
// end-of-sequence token the folder's generation config names and at stop strings.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LM_PROMPT, writeExampleExports } from './example-exports.ts';
import { GENERATION_CONFIG_FILE, generationConfigOf, readGenerationConfig } from './generation-config.ts';
import { DECODER_WITH_PAST_FILE } from './model-folder.ts';
import { Predictor } from './predictor.ts';

const PROMPTS = [LM_PROMPT, 'It is a truth universally acknowledged', 'Anne'];

describe('a causal LM folder generates', () => {
  const root = mkdtempSync(join(tmpdir(), 'tuneql-generation-'));
  let dir = '';

  beforeAll(async () => {
    dir = ((await writeExampleExports(root, ['lm'])) as { lm: string }).lm;
  }, 30_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('with generation_config.json from config.json, and the cached decoder beside model.onnx', () => {
    expect(JSON.parse(readFileSync(join(dir, GENERATION_CONFIG_FILE), 'utf8'))).toEqual({
      bos_token_id: 0,
      eos_token_id: 0,
      pad_token_id: 0,
      max_length: 128,
      do_sample: false,
    });
    expect(existsSync(join(dir, DECODER_WITH_PAST_FILE))).toBe(true);
  });

  it("takes the special token ids from the tokenizer when config.json has none (GPT-2's <|endoftext|>)", () => {
    const tokenizer = { added_tokens: [{ id: 7, content: '<|endoftext|>', special: true }], model: { type: 'BPE' } };
    expect(generationConfigOf({ n_positions: 64 }, tokenizer)).toMatchObject({
      bos_token_id: 7,
      eos_token_id: 7,
      pad_token_id: 7,
      max_length: 64,
    });
    expect(generationConfigOf({ eos_token_id: [3, 4] }, { model: { type: 'BPE' } })).toMatchObject({
      eos_token_id: [3, 4],
      pad_token_id: 3,
    });
  });

  it('gives the same continuations with the cache as a folder exported without one', async () => {
    const cached = await Predictor.open(dir, { threads: 1 });
    const options = [
      { maxNewTokens: 16 },
      { maxNewTokens: 16, temperature: 0.9, topP: 0.95, seed: 4 },
      { maxNewTokens: 16, repetitionPenalty: 1.3 },
    ];
    const expected = [];
    try {
      for (const text of PROMPTS) for (const o of options) expected.push(await cached.predict({ text }, o));
    } finally {
      await cached.close();
    }
    // A folder as exports were written before the cache: model.onnx only.
    const older = (await writeExampleExports(join(root, 'older'), ['lm'])).lm as string;
    rmSync(join(older, DECODER_WITH_PAST_FILE));
    const plain = await Predictor.open(older, { threads: 1 });
    try {
      const actual = [];
      for (const text of PROMPTS) for (const o of options) actual.push(await plain.predict({ text }, o));
      expect(actual).toEqual(expected);
    } finally {
      await plain.close();
    }
    expect(expected.every((p) => p.generation?.tokens === 16 && (p.continuation?.length ?? 0) > 0)).toBe(true);
    expect(expected[1]?.generation?.seed).toBe(4);
    expect(new Set(expected.map((p) => p.continuation)).size).toBe(expected.length);
  }, 30_000);

  it('stops at the end-of-sequence token of its generation config, and at stop strings', async () => {
    const free = await withPredictor(dir, (p) => p.predict({ text: LM_PROMPT }, { maxNewTokens: 12 }));
    expect(free.generation?.finishReason).toBe('max-new-tokens');
    // Make the second word generated the end of a sequence: generation ends there, and leaves it out of the text.
    const words = (free.continuation as string).split(' ').filter((w) => w);
    const config = readGenerationConfig(dir);
    const tokenizerFile = join(dir, 'tokenizer.json');
    const vocab = (JSON.parse(readFileSync(tokenizerFile, 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;
    // The byte-level BPE writes the leading space as Ġ; the first word is one token of the vocabulary.
    const eos = vocab[`Ġ${words[0]}`];
    expect(eos).toBeDefined();
    writeFileSync(join(dir, GENERATION_CONFIG_FILE), JSON.stringify({ ...config, eos_token_id: [5, eos] }));
    const stopped = await withPredictor(dir, (p) => p.predict({ text: LM_PROMPT }, { maxNewTokens: 12 }));
    expect(stopped.generation).toEqual({ finishReason: 'eos', tokens: 1, tokenIds: [eos], promptTokens: free.generation?.promptTokens });
    expect(stopped.continuation).toBe('');
    writeFileSync(join(dir, GENERATION_CONFIG_FILE), JSON.stringify(config));
    const stop = ` ${words[1]}`;
    const cut = await withPredictor(dir, (p) => p.predict({ text: LM_PROMPT }, { maxNewTokens: 12, stop: [stop] }));
    expect(cut.generation?.finishReason).toBe('stop');
    expect(cut.continuation).toBe((free.continuation as string).slice(0, (free.continuation as string).indexOf(stop)));
  });

  it('refuses a prompt that fills the context, rather than cutting its end', async () => {
    const long = `${LM_PROMPT} `.repeat(60);
    const err = await withPredictor(dir, (p) => p.predict({ text: long }, { maxNewTokens: 4 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PROMPT_TOO_LONG', option: 'prompt' });
    expect((err as Error).message).toMatch(
      /^generation option 'prompt': is \d+ tokens, and this model reads at most \d+ \(prompt and continuation together\)/,
    );
  });
});

async function withPredictor<T>(dir: string, use: (p: Predictor) => Promise<T>): Promise<T> {
  const p = await Predictor.open(dir, { threads: 1 });
  try {
    return await use(p);
  } finally {
    await p.close();
  }
}
