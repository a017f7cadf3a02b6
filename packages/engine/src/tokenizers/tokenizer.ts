// The tokenizer: loads a Hugging Face tokenizer.json and runs its pipeline (added tokens, normalizer, pre-tokenizer, model, post-processor, decoder).

import { readFileSync } from 'node:fs';
import { type AddedToken, AddedVocabulary, readAddedTokens } from './added-vocabulary.ts';
import { Section, TokenizationError, TokenizerConfigError } from './config.ts';
import { buildDecoder, type Decoder } from './decoders.ts';
import type { Direction, Encoding, EncodingState } from './encoding.ts';
import { buildModel, type Model } from './models/model.ts';
import { buildNormalizer, type Normalizer } from './normalizers.ts';
import { buildPostProcessor, type PostProcessor, postProcess } from './post-processors.ts';
import { buildPreTokenizer, type PreTokenizer } from './pre-tokenizers.ts';

export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

export interface TruncationOptions {
  /** Most tokens per encoding, special tokens included. */
  maxLength: number;
  /** Which text loses tokens in a pair. @default 'longest_first' */
  strategy?: TruncationStrategy;
  /** Tokens shared by consecutive overflowing windows. @default 0 */
  stride?: number;
  /** Which end tokens are cut from. @default 'right' */
  direction?: Direction;
}

export interface EncodeOptions {
  /** Cut encodings to a length; null turns off a truncation the tokenizer.json sets. @default the file's truncation section */
  truncation?: TruncationOptions | null;
  /** Pad to the longest encoding of the batch or to a fixed length; null turns off the file's padding. @default the file's padding section */
  padding?: 'longest' | { length: number } | null;
  /** Round the padded length up to a multiple of this. @default the file's pad_to_multiple_of */
  padToMultipleOf?: number;
  /** Run the post-processor's special tokens ([CLS], [SEP], <s>, ...). @default true */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out special tokens ([CLS], <pad>, ...). @default false */
  skipSpecialTokens?: boolean;
}

interface PaddingParams {
  strategy: 'longest' | { length: number };
  direction: Direction;
  padToMultipleOf: number | undefined;
  padId: number | undefined;
  padTypeId: number;
  padToken: string | undefined;
}

interface TruncationParams {
  maxLength: number;
  strategy: TruncationStrategy;
  stride: number;
  direction: Direction;
}

const TRUNCATION_STRATEGIES: Record<string, TruncationStrategy> = {
  LongestFirst: 'longest_first',
  OnlyFirst: 'only_first',
  OnlySecond: 'only_second',
};

function readTruncation(s: Section): TruncationParams {
  return {
    maxLength: s.int('max_length'),
    strategy: TRUNCATION_STRATEGIES[s.oneOf('strategy', ['LongestFirst', 'OnlyFirst', 'OnlySecond'], 'LongestFirst')]!,
    stride: s.int('stride', 0),
    direction: s.oneOf('direction', ['Right', 'Left'], 'Right') === 'Left' ? 'left' : 'right',
  };
}

/**
 * The longest padded length a tokenizer.json may ask for (a fixed length or a multiple): every encoding is filled to
 * it, so a value in the millions costs seconds and gigabytes per text.
 */
export const MAX_PADDED_LENGTH = 65_536;

function paddedLength(s: Section, key: string, value: number | undefined): number | undefined {
  if (value !== undefined && value > MAX_PADDED_LENGTH) s.fail(key, `must be at most ${MAX_PADDED_LENGTH} tokens, got ${value}`);
  return value;
}

function readPadding(s: Section): PaddingParams {
  const raw = s.raw.strategy;
  let strategy: PaddingParams['strategy'] = 'longest';
  if (raw !== undefined && raw !== 'BatchLongest') {
    const fixed = s.object('strategy');
    strategy = { length: paddedLength(fixed, 'Fixed', fixed.int('Fixed')) as number };
  }
  return {
    strategy,
    direction: s.oneOf('direction', ['Right', 'Left'], 'Right') === 'Left' ? 'left' : 'right',
    padToMultipleOf: paddedLength(s, 'pad_to_multiple_of', s.optionalInt('pad_to_multiple_of')),
    padId: s.int('pad_id', 0),
    padTypeId: s.int('pad_type_id', 0),
    padToken: s.string('pad_token', '[PAD]'),
  };
}

/** Token strings commonly used for padding, in order of preference. */
const PAD_TOKENS = ['[PAD]', '<pad>', '<|pad|>', '<PAD>', '[pad]'];

export class Tokenizer {
  /** Where the configuration came from, for error messages. */
  readonly source: string;
  private readonly model: Model;
  private readonly added: AddedVocabulary;
  private readonly normalizer: Normalizer | null;
  private readonly preTokenizer: PreTokenizer | null;
  private readonly postProcessor: PostProcessor | null;
  private readonly decoder: Decoder | null;
  private readonly truncation: TruncationParams | null;
  private readonly padding: PaddingParams | null;
  /** Number of distinct token strings, added tokens included (tokenizers' get_vocab_size(true)). */
  readonly vocabSize: number;
  /** Id used for padding: the file's padding section, else a [PAD]/<pad> token; undefined when there is none. */
  readonly padTokenId: number | undefined;

  private constructor(json: unknown, source: string) {
    this.source = source;
    const root = new Section(json, source, '');
    if (!root.has('model'))
      root.fail('model', 'is missing; a tokenizer.json needs a "model" section (WordPiece, BPE, Unigram or WordLevel)');
    this.model = buildModel(root.object('model'));
    this.normalizer = root.has('normalizer') ? buildNormalizer(root.object('normalizer')) : null;
    this.preTokenizer = root.has('pre_tokenizer') ? buildPreTokenizer(root.object('pre_tokenizer')) : null;
    this.postProcessor = root.has('post_processor') ? buildPostProcessor(root.object('post_processor')) : null;
    this.decoder = root.has('decoder') ? buildDecoder(root.object('decoder')) : null;
    this.truncation = root.has('truncation') ? readTruncation(root.object('truncation')) : null;
    const list = root.has('added_tokens') ? root.array('added_tokens') : [];
    // An added token that the model already knows keeps the model's id, as in tokenizers.
    const addedTokens: AddedToken[] = readAddedTokens(root, list).map((t) => ({ ...t, id: this.model.tokenToId(t.content) ?? t.id }));
    this.added = new AddedVocabulary(addedTokens, this.normalizer);
    const contents = new Set<string>();
    for (const [token] of this.model.entries()) contents.add(token);
    for (const t of addedTokens) contents.add(t.content);
    this.vocabSize = contents.size;
    const padding = root.has('padding') ? readPadding(root.object('padding')) : null;
    this.padding = padding;
    let padId = padding?.padId;
    if (padId === undefined) {
      const specialPad = addedTokens.find((t) => t.special && /^(\[pad\]|<pad>|<\|pad\|>)$/i.test(t.content));
      padId = specialPad?.id ?? PAD_TOKENS.map((t) => this.tokenToId(t)).find((id) => id !== undefined);
    }
    this.padTokenId = padId;
  }

  static fromJSON(json: unknown, source = '<json>'): Tokenizer {
    return new Tokenizer(json, source);
  }

  static fromFile(path: string): Tokenizer {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new TokenizerConfigError(path, '', `cannot read the tokenizer file (${code}); check the path points at a tokenizer.json`, {
        cause: err,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new TokenizerConfigError(path, '', `is not valid JSON (${(err as Error).message}); expected a Hugging Face tokenizer.json`, {
        cause: err,
      });
    }
    return new Tokenizer(json, path);
  }

  tokenToId(token: string): number | undefined {
    return this.added.tokenToId(token) ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.added.idToToken(id) ?? this.model.idToToken(id);
  }

  /** The ids of the added tokens marked special ([CLS], [SEP], [PAD], [MASK]...), which masking leaves alone. */
  specialTokenIds(): Set<number> {
    return new Set(this.added.specialIds());
  }

  /** Tokens of one text with their offsets and word ids, before truncation and post-processing. */
  private encodeSingle(text: string, typeId: number): EncodingState {
    const pre = this.added.extractAndNormalize(this.normalizer, text);
    this.preTokenizer?.preTokenize(pre);
    pre.tokenize((piece) => this.model.tokenize(piece.normalized));
    return pre.intoEncoding(null, typeId);
  }

  private truncationParams(options: EncodeOptions): TruncationParams | null {
    const o = options.truncation;
    if (o === undefined) return this.truncation;
    if (o === null) return null;
    if (!Number.isInteger(o.maxLength) || o.maxLength < 0)
      throw new RangeError(`truncation.maxLength must be a non-negative integer, got ${o.maxLength}`);
    const stride = o.stride ?? 0;
    if (!Number.isInteger(stride) || stride < 0) throw new RangeError(`truncation.stride must be a non-negative integer, got ${stride}`);
    return { maxLength: o.maxLength, strategy: o.strategy ?? 'longest_first', stride, direction: o.direction ?? 'right' };
  }

  private paddingParams(options: EncodeOptions): PaddingParams | null {
    const o = options.padding;
    let p: PaddingParams | null;
    if (o === undefined) p = this.padding;
    else if (o === null) p = null;
    else {
      if (typeof o === 'object' && (!Number.isInteger(o.length) || o.length < 0)) {
        throw new RangeError(`padding.length must be a non-negative integer, got ${o.length}`);
      }
      p = {
        strategy: o,
        direction: this.padding?.direction ?? 'right',
        padToMultipleOf: this.padding?.padToMultipleOf,
        padId: this.padTokenId,
        padTypeId: this.padding?.padTypeId ?? 0,
        padToken: this.padding?.padToken,
      };
    }
    if (p === null) return null;
    if (p.padId === undefined) {
      throw new TokenizationError(
        `${this.source}: padding asked for, but the tokenizer has no pad token ([PAD], <pad>) and no padding section; add a pad token or pad outside the tokenizer`,
      );
    }
    return { ...p, padToMultipleOf: options.padToMultipleOf ?? p.padToMultipleOf, padToken: p.padToken ?? this.idToToken(p.padId) ?? '' };
  }

  /** tokenizers' truncate_encodings; `t.maxLength` already leaves room for the `added` special tokens. */
  private truncatePair(encoding: EncodingState, pair: EncodingState | null, t: TruncationParams, added: number): void {
    if (t.maxLength === 0) {
      encoding.truncate(0, t.stride, t.direction);
      pair?.truncate(0, t.stride, t.direction);
      return;
    }
    const total = encoding.length + (pair?.length ?? 0);
    if (total <= t.maxLength) return;
    const toRemove = total - t.maxLength;
    if (t.strategy === 'longest_first') {
      if (pair === null) {
        encoding.truncate(t.maxLength, t.stride, t.direction);
        return;
      }
      let n1 = encoding.length;
      let n2 = pair.length;
      const swap = n1 > n2;
      if (swap) [n1, n2] = [n2, n1];
      n2 = n1 > t.maxLength ? n1 : Math.max(n1, t.maxLength - n1);
      if (n1 + n2 > t.maxLength) {
        n1 = Math.floor(t.maxLength / 2);
        n2 = n1 + (t.maxLength % 2);
      }
      if (swap) [n1, n2] = [n2, n1];
      encoding.truncate(n1, t.stride, t.direction);
      pair.truncate(n2, t.stride, t.direction);
      return;
    }
    const target = t.strategy === 'only_first' ? encoding : pair;
    if (target === null) throw new TokenizationError(`truncation strategy "only_second" needs a text pair, but only one text was given`);
    if (target.length <= toRemove) {
      throw new TokenizationError(
        `truncation to maxLength ${t.maxLength + added} (${t.maxLength} once the ${added} special tokens are in) with strategy "${t.strategy}" would remove ${toRemove} tokens from a text that has only ${target.length}; raise maxLength or use "longest_first"`,
      );
    }
    target.truncate(target.length - toRemove, t.stride, t.direction);
  }

  private pad(encodings: readonly EncodingState[], p: PaddingParams): void {
    if (encodings.length === 0) return;
    let length = typeof p.strategy === 'object' ? p.strategy.length : Math.max(...encodings.map((e) => e.length));
    const multiple = p.padToMultipleOf;
    if (multiple !== undefined && multiple > 0 && length % multiple > 0) length += multiple - (length % multiple);
    for (const e of encodings) e.pad(length, p.padId!, p.padTypeId, p.padToken!, p.direction);
  }

  private encodeState(text: string, pair: string | undefined, options: EncodeOptions): EncodingState {
    const addSpecialTokens = options.addSpecialTokens ?? true;
    const encoding = this.encodeSingle(text, 0);
    const pairEncoding = pair === undefined ? null : this.encodeSingle(pair, 1);
    const t = this.truncationParams(options);
    if (t !== null) {
      const added = addSpecialTokens ? (this.postProcessor?.addedTokens(pairEncoding !== null) ?? 0) : 0;
      if (added > t.maxLength) {
        throw new TokenizationError(
          `truncation maxLength ${t.maxLength} leaves no room for the ${added} special tokens the post-processor adds`,
        );
      }
      this.truncatePair(encoding, pairEncoding, { ...t, maxLength: t.maxLength - added }, added);
    }
    const processed = postProcess(this.postProcessor, encoding, pairEncoding, addSpecialTokens);
    const p = this.paddingParams(options);
    if (p !== null) this.pad([processed], p);
    return processed;
  }

  /** Encodes a text, or a pair of texts (question and context, say), applying truncation and padding as asked. */
  encode(text: string, pair?: string, options: EncodeOptions = {}): Encoding {
    return this.encodeState(text, pair, options).toEncoding();
  }

  /** Encodes many inputs; with padding 'longest' they all come out as long as the longest. */
  encodeBatch(inputs: readonly (string | readonly [string, string])[], options: EncodeOptions = {}): Encoding[] {
    const states = inputs.map((input) =>
      typeof input === 'string' ? this.encodeState(input, undefined, options) : this.encodeState(input[0], input[1], options),
    );
    const p = this.paddingParams(options);
    if (p !== null) this.pad(states, p);
    return states.map((s) => s.toEncoding());
  }

  /** Text of a list of ids; ids the vocabulary does not know are left out. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const token = this.idToToken(id);
      if (token === undefined) continue;
      if (options.skipSpecialTokens && this.added.isSpecial(token)) continue;
      tokens.push(token);
    }
    return this.decoder === null ? tokens.join(' ') : this.decoder.decodeChain(tokens).join('');
  }
}
