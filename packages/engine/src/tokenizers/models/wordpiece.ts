// WordPiece (BERT): greedy longest-match-first over the vocabulary, with a prefix on word-internal pieces.

import { type Section, TokenizationError } from '../config.ts';
import type { Token } from '../pre-tokenized-string.ts';
import { readVocabMap } from './model.ts';
import { VocabModel } from './vocab-model.ts';

export class WordPiece extends VocabModel {
  private readonly unkToken: string;
  private readonly prefix: string;
  private readonly maxInputCharsPerWord: number;
  /** Longest word-initial piece and longest continuation (without its prefix), in UTF-16 units: longer candidates cannot match. */
  private readonly longestFirst: number;
  private readonly longestContinuation: number;

  constructor(vocab: Map<string, number>, unkToken: string, prefix: string, maxInputCharsPerWord: number) {
    super(vocab);
    this.unkToken = unkToken;
    this.prefix = prefix;
    this.maxInputCharsPerWord = maxInputCharsPerWord;
    let first = 0;
    let continuation = 0;
    for (const token of vocab.keys()) {
      first = Math.max(first, token.length);
      if (token.startsWith(prefix)) continuation = Math.max(continuation, token.length - prefix.length);
    }
    this.longestFirst = first;
    this.longestContinuation = continuation;
  }

  private unk(word: string): Token[] {
    const id = this.vocab.get(this.unkToken);
    if (id === undefined) {
      throw new TokenizationError(
        `WordPiece cannot encode "${word.slice(0, 40)}": its unk token "${this.unkToken}" is not in the vocabulary; add it to model.vocab`,
      );
    }
    return [{ id, value: this.unkToken, offsets: [0, word.length] }];
  }

  override tokenize(word: string): Token[] {
    let chars = 0;
    for (let i = 0; i < word.length; i++) {
      const u = word.charCodeAt(i);
      if (u < 0xdc00 || u > 0xdfff) chars++;
    }
    if (chars > this.maxInputCharsPerWord) return this.unk(word);
    const tokens: Token[] = [];
    let start = 0;
    while (start < word.length) {
      let end = Math.min(word.length, start + (start > 0 ? this.longestContinuation : this.longestFirst));
      // Keep surrogate pairs whole.
      if (end < word.length && end > start && word.charCodeAt(end - 1) >= 0xd800 && word.charCodeAt(end - 1) <= 0xdbff) end--;
      let found: Token | null = null;
      while (start < end) {
        const piece = start > 0 ? this.prefix + word.slice(start, end) : word.slice(start, end);
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = { id, value: piece, offsets: [start, end] };
          break;
        }
        const last = word.charCodeAt(end - 1);
        end -= last >= 0xdc00 && last <= 0xdfff && end - 2 >= start ? 2 : 1;
      }
      if (found === null) return this.unk(word);
      tokens.push(found);
      start = end;
    }
    return tokens;
  }
}

export function readWordPiece(section: Section): WordPiece {
  return new WordPiece(
    readVocabMap(section, 'vocab'),
    section.string('unk_token', '[UNK]'),
    section.string('continuing_subword_prefix', '##'),
    section.int('max_input_chars_per_word', 100),
  );
}
