// Pre-tokenizers from tokenizer.json: each splits the pieces of a PreTokenizedString into smaller ones (words).

import { isBertPunctuation, isWhitespace, RUST_WORD_CLASS, WHITESPACE_CLASS } from './char-classes.ts';
import { type Section, TokenizerConfigError } from './config.ts';
import {
  charPattern,
  invertPattern,
  type NormalizedString,
  type Pattern,
  regexPattern,
  SPLIT_BEHAVIORS,
  type SplitBehavior,
} from './normalized-string.ts';
import { byteLevelChars, readPattern } from './normalizers.ts';
import type { PreTokenizedString } from './pre-tokenized-string.ts';
import { compileOnigPattern, GPT2_PATTERN } from './regex.ts';

export interface PreTokenizer {
  preTokenize(s: PreTokenizedString): void;
}

const PRE_TOKENIZER_TYPES = [
  'BertPreTokenizer',
  'Whitespace',
  'WhitespaceSplit',
  'ByteLevel',
  'Metaspace',
  'Split',
  'Punctuation',
  'Digits',
  'CharDelimiterSplit',
  'Sequence',
] as const;

const whitespaceChars = charPattern(isWhitespace);
const punctuationChars = charPattern(isBertPunctuation);
const gpt2Words = regexPattern(compileOnigPattern(GPT2_PATTERN));
// tokenizers' Whitespace pre-tokenizer uses the Rust regex crate, whose \w and \s are Unicode-wide.
const wordsOrSymbols = invertPattern(regexPattern(new RegExp(`[${RUST_WORD_CLASS}]+|[^${RUST_WORD_CLASS}${WHITESPACE_CLASS}]+`, 'gu')));

const NUMERIC = /^\p{N}$/u;

/** Rust `char::is_numeric` (general categories Nd, Nl, No). */
const isNumeric = (cp: number): boolean => (cp < 0x80 ? cp >= 0x30 && cp <= 0x39 : NUMERIC.test(String.fromCodePoint(cp)));

const splitWith =
  (pattern: Pattern, behavior: SplitBehavior): PreTokenizer['preTokenize'] =>
  (s) =>
    s.split((_, piece) => piece.split(pattern, behavior));

/** ByteLevel: optional leading space, GPT-2 word split, then every character spelled as its UTF-8 bytes. */
function byteLevel(addPrefixSpace: boolean, useRegex: boolean): PreTokenizer {
  return {
    preTokenize(s) {
      s.split((_, piece) => {
        if (addPrefixSpace && !piece.normalized.startsWith(' ')) piece.prepend(' ');
        return useRegex ? piece.split(gpt2Words, 'Isolated') : [piece];
      });
      s.normalize((piece) => piece.mapChars(byteLevelChars));
    },
  };
}

export type PrependScheme = 'always' | 'never' | 'first';

/** Reads Metaspace's prepend_scheme, or the older add_prefix_space flag it replaced. */
export function readPrependScheme(section: Section): PrependScheme {
  if (section.has('prepend_scheme')) return section.oneOf('prepend_scheme', ['always', 'never', 'first'] as const);
  return section.bool('add_prefix_space', true) ? 'always' : 'never';
}

/** Metaspace: spaces become the replacement character, which may be prepended, and words split before it. */
function metaspace(replacement: string, scheme: PrependScheme, split: boolean): PreTokenizer {
  const spaces = charPattern((cp) => cp === 0x20);
  const replacementCp = replacement.codePointAt(0)!;
  const atReplacement = charPattern((cp) => cp === replacementCp);
  return {
    preTokenize(s) {
      s.split((_, piece: NormalizedString) => {
        piece.replace(spaces, replacement);
        if (scheme !== 'never' && !piece.normalized.startsWith(replacement)) {
          if (scheme === 'always' || piece.originalStart === 0) piece.prepend(replacement);
        }
        return split ? piece.split(atReplacement, 'MergedWithNext') : [piece];
      });
    },
  };
}

export function buildPreTokenizer(section: Section): PreTokenizer {
  const type = section.type('pre-tokenizer', PRE_TOKENIZER_TYPES);
  switch (type) {
    case 'BertPreTokenizer':
      return {
        preTokenize(s) {
          s.split((_, piece) => piece.split(whitespaceChars, 'Removed'));
          s.split((_, piece) => piece.split(punctuationChars, 'Isolated'));
        },
      };
    case 'Whitespace':
      return { preTokenize: splitWith(wordsOrSymbols, 'Removed') };
    case 'WhitespaceSplit':
      return { preTokenize: splitWith(whitespaceChars, 'Removed') };
    case 'ByteLevel':
      return byteLevel(section.bool('add_prefix_space', true), section.bool('use_regex', true));
    case 'Metaspace':
      return metaspace(section.char('replacement', '\u2581'), readPrependScheme(section), section.bool('split', true));
    case 'Split': {
      const pattern = readPattern(section, 'pattern');
      const behavior = section.oneOf('behavior', SPLIT_BEHAVIORS);
      return { preTokenize: splitWith(section.bool('invert', false) ? invertPattern(pattern) : pattern, behavior) };
    }
    case 'Punctuation':
      return { preTokenize: splitWith(punctuationChars, section.oneOf('behavior', SPLIT_BEHAVIORS, 'Isolated')) };
    case 'Digits': {
      const digits = charPattern(isNumeric);
      return { preTokenize: splitWith(digits, section.bool('individual_digits', false) ? 'Isolated' : 'Contiguous') };
    }
    case 'CharDelimiterSplit': {
      const delimiter = section.char('delimiter').codePointAt(0)!;
      return {
        preTokenize: splitWith(
          charPattern((cp) => cp === delimiter),
          'Removed',
        ),
      };
    }
    case 'Sequence': {
      const list = section.array('pretokenizers');
      const parts = list.map((_, i) => buildPreTokenizer(section.item('pretokenizers', list, i)));
      return {
        preTokenize(s) {
          for (const p of parts) p.preTokenize(s);
        },
      };
    }
  }
  throw new TokenizerConfigError(section.source, section.at('type'), `unhandled pre-tokenizer type "${type}"`);
}
