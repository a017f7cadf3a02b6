// Normalizers from tokenizer.json: each rewrites a NormalizedString in place, keeping its alignment to the original.

import { BYTE_TO_CHAR } from './byte-level.ts';
import { isBertNonspacingMark, isBertRemovable, isBertWhitespace, isChineseChar, isCombiningMark, isWhitespace } from './char-classes.ts';
import { type Section, TokenizerConfigError } from './config.ts';
import { literalPattern, type NormalizedString, type Pattern, regexPattern } from './normalized-string.ts';
import { compileOnigPattern, UnsupportedRegexError } from './regex.ts';

export interface Normalizer {
  normalize(s: NormalizedString): void;
}

const NORMALIZER_TYPES = [
  'BertNormalizer',
  'Lowercase',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'StripAccents',
  'Strip',
  'Replace',
  'Prepend',
  'ByteLevel',
  'Sequence',
] as const;

/** BERT's cleanup: drop control characters, unify whitespace, space out CJK ideographs, strip accents, lowercase. */
function bertNormalizer(cleanText: boolean, handleChineseChars: boolean, stripAccents: boolean, lowercase: boolean): Normalizer {
  return {
    normalize(s) {
      if (cleanText) {
        s.filter((cp) => !isBertRemovable(cp));
        s.mapChars((cp) => (cp !== 0x20 && isBertWhitespace(cp) ? ' ' : null));
      }
      if (handleChineseChars && /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ud840-\ud87e]/.test(s.normalized)) {
        let text = '';
        const changes: number[] = [];
        for (const ch of s.normalized) {
          if (isChineseChar(ch.codePointAt(0)!)) {
            // The leading space is inserted (aligned with the character before), the trailing one follows the ideograph.
            text += ` ${ch} `;
            changes.push(1, 0, 1);
          } else {
            text += ch;
            changes.push(0);
          }
        }
        s.transform(text, changes, 0);
      }
      if (stripAccents) {
        s.normalize('NFD');
        s.filter((cp) => !isBertNonspacingMark(cp));
      }
      if (lowercase) s.lowercase();
    },
  };
}

/** A Split/Replace pattern: `{ String: "..." }` or `{ Regex: "..." }`. */
export function readPattern(section: Section, key: string): Pattern {
  const p = section.object(key);
  if (p.has('String')) return literalPattern(p.string('String'));
  if (p.has('Regex')) {
    try {
      return regexPattern(compileOnigPattern(p.string('Regex')));
    } catch (err) {
      if (err instanceof UnsupportedRegexError) p.fail('Regex', `${err.message}; this port runs patterns as JS regular expressions`);
      throw err;
    }
  }
  return section.fail(key, 'must be {"String": ...} or {"Regex": ...}');
}

export function buildNormalizer(section: Section): Normalizer {
  const type = section.type('normalizer', NORMALIZER_TYPES);
  switch (type) {
    case 'BertNormalizer': {
      const lowercase = section.bool('lowercase', true);
      return bertNormalizer(
        section.bool('clean_text', true),
        section.bool('handle_chinese_chars', true),
        section.has('strip_accents') ? section.bool('strip_accents') : lowercase,
        lowercase,
      );
    }
    case 'Lowercase':
      return { normalize: (s) => s.lowercase() };
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return { normalize: (s) => s.normalize(type) };
    case 'StripAccents':
      return { normalize: (s) => s.filter((cp) => !isCombiningMark(cp)) };
    case 'Strip': {
      const left = section.bool('strip_left', true);
      const right = section.bool('strip_right', true);
      return { normalize: (s) => s.strip(left, right, isWhitespace) };
    }
    case 'Replace': {
      const pattern = readPattern(section, 'pattern');
      const content = section.string('content');
      return { normalize: (s) => s.replace(pattern, content) };
    }
    case 'Prepend': {
      const prefix = section.string('prepend');
      return { normalize: (s) => s.prepend(prefix) };
    }
    case 'ByteLevel':
      return { normalize: (s) => s.mapChars(byteLevelChars) };
    case 'Sequence': {
      const list = section.array('normalizers');
      const parts = list.map((_, i) => buildNormalizer(section.item('normalizers', list, i)));
      return {
        normalize(s) {
          for (const n of parts) n.normalize(s);
        },
      };
    }
  }
  throw new TokenizerConfigError(section.source, section.at('type'), `unhandled normalizer type "${type}"`);
}

const encoder = new TextEncoder();

/** The byte-level alphabet spelling of one character (its UTF-8 bytes as printable characters). */
export function byteLevelChars(cp: number): string {
  if (cp < 0x80) return BYTE_TO_CHAR[cp]!;
  let out = '';
  for (const b of encoder.encode(String.fromCodePoint(cp))) out += BYTE_TO_CHAR[b]!;
  return out;
}
