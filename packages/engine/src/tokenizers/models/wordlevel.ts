// WordLevel: a plain word -> id lookup, with an unk token for words outside the vocabulary.

import { type Section, TokenizationError } from '../config.ts';
import type { Token } from '../pre-tokenized-string.ts';
import { type Model, readVocabMap, reverseVocab } from './model.ts';

/** WordLevel: each word is one token, or the unk token. */
export class WordLevel implements Model {
  private readonly vocab: Map<string, number>;
  private readonly vocabR: Map<number, string>;
  private readonly unkToken: string;

  constructor(vocab: Map<string, number>, unkToken: string) {
    this.vocab = vocab;
    this.vocabR = reverseVocab(vocab);
    this.unkToken = unkToken;
  }

  tokenize(word: string): Token[] {
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

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocabR.get(id);
  }

  entries(): Iterable<[string, number]> {
    return this.vocab.entries();
  }
}

export function readWordLevel(section: Section): WordLevel {
  return new WordLevel(readVocabMap(section, 'vocab'), section.string('unk_token', '<unk>'));
}
