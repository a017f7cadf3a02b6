// Character predicates with the exact membership Hugging Face tokenizers uses, decoded from the generated tables.

import {
  BERT_CONTROL,
  BERT_NONSPACING_MARK,
  BERT_PUNCTUATION,
  BERT_WHITESPACE,
  COMBINING_CLASS,
  COMBINING_MARK,
  WHITESPACE,
} from './unicode-tables.ts';

/** Sorted inclusive ranges, looked up by binary search; ASCII answers come from a 128-entry table. */
class CodePointSet {
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly values: Int32Array;
  private readonly ascii = new Int32Array(128);

  constructor(encoded: string, valued = false) {
    const items = encoded === '' ? [] : encoded.split(',');
    this.starts = new Int32Array(items.length);
    this.ends = new Int32Array(items.length);
    this.values = new Int32Array(items.length);
    let prev = 0;
    items.forEach((item, i) => {
      const [range = '', value = '1'] = valued ? item.split(':') : [item];
      const [gap = '0', length = '0'] = range.split('+');
      const start = prev + Number.parseInt(gap, 36);
      const end = start + Number.parseInt(length, 36);
      this.starts[i] = start;
      this.ends[i] = end;
      this.values[i] = Number.parseInt(value, 36);
      prev = end;
    });
    for (let cp = 0; cp < 128; cp++) this.ascii[cp] = this.lookup(cp);
  }

  private lookup(cp: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < this.starts[mid]!) hi = mid - 1;
      else if (cp > this.ends[mid]!) lo = mid + 1;
      else return this.values[mid]!;
    }
    return 0;
  }

  /** The value stored for `cp` (1 for plain sets), 0 when absent. */
  get(cp: number): number {
    return cp < 128 ? this.ascii[cp]! : this.lookup(cp);
  }

  has(cp: number): boolean {
    return this.get(cp) !== 0;
  }
}

const bertControl = new CodePointSet(BERT_CONTROL);
const bertWhitespace = new CodePointSet(BERT_WHITESPACE);
const bertPunctuation = new CodePointSet(BERT_PUNCTUATION);
const whitespace = new CodePointSet(WHITESPACE);
const bertNonspacing = new CodePointSet(BERT_NONSPACING_MARK);
const combiningMark = new CodePointSet(COMBINING_MARK);
const combiningClasses = new CodePointSet(COMBINING_CLASS, true);

/** Rust `char::is_whitespace` (Unicode White_Space). */
export const isWhitespace = (cp: number): boolean => cp === 0x20 || whitespace.has(cp);

/** What BertNormalizer's clean_text deletes: NUL, U+FFFD and its control/format/private-use set. */
export const isBertRemovable = (cp: number): boolean => cp === 0 || cp === 0xfffd || bertControl.has(cp);

/** What BertNormalizer's clean_text turns into a plain space. */
export const isBertWhitespace = (cp: number): boolean => cp === 0x20 || bertWhitespace.has(cp);

/** BertPreTokenizer / Punctuation: ASCII punctuation and Unicode punctuation (tokenizers' table). */
export const isBertPunctuation = (cp: number): boolean => bertPunctuation.has(cp);

/** BertNormalizer's strip_accents filter (Mn). */
export const isBertNonspacingMark = (cp: number): boolean => bertNonspacing.has(cp);

/** The StripAccents normalizer's filter (any mark). */
export const isCombiningMark = (cp: number): boolean => combiningMark.has(cp);

/** Canonical combining class; 0 for starters. */
export const combiningClass = (cp: number): number => combiningClasses.get(cp);

/** BERT's "Chinese character": the CJK ideograph blocks, which BertNormalizer isolates with spaces. */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Unicode White_Space as a regex class body (no brackets), for translating `\s` the way Oniguruma and Rust read it. */
export const WHITESPACE_CLASS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Rust regex's Unicode `\w` as a class body. */
export const RUST_WORD_CLASS = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

/** Oniguruma's Unicode `\w` as a class body. */
export const ONIG_WORD_CLASS = '\\p{L}\\p{M}\\p{Nd}\\p{Pc}';
