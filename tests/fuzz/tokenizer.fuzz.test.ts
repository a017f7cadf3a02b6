// Fuzzing tokenizer.json: the project's WordPiece and byte-level BPE tokenizers with fields deleted, of the wrong
// type, or swapped for other components' types, loaded and then used on arbitrary text as datasets and predictions
// use them. Loading refuses with TokenizerConfigError, encoding with TokenizationError; nothing else is thrown, and
// what comes back is consistent (one id, mask and type per token, ids the vocabulary knows).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe } from 'vitest';
import { type EncodeOptions, TokenizationError, Tokenizer, TokenizerConfigError } from '../../packages/engine/src/tokenizers/index.ts';
import { itFuzzes, refusedOnlyWith, withinBounds } from './fuzz-settings.ts';
import { applyJsonEdits, documentEdit, type JsonPath, jsonPaths } from './mutations.ts';

const REPO = resolve(import.meta.dirname, '../..');
const [bert, gpt2] = ['austen-bert-mini', 'austen-gpt2-mini'].map((m) =>
  JSON.parse(readFileSync(join(REPO, 'models', m, 'tokenizer.json'), 'utf8')),
);
// The first 600 WordPiece entries (special tokens and single characters first) keep a case fast: loading the whole
// 12,157-entry vocabulary would take most of each case's time.
bert.model.vocab = Object.fromEntries(Object.entries(bert.model.vocab as Record<string, number>).filter(([, id]) => id < 600));
/** The project's tokenizers, and the BERT one with padding and truncation sections, whose sizes are worth damaging. */
const SOURCES = [
  bert,
  gpt2,
  {
    ...bert,
    padding: { strategy: { Fixed: 16 }, direction: 'Right', pad_to_multiple_of: 8, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
    truncation: { max_length: 32, strategy: 'LongestFirst', stride: 0, direction: 'Right' },
  },
];

/** Structural fields, not the thousands of vocabulary entries and merges (a few of which are added by hand). */
const bulky = (path: JsonPath) => !(path[0] === 'model' && (path[1] === 'vocab' || path[1] === 'merges'));

/** Other components' type tags and sections, so one component's fields meet another's reader. */
const componentValues = fc.oneof(
  fc.constantFrom<unknown>(
    'WordPiece',
    'BPE',
    'Unigram',
    'WordLevel',
    'BertNormalizer',
    'Lowercase',
    'NFC',
    'NFKD',
    'Sequence',
    'ByteLevel',
    'Whitespace',
    'WhitespaceSplit',
    'BertPreTokenizer',
    'Metaspace',
    'Split',
    'Punctuation',
    'Digits',
    'TemplateProcessing',
    'RobertaProcessing',
    'BertProcessing',
    'WordPiece',
    'BPEDecoder',
    'Fixed',
    'BatchLongest',
    'Left',
    'OnlySecond',
    '[UNK]',
    '<unk>',
  ),
  fc.constantFrom<unknown>(
    { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, null] },
    { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'Punctuation' }] },
    { type: 'Split', pattern: { String: '' }, behavior: 'Removed', invert: false },
    { type: 'Split', pattern: { Regex: '\\p{L}+' }, behavior: 'MergedWithNext', invert: true },
    { type: 'Replace', pattern: { String: 'a' }, content: '' },
    { type: 'Metaspace', replacement: '', prepend_scheme: 'always' },
    { Fixed: 2 ** 31 },
    { Fixed: 100_000_000 },
    { id: '[CLS]', type_id: 7 },
    [{ SpecialToken: { id: 'nope', type_id: 0 } }],
    { nope: { id: 'nope', ids: [999_999], tokens: ['nope'] } },
    [['a', 'b'], 'c d', 5],
    { content: '[MASK]', id: 2 ** 40, special: true },
    { strategy: { Fixed: 100_000_000 }, direction: 'Right', pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
    { strategy: 'BatchLongest', direction: 'Left', pad_to_multiple_of: 2 ** 31, pad_id: 2 ** 31, pad_type_id: 0, pad_token: 'x' },
    { max_length: 2 ** 31, strategy: 'LongestFirst', stride: 2 ** 31, direction: 'Left' },
    { max_length: 1, strategy: 'OnlySecond', stride: 5, direction: 'Right' },
  ),
);

const damagedTokenizer = fc.integer({ min: 0, max: SOURCES.length - 1 }).chain((k) => {
  const source = SOURCES[k];
  const paths: JsonPath[] = [
    ...jsonPaths(source, bulky),
    ['model', 'vocab', '[UNK]'],
    ['model', 'vocab', '[PAD]'],
    ['model', 'vocab', '[CLS]'],
    ['model', 'vocab', 'the'],
    ['model', 'merges', 0],
    ['model', 'merges', 1],
  ];
  return fc
    .array(documentEdit(source, paths, componentValues), { minLength: 1, maxLength: 3 })
    .map((edits) => applyJsonEdits(source, edits));
});

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '[CLS] [SEP] [MASK]', 'Mr. Darcy\u2019s 10,000 a year', 'ﬁ Å ǅ 漢字 😀', 'a'.repeat(5_000)),
);

const encodeOptions = fc.record(
  {
    truncation: fc.oneof(
      fc.constant(null),
      fc.record({
        maxLength: fc.integer({ min: 0, max: 64 }),
        strategy: fc.constantFrom('longest_first' as const, 'only_first' as const, 'only_second' as const),
        stride: fc.integer({ min: 0, max: 8 }),
        direction: fc.constantFrom('left' as const, 'right' as const),
      }),
    ),
    padding: fc.oneof(fc.constant(null), fc.constant('longest' as const), fc.record({ length: fc.integer({ min: 0, max: 64 }) })),
    addSpecialTokens: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** Loads, then encodes and decodes as datasets and predictions do; returns what was checked. */
function useTokenizer(json: unknown, texts: string[], pair: string | undefined, options: EncodeOptions) {
  const tokenizer = Tokenizer.fromJSON(json, 'fuzz/tokenizer.json');
  const encodings = tokenizer.encodeBatch(
    texts.map((t) => (pair === undefined ? t : ([t, pair] as const))),
    options,
  );
  for (const e of encodings) {
    const n = e.ids.length;
    if (e.attentionMask.length !== n || e.typeIds.length !== n || e.offsets.length !== n) {
      throw new Error(
        `an encoding of ${n} ids has ${e.attentionMask.length} mask values, ${e.typeIds.length} type ids, ${e.offsets.length} offsets`,
      );
    }
    for (const id of e.ids) if (!Number.isInteger(id) || id < 0) throw new Error(`an encoding holds the id ${id}`);
    tokenizer.decode(e.ids, { skipSpecialTokens: true });
  }
  return encodings;
}

describe('tokenizer.json under fuzzing', () => {
  itFuzzes(
    'damaged tokenizer.json: loads and encodes arbitrary text, or refuses with TokenizerConfigError/TokenizationError',
    () =>
      fc.asyncProperty(
        damagedTokenizer,
        fc.array(text, { minLength: 1, maxLength: 3 }),
        fc.option(text, { nil: undefined }),
        encodeOptions,
        async (json, texts, pair, options) => {
          await withinBounds('loading and using a damaged tokenizer.json', async () =>
            refusedOnlyWith([TokenizerConfigError, TokenizationError], () => useTokenizer(json, texts, pair, options)),
          );
        },
      ),
    { runs: 600, budgetMs: 5_000 },
  );

  itFuzzes(
    'tokenizer.json bytes that are not JSON, or JSON that is not a tokenizer: TokenizerConfigError',
    () =>
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.dictionary(
            fc.constantFrom('model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'added_tokens', 'padding', 'truncation'),
            fc.jsonValue({ maxDepth: 3 }),
          ),
        ),
        text,
        async (json, input) => {
          await withinBounds('loading a random JSON value as tokenizer.json', async () =>
            refusedOnlyWith([TokenizerConfigError, TokenizationError], () => useTokenizer(json, [input], undefined, {})),
          );
        },
      ),
    { runs: 800, budgetMs: 2_000 },
  );
});
