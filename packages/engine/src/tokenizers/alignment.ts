// Labels from character spans and word labels: extractive-QA answer positions and token-classification targets.

import type { Encoding } from './encoding.ts';

/**
 * Inclusive token indices [first, last] covering the character span [start, end) of one sequence of `enc`
 * (UTF-16 offsets into that sequence's text), for extractive-QA start/end labels. Null when the span is not
 * wholly inside this encoding: truncated away, or only partly inside this overflowing window.
 *
 * For a span that starts and ends on non-space characters this is transformers' `char_to_token(start)` and
 * `char_to_token(end - 1)`; a span edge on whitespace moves inwards to the nearest token.
 */
export function charSpanToTokenSpan(enc: Encoding, start: number, end: number, sequence = 0): [number, number] | null {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
    throw new RangeError(`charSpanToTokenSpan needs 0 <= start < end (integers), got [${start}, ${end})`);
  }
  let first = -1;
  let last = -1;
  let coveredFrom = Number.POSITIVE_INFINITY;
  let coveredTo = -1;
  for (let i = 0; i < enc.ids.length; i++) {
    if (enc.sequenceIds[i] !== sequence || enc.specialTokensMask[i] === 1) continue;
    const [s, e] = enc.offsets[i]!;
    if (s === e) continue;
    coveredFrom = Math.min(coveredFrom, s);
    coveredTo = Math.max(coveredTo, e);
    if (first < 0 && e > start) first = i;
    if (s < end) last = i;
  }
  if (first < 0 || last < first || coveredFrom > start || coveredTo < end) return null;
  return [first, last];
}

export interface AlignWordLabelsOptions {
  /** Give every sub-token of a word the word's label, not only the first. @default false */
  labelAllSubtokens?: boolean;
  /** Label for tokens the loss should skip: special tokens, padding, later sub-tokens. @default -100 */
  ignoreIndex?: number;
}

/**
 * Token-classification labels from per-word labels, indexed by the encoding's word ids (pre-tokenized words of
 * the first text): the first sub-token of each word gets the word's label, other sub-tokens, special tokens,
 * padding and tokens of a second text get `ignoreIndex` (transformers' run_ner convention).
 */
export function alignWordLabels(enc: Encoding, wordLabels: readonly number[], options: AlignWordLabelsOptions = {}): number[] {
  const ignore = options.ignoreIndex ?? -100;
  const all = options.labelAllSubtokens ?? false;
  let previous: number | null = null;
  return enc.wordIds.map((word, i) => {
    if (word === null || enc.sequenceIds[i] !== 0) {
      previous = null;
      return ignore;
    }
    const label = wordLabels[word];
    if (label === undefined) {
      throw new RangeError(
        `token ${i} ("${enc.tokens[i]}") belongs to word ${word}, but wordLabels has only ${wordLabels.length} labels; give one label per pre-tokenized word`,
      );
    }
    const isFirst = word !== previous;
    previous = word;
    return isFirst || all ? label : ignore;
  });
}
