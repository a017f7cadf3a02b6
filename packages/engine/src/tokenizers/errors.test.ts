// Loading errors: each names the file, the JSON path of the problem and what to do.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenizationError, TokenizerConfigError } from './config.ts';
import { Tokenizer } from './tokenizer.ts';

const FIXTURES = new URL('../../fixtures/tokenizers/', import.meta.url);
const bert = JSON.parse(readFileSync(new URL('bert-uncased.json', FIXTURES), 'utf8')) as Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'tuneql-tokenizer-'));

function writeJson(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

function loadError(path: string): TokenizerConfigError {
  try {
    Tokenizer.fromFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(TokenizerConfigError);
    return err as TokenizerConfigError;
  }
  throw new Error(`${path} loaded, but it should not`);
}

describe('tokenizer.json errors', () => {
  it('names the file and the component for an unknown model type', () => {
    const path = writeJson('unknown-model.json', { ...bert, model: { type: 'SentencePieceMagic', vocab: {} } });
    const err = loadError(path);
    expect(err.source).toBe(path);
    expect(err.path).toBe('model.type');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(
      /unsupported model type "SentencePieceMagic"; this tokenizer port implements WordPiece, BPE, Unigram, WordLevel/,
    );
  });

  // Found by the fuzz suite (tests/fuzz/tokenizer.fuzz.test.ts): { Fixed: 10000000 } took 12 s and 1.3 GB per text.
  it('refuses padding to more than MAX_PADDED_LENGTH tokens, naming the field', () => {
    const fixed = { strategy: { Fixed: 10_000_000 }, direction: 'Right', pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' };
    const err = loadError(writeJson('padded.json', { ...bert, padding: fixed }));
    expect(err.path).toBe('padding.strategy.Fixed');
    expect(err.message).toMatch(/padding\.strategy\.Fixed: must be at most 65536 tokens, got 10000000$/);
    const multiple = loadError(
      writeJson('multiple.json', { ...bert, padding: { ...fixed, strategy: 'BatchLongest', pad_to_multiple_of: 2 ** 31 } }),
    );
    expect(multiple.path).toBe('padding.pad_to_multiple_of');
  });

  it('names nested components by their JSON path', () => {
    const normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Precompiled', precompiled_charsmap: 'AAAA' }] };
    const err = loadError(writeJson('precompiled.json', { ...bert, normalizer }));
    expect(err.path).toBe('normalizer.normalizers[1].type');
    expect(err.message).toMatch(/unsupported normalizer type "Precompiled"/);
  });

  it('reports malformed JSON, a missing file and a file without a model', () => {
    const bad = writeJson('broken.json', '{"model": {"type": "BPE",');
    expect(loadError(bad).message).toMatch(new RegExp(`^${bad}: is not valid JSON .*expected a Hugging Face tokenizer.json`));
    const missing = join(dir, 'nope.json');
    expect(loadError(missing).message).toMatch(new RegExp(`^${missing}: cannot read the tokenizer file \\(ENOENT\\)`));
    expect(loadError(writeJson('no-model.json', { version: '1.0' })).message).toMatch(/model: is missing/);
    expect(loadError(writeJson('array.json', [1, 2])).message).toMatch(/expected a JSON object, got \[1,2\]/);
  });

  it('reports fields of the wrong type with their path', () => {
    const err = loadError(writeJson('bad-field.json', { ...bert, pre_tokenizer: { type: 'Metaspace', replacement: '__' } }));
    expect(err.path).toBe('pre_tokenizer.replacement');
    expect(err.message).toMatch(/must be a single character, got "__"/);
    const merges = { type: 'BPE', vocab: { a: 0, b: 1 }, merges: ['a b'] };
    expect(() => Tokenizer.fromJSON({ model: merges })).toThrow(
      /<json>: model.merges\[0\]: merge "a b" uses "ab", which is not in the vocabulary/,
    );
  });

  // Found by the fuzz suite: a special token id of -1 in post_processor came out of encode() as a token id.
  it('refuses special token ids that are not token ids (negative, fractional)', () => {
    const processor = bert.post_processor as { special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }> };
    const sep = { id: '[SEP]', ids: [-1], tokens: ['[SEP]'] };
    const err = loadError(
      writeJson('negative-id.json', {
        ...bert,
        post_processor: { ...processor, special_tokens: { ...processor.special_tokens, '[SEP]': sep } },
      }),
    );
    expect(err.path).toBe('post_processor.special_tokens.[SEP].ids');
    expect(err.message).toMatch(/ids and tokens must be lists of token ids \(integers, 0 or more\) and strings of the same length$/);
    const roberta = { type: 'RobertaProcessing', sep: ['</s>', 2.5], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false };
    expect(loadError(writeJson('fractional-id.json', { ...bert, post_processor: roberta })).path).toBe('post_processor.sep');
  });

  it('refuses patterns JS cannot run, naming the pattern field', () => {
    const pre = { type: 'Split', pattern: { Regex: '(?>a+)b' }, behavior: 'Isolated', invert: false };
    const err = loadError(writeJson('atomic.json', { ...bert, pre_tokenizer: pre }));
    expect(err.path).toBe('pre_tokenizer.pattern.Regex');
    expect(err.message).toMatch(/atomic groups/);
  });
});

describe('encoding errors', () => {
  const tok = Tokenizer.fromJSON(bert, 'bert-uncased.json');
  const gpt2 = Tokenizer.fromFile(new URL('gpt2-bpe.json', FIXTURES).pathname);

  it('says when padding is asked of a tokenizer without a pad token', () => {
    expect(() => gpt2.encodeBatch(['a', 'b c'], { padding: 'longest' })).toThrow(TokenizationError);
    expect(() => gpt2.encodeBatch(['a'], { padding: 'longest' })).toThrow(/no pad token/);
  });

  it('says when truncation cannot be met', () => {
    expect(() => tok.encode('a b c d e f', 'g h', { truncation: { maxLength: 4, strategy: 'only_second' } })).toThrow(
      /maxLength 4 \(1 once the 3 special tokens are in\) with strategy "only_second" would remove 7 tokens from a text that has only 2/,
    );
    expect(() => tok.encode('a b c', undefined, { truncation: { maxLength: 1 } })).toThrow(/leaves no room for the 2 special tokens/);
    expect(() => tok.encode('a b c d e f', undefined, { truncation: { maxLength: 5, stride: 3 } })).toThrow(/stride 3 must be smaller/);
  });

  it('says when a word has no unk token to fall back on', () => {
    const json = structuredClone(bert) as { model: { vocab: Record<string, number> } };
    delete json.model.vocab['[UNK]'];
    const noUnk = Tokenizer.fromJSON(json);
    expect(() => noUnk.encode('\u{1F600}')).toThrow(/unk token "\[UNK\]" is not in the vocabulary/);
  });
});
