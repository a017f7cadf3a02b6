// The model interface (one pre-tokenized word in, tokens out) and the factory that reads a tokenizer.json `model` section.

import { type Section, TokenizerConfigError } from '../config.ts';
import type { Token } from '../pre-tokenized-string.ts';
import { readBpe } from './bpe.ts';
import { readUnigram } from './unigram.ts';
import { readWordLevel } from './wordlevel.ts';
import { readWordPiece } from './wordpiece.ts';

export interface Model {
  /** Tokens of one pre-tokenized word, with offsets into that word. */
  tokenize(word: string): Token[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Every token of the vocabulary with its id. */
  entries(): Iterable<[string, number]>;
}

const MODEL_TYPES = ['WordPiece', 'BPE', 'Unigram', 'WordLevel'] as const;

export function buildModel(section: Section): Model {
  // Files written by old versions of tokenizers omit the model's type; infer it the way the library does.
  let type: string;
  if (section.has('type')) type = section.type('model', MODEL_TYPES);
  else if (section.has('merges')) type = 'BPE';
  else if (section.has('continuing_subword_prefix') || section.has('max_input_chars_per_word')) type = 'WordPiece';
  else if (section.has('unk_id') || Array.isArray(section.raw.vocab)) type = 'Unigram';
  else type = 'WordLevel';
  switch (type) {
    case 'WordPiece':
      return readWordPiece(section);
    case 'BPE':
      return readBpe(section);
    case 'Unigram':
      return readUnigram(section);
    case 'WordLevel':
      return readWordLevel(section);
  }
  throw new TokenizerConfigError(section.source, section.at('type'), `unhandled model type "${type}"`);
}

/** A `{ token: id }` vocabulary object, checked. */
export function readVocabMap(section: Section, key: string): Map<string, number> {
  const raw = section.object(key).raw;
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      section.fail(`${key}.${token}`, `token ids must be non-negative integers, got ${JSON.stringify(id)}`);
    }
    vocab.set(token, id);
  }
  return vocab;
}

/** SentencePiece's byte-fallback token for one byte, e.g. `<0x0A>`. */
export const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
