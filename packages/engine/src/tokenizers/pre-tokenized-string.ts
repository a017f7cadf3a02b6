// The input text as a list of pieces (words) that normalization and pre-tokenization split further and the model tokenizes.

import { EncodingState } from './encoding.ts';
import { NormalizedString, type Offsets } from './normalized-string.ts';

/** A model token: id, string, and [start, end) within the normalized piece it came from. */
export interface Token {
  id: number;
  value: string;
  offsets: Offsets;
}

/** One piece of the input; `tokens` is set once the piece is tokenized (added tokens come pre-tokenized). */
export interface Split {
  normalized: NormalizedString;
  tokens: Token[] | null;
}

export class PreTokenizedString {
  readonly original: string;
  splits: Split[];

  constructor(text: string) {
    this.original = text;
    this.splits = [{ normalized: NormalizedString.fromText(text), tokens: null }];
  }

  /** Replaces every untokenized piece by what `fn` makes of it, dropping empty pieces (tokenizers' split). */
  split(fn: (index: number, piece: NormalizedString) => readonly (NormalizedString | Split)[]): void {
    const next: Split[] = [];
    this.splits.forEach((split, i) => {
      if (split.tokens !== null) {
        next.push(split);
        return;
      }
      for (const piece of fn(i, split.normalized)) {
        const s: Split = piece instanceof NormalizedString ? { normalized: piece, tokens: null } : piece;
        if (!s.normalized.isEmpty()) next.push(s);
      }
    });
    this.splits = next;
  }

  normalize(fn: (piece: NormalizedString) => void): void {
    for (const split of this.splits) if (split.tokens === null) fn(split.normalized);
  }

  tokenize(fn: (piece: NormalizedString) => Token[]): void {
    for (const split of this.splits) if (split.tokens === null) split.tokens = fn(split.normalized);
  }

  /** Tokens with offsets into the original text; each piece is one word unless `wordIndex` says otherwise. */
  intoEncoding(wordIndex: number | null, typeId: number): EncodingState {
    const enc = new EncodingState();
    enc.text = this.original;
    this.splits.forEach((split, index) => {
      const n = split.normalized;
      for (const token of split.tokens ?? []) {
        const [s, e] = token.offsets;
        // An out-of-range token keeps its own offsets, as tokenizers does.
        const offsets = n.originalRange(s, e) ?? [s, e];
        enc.push(token.id, token.value, offsets, wordIndex ?? index, typeId);
      }
    });
    return enc;
  }
}
