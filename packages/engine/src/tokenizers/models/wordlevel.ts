// WordLevel: a plain word -> id lookup, with an unk token for words outside the vocabulary.

import { type Section, TokenizationError } from '../config.ts';
import type { Token } from '../pre-tokenized-string.ts';
import { readVocabMap } from './model.ts';
import { VocabModel } from './vocab-model.ts';

/** WordLevel: each word is one token, or the unk token. */
export class WordLevel extends VocabModel {
  private readonly unkToken: string;

  constructor(vocab: Map<string, number>, unkToken: string) {
    super(vocab);
    this.unkToken = unkToken;
  }

  override tokenize(word: string): Token[] {
    const id = this.vocab.get(word);
    if (id !== undefined) return [{ id, value: word, offsets: [0, word.length] }];
    const unk = this.vocab.get(this.unkToken);
    if (unk === undefined) {
      throw new TokenizationError(
        `WordLevel cannot encode "${word.slice(0, 40)}": its unk token "${this.unkToken}" is not in the vocabulary`,
      );
    }
    return [{ id: unk, value: this.unkToken, offsets: [0, word.length] }];
  }
}

export function readWordLevel(section: Section): WordLevel {
  return new WordLevel(readVocabMap(section, 'vocab'), section.string('unk_token', '<unk>'));
}
