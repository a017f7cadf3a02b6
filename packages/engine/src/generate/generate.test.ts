// Generation against its references: the cached export against the plain one (logits and greedy tokens),
// and against transformers' greedy generate recorded by fixtures/models/make_generation.py.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDecoderWithPast } from '../export/decoder-export.ts';
import { exportInference } from '../export/onnx-export.ts';
import { loadPretrained } from '../models/pretrained.ts';
import { Tokenizer } from '../tokenizers/tokenizer.ts';
import { CachedDecoder, type LanguageModel, UncachedDecoder } from './decoders.ts';
import { generate } from './generate.ts';

const GENERATION = fileURLToPath(new URL('../../fixtures/models/generation/', import.meta.url));
const AUSTEN = fileURLToPath(new URL('../../../../models/austen-gpt2-mini/', import.meta.url));
const DIRS: Record<string, string> = { gpt2: `${GENERATION}gpt2`, llama: `${GENERATION}llama`, 'austen-gpt2-mini': AUSTEN };

interface RecordedCase {
  model: string;
  text?: string;
  prompt: number[];
  max_new_tokens: number;
  eos_token_id: number;
  tokens: number[];
  min_margin: number;
}
const RECORDED = JSON.parse(readFileSync(`${GENERATION}expected.json`, 'utf8')) as { cases: RecordedCase[] };

const models = new Map<string, { cached: LanguageModel; plain: LanguageModel }>();
const cachedBytes = new Map<string, Uint8Array>();

beforeAll(async () => {
  for (const [name, dir] of Object.entries(DIRS)) {
    const model = await loadPretrained(dir, { task: 'causal-lm' });
    cachedBytes.set(name, exportDecoderWithPast(model));
    models.set(name, {
      cached: await CachedDecoder.open(cachedBytes.get(name) as Uint8Array, { threads: 1 }),
      plain: await UncachedDecoder.open(exportInference(model), { threads: 1 }),
    });
  }
});

afterAll(async () => {
  for (const m of models.values()) await Promise.all([m.cached.release(), m.plain.release()]);
});

function pair(name: string): { cached: LanguageModel; plain: LanguageModel } {
  const m = models.get(name);
  if (!m) throw new Error(`no model ${name}`);
  return m;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

describe('generation with a key/value cache', () => {
  it.each(['gpt2', 'llama', 'austen-gpt2-mini'])('%s: each step gives the logits of the whole sequence run again', async (name) => {
    const { cached, plain } = pair(name);
    const [a, b] = [cached.start(), plain.start()];
    // The prompt (past length 0), then one token at a time, then several at once.
    for (const ids of [[1, 5, 9], [13], [21], [3, 4, 5]]) {
      const [x, y] = [await a.feed(ids), await b.feed(ids)];
      expect(x.length).toBe(y.length);
      expect(maxDiff(x, y)).toBeLessThan(1e-4);
    }
  });

  it.each(['gpt2', 'llama', 'austen-gpt2-mini'])('%s: gives the same greedy tokens as without the cache', async (name) => {
    const { cached, plain } = pair(name);
    for (const prompt of RECORDED.cases.filter((c) => c.model === name).map((c) => c.prompt)) {
      const [a, b] = [await generate(cached, prompt, { maxNewTokens: 24 }), await generate(plain, prompt, { maxNewTokens: 24 })];
      expect(a.tokens).toHaveLength(24);
      expect(a.tokens, `prompt ${prompt}`).toEqual(b.tokens);
    }
  });

  it('matches the tokens of transformers greedy generate on PyTorch, stopping at end-of-sequence', async () => {
    const austen = Tokenizer.fromFile(`${AUSTEN}tokenizer.json`);
    let stoppedAtEos = 0;
    for (const c of RECORDED.cases) {
      // A margin far above float32 rounding: a different token would be a real difference, not a tie.
      expect(c.min_margin).toBeGreaterThan(0.01);
      if (c.text !== undefined) expect(austen.encode(c.text).ids).toEqual(c.prompt);
      const out = await generate(pair(c.model).cached, c.prompt, { maxNewTokens: c.max_new_tokens }, { eosTokenIds: [c.eos_token_id] });
      expect(out.tokens, `${c.model} ${c.prompt}`).toEqual(c.tokens);
      const atEos = c.tokens.at(-1) === c.eos_token_id;
      expect(out.finishReason).toBe(atEos ? 'eos' : 'max-new-tokens');
      if (atEos) stoppedAtEos++;
    }
    expect(stoppedAtEos).toBeGreaterThanOrEqual(2);
    expect(new Set(RECORDED.cases.map((c) => c.model))).toEqual(new Set(Object.keys(DIRS)));
  });

  it.each(['gpt2', 'llama'])('%s: the export passes the ONNX checker and takes a batch with a past', async (name) => {
    const bytes = cachedBytes.get(name) as Uint8Array;
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-decoder-'));
    try {
      writeFileSync(join(dir, 'decoder.onnx'), bytes);
      // The official checker, with shape inference over the symbolic axes.
      const check = 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
      execFileSync('/usr/bin/python3', ['-c', check, join(dir, 'decoder.onnx')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Two rows, each 3 tokens of past then 2 new ones, against each row fed alone.
    const rows = [
      [1, 5, 9, 13, 17],
      [1, 40, 41, 42, 43],
    ];
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const int64 = (xs: number[], shape: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), shape);
    const first = await session.run({
      input_ids: int64(
        rows.flatMap((r) => r.slice(0, 3)),
        [2, 3],
      ),
      attention_mask: int64(new Array(6).fill(1), [2, 3]),
      position_ids: int64([0, 1, 2, 0, 1, 2], [2, 3]),
      ...Object.fromEntries(
        session.inputNames
          .filter((n) => n.startsWith('past_'))
          .map((n) => {
            const dims = (session.inputMetadata.find((m) => m.name === n) as { shape: readonly (number | string)[] }).shape;
            return [n, new ort.Tensor('float32', new Float32Array(0), [2, dims[1] as number, 0, dims[3] as number])];
          }),
      ),
    });
    const past = Object.fromEntries(
      session.outputNames
        .filter((n) => n.startsWith('present.'))
        .map((n) => [n.replace('present.', 'past_key_values.'), first[n] as ort.Tensor]),
    );
    const second = await session.run({
      input_ids: int64(
        rows.flatMap((r) => r.slice(3)),
        [2, 2],
      ),
      attention_mask: int64(new Array(10).fill(1), [2, 5]),
      position_ids: int64([3, 4, 3, 4], [2, 2]),
      ...past,
    });
    const logits = second.logits as ort.Tensor;
    expect(logits.dims).toEqual([2, 2, 64]);
    for (const [r, row] of rows.entries()) {
      const alone = await pair(name).plain.start().feed(row);
      const batched = (logits.data as Float32Array).slice((r * 2 + 1) * 64, (r * 2 + 2) * 64);
      expect(maxDiff(batched, alone)).toBeLessThan(1e-4);
    }
    await session.release();
  });

  it('stops at the longest sequence the model takes', async () => {
    const out = await generate(pair('gpt2').cached, [1, 5, 9, 13], { maxNewTokens: 50 }, { maxLength: 10 });
    expect(out.tokens).toHaveLength(6);
    expect(out.finishReason).toBe('max-length');
  });
});

describe('stop strings', () => {
  it('cut the text before the stop string and end generation there', async () => {
    const tokenizer = Tokenizer.fromFile(`${AUSTEN}tokenizer.json`);
    const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
    const prompt = tokenizer.encode('The carriage stopped at the door, and').ids;
    const free = await generate(pair('austen-gpt2-mini').cached, prompt, { maxNewTokens: 24 }, { decode });
    const text = free.text as string;
    // A stop string that first appears part-way through the free continuation.
    const stop = text.slice(text.length >> 1, (text.length >> 1) + 3);
    const at = text.indexOf(stop);
    expect(at).toBeGreaterThan(0);
    const cut = await generate(pair('austen-gpt2-mini').cached, prompt, { maxNewTokens: 24, stop: ['no such words', stop] }, { decode });
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(text.slice(0, at));
    expect(cut.tokens.length).toBeLessThan(free.tokens.length);
    expect(free.tokens.slice(0, cut.tokens.length)).toEqual(cut.tokens);
    expect(decode(cut.tokens)).toContain(stop);
  });

  it('need a decoder', async () => {
    await expect(generate(pair('gpt2').cached, [1], { stop: ['x'] })).rejects.toMatchObject({
      code: 'GENERATION_OPTION_INVALID',
      option: 'stop',
    });
  });
});
