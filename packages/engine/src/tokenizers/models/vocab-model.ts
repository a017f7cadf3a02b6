// The token <-> id lookups shared by the models whose vocabulary is a plain `{ token: id }` map (BPE, WordPiece, WordLevel).

import type { Token } from '../pre-tokenized-string.ts';
import type { Model } from './model.ts';

/** A model backed by a token -> id map; subclasses supply only the tokenization. */
export abstract class VocabModel implements Model {
  protected readonly vocab: Map<string, number>;
  protected readonly vocabR = new Map<number, string>();

  constructor(vocab: Map<string, number>) {
    this.vocab = vocab;
    // Where two tokens share an id, the later one wins, as in the vocabulary object's order.
    for (const [token, id] of vocab) this.vocabR.set(id, token);
  }

  abstract tokenize(word: string): Token[];

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
