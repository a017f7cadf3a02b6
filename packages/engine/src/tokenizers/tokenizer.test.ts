// Checks every tokenizer fixture against what Hugging Face tokenizers produced (fixtures/tokenizers/make_fixtures.py).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Encoding } from './encoding.ts';
import { type EncodeOptions, Tokenizer } from './tokenizer.ts';

const FIXTURES = new URL('../../fixtures/tokenizers/', import.meta.url);
const fixturePath = (file: string): string => new URL(file, FIXTURES).pathname;

type ExpectedEncoding = Omit<Encoding, 'offsets' | 'overflowing'> & {
  offsets: [number, number][] | null;
  overflowing: ExpectedEncoding[];
};

interface EncodeCase {
  text: string;
  pair: string | null;
  options: EncodeOptions;
  encoding?: ExpectedEncoding;
  decode?: string;
  decodeSkipSpecial?: string;
  error?: string;
}

interface BatchCase {
  inputs: (string | [string, string])[];
  options: EncodeOptions;
  encodings?: ExpectedEncoding[];
  error?: string;
}

interface Expectations {
  name: string;
  file?: string;
  base?: string;
  patch?: Record<string, unknown>;
  vocabSize: number;
  padTokenId: number | null;
  tokenToId: Record<string, number | null>;
  idToToken: Record<string, string | null>;
  decodeIds: number[][];
  decoded: [string, string];
  encode: EncodeCase[];
  batch: BatchCase[];
}

const expected = JSON.parse(readFileSync(fixturePath('expected.json'), 'utf8')) as { tokenizers: Expectations[]; variants: Expectations[] };

const baseJson = new Map<string, Record<string, unknown>>();
for (const t of expected.tokenizers) baseJson.set(t.name, JSON.parse(readFileSync(fixturePath(t.file!), 'utf8')));

/** The same patching as make_fixtures.py: top-level keys replaced, `model` keys merged. */
function variantJson(base: string, patch: Record<string, unknown>): Record<string, unknown> {
  const json = structuredClone(baseJson.get(base)!);
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'model') json.model = { ...(json.model as object), ...(value as object) };
    else json[key] = value;
  }
  return json;
}

/** The encoding in the fixture's shape, offsets dropped where the fixture could not convert them. */
function comparable(actual: Encoding, want: ExpectedEncoding): ExpectedEncoding {
  return {
    ids: actual.ids,
    typeIds: actual.typeIds,
    tokens: actual.tokens,
    offsets: want.offsets === null ? null : actual.offsets,
    wordIds: actual.wordIds,
    sequenceIds: actual.sequenceIds,
    attentionMask: actual.attentionMask,
    specialTokensMask: actual.specialTokensMask,
    overflowing: actual.overflowing.map((o, i) => comparable(o, want.overflowing[i] ?? want)),
  };
}

const label = (c: { text?: string; inputs?: unknown; options: EncodeOptions; pair?: string | null }): string =>
  JSON.stringify(c.inputs ?? [c.text, c.pair]).slice(0, 70) + (Object.keys(c.options).length ? ` ${JSON.stringify(c.options)}` : '');

function suite(exp: Expectations, make: () => Tokenizer): void {
  describe(exp.name, () => {
    const tok = make();

    it('reports vocabulary size, pad id and token lookups like tokenizers', () => {
      expect(tok.vocabSize).toBe(exp.vocabSize);
      expect(tok.padTokenId ?? null).toBe(exp.padTokenId);
      for (const [token, id] of Object.entries(exp.tokenToId)) expect(tok.tokenToId(token) ?? null, token).toBe(id);
      for (const [id, token] of Object.entries(exp.idToToken)) expect(tok.idToToken(Number(id)) ?? null, id).toBe(token);
      expect(tok.decode(exp.decodeIds[0]!)).toBe(exp.decoded[0]);
      expect(tok.decode(exp.decodeIds[1]!, { skipSpecialTokens: true })).toBe(exp.decoded[1]);
    });

    for (const c of exp.encode) {
      it(`encode ${label(c)}`, () => {
        const run = (): Encoding => tok.encode(c.text, c.pair ?? undefined, c.options);
        if (c.error !== undefined) {
          expect(run).toThrow();
          return;
        }
        const enc = run();
        expect(comparable(enc, c.encoding!)).toEqual(c.encoding);
        expect(tok.decode(enc.ids)).toBe(c.decode);
        expect(tok.decode(enc.ids, { skipSpecialTokens: true })).toBe(c.decodeSkipSpecial);
      });
    }

    for (const c of exp.batch) {
      it(`encodeBatch ${label(c)}`, () => {
        const run = (): Encoding[] => tok.encodeBatch(c.inputs, c.options);
        if (c.error !== undefined) {
          expect(run).toThrow();
          return;
        }
        const encs = run();
        expect(encs.map((e, i) => comparable(e, c.encodings![i]!))).toEqual(c.encodings);
      });
    }
  });
}

describe('tokenizer.json fixtures', () => {
  for (const exp of expected.tokenizers) suite(exp, () => Tokenizer.fromFile(fixturePath(exp.file!)));
});

describe('variants (JSON patches of the fixtures)', () => {
  for (const exp of expected.variants) suite(exp, () => Tokenizer.fromJSON(variantJson(exp.base!, exp.patch!), `variant ${exp.name}`));
});

describe('BPE merges', () => {
  it('reads merges written as "a b" strings like merges written as pairs', () => {
    const json = structuredClone(baseJson.get('gpt2')!);
    const model = json.model as { merges: [string, string][] };
    const asPairs = Tokenizer.fromJSON(json);
    const asStrings = Tokenizer.fromJSON({ ...json, model: { ...model, merges: model.merges.map(([a, b]) => `${a} ${b}`) } });
    const text = 'It is a truth universally acknowledged, that a single man in possession of a good fortune.';
    expect(asStrings.encode(text)).toEqual(asPairs.encode(text));
  });
});
