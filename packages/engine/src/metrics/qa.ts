// Extractive question answering: SQuAD v1.1 exact match and F1, and picking the answer span from start/end logits.

import { MetricInputError } from './errors.ts';

// Python's string.punctuation: ASCII only, so accented and CJK punctuation survive normalization there too.
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's \w on str is Unicode-aware (letters, numbers, underscore); JS \b is ASCII-only, so spell it out.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
// The characters Python's str.split() splits on: JS \s adds U+FEFF and lacks U+001C..U+001F and U+0085.
const WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** The official SQuAD normalization: lowercase, drop punctuation, drop articles a/an/the, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  let s = '';
  for (const ch of text.toLowerCase()) if (!PUNCTUATION.has(ch)) s += ch;
  return answerTokens(s.replace(ARTICLES, ' ')).join(' ');
}

/** Python's str.split() with no argument: runs of whitespace separate, and no token is empty. */
function answerTokens(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const ch of text) {
    if (WHITESPACE.has(ch.codePointAt(0) as number)) {
      if (current) tokens.push(current);
      current = '';
    } else current += ch;
  }
  if (current) tokens.push(current);
  return tokens;
}

/** 1 when the normalized strings are equal, else 0. */
export function exactMatch(prediction: string, groundTruth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth) ? 1 : 0;
}

/** Bag-of-tokens F1 between normalized answers; 0 when they share no token (both empty included, as v1.1 has it). */
export function tokenF1(prediction: string, groundTruth: string): number {
  const p = answerTokens(normalizeAnswer(prediction));
  const g = answerTokens(normalizeAnswer(groundTruth));
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      same++;
      counts.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** One example's score: the best over its gold answers, as the official script's metric_max_over_ground_truths. */
export function maxOverGroundTruths(score: (p: string, g: string) => number, prediction: string, groundTruths: readonly string[]): number {
  if (groundTruths.length === 0) throw new MetricInputError('squad', 'an example has no gold answers; SQuAD scores need at least one');
  let best = Number.NEGATIVE_INFINITY;
  for (const g of groundTruths) best = Math.max(best, score(prediction, g));
  return best;
}

/** Streaming SQuAD v1.1 scores; like the official evaluate-v1.1.py, the totals are percentages (0..100). */
export class SquadAccumulator {
  private exact = 0;
  private f1 = 0;
  private total = 0;

  add(predictions: readonly string[], references: readonly (readonly string[])[]): void {
    if (predictions.length !== references.length)
      throw new MetricInputError('squad', `${predictions.length} predictions but ${references.length} lists of gold answers`);
    references.forEach((gold, i) => {
      if (gold.length === 0) throw new MetricInputError('squad', `references[${i}] has no gold answers; SQuAD scores need at least one`);
    });
    predictions.forEach((p, i) => {
      const gold = references[i] as readonly string[];
      this.exact += maxOverGroundTruths(exactMatch, p, gold);
      this.f1 += maxOverGroundTruths(tokenF1, p, gold);
    });
    this.total += predictions.length;
  }

  /** exact_match and f1 in percent; NaN with no examples (the official script divides by zero). */
  compute(): { exact_match: number; f1: number } {
    if (this.total === 0) return { exact_match: Number.NaN, f1: Number.NaN };
    return { exact_match: (100 * this.exact) / this.total, f1: (100 * this.f1) / this.total };
  }
}

/** SQuAD v1.1 exact_match and f1 (percent) of predictions against their lists of gold answers. */
export function squadScores(
  predictions: readonly string[],
  references: readonly (readonly string[])[],
): { exact_match: number; f1: number } {
  const acc = new SquadAccumulator();
  acc.add(predictions, references);
  return acc.compute();
}

/** A candidate answer: token positions, `end` inclusive, and start logit + end logit. */
export interface Span {
  start: number;
  end: number;
  score: number;
}

export interface SpanOptions {
  /** Longest answer in tokens, end - start + 1. @default 30 */
  maxAnswerLength?: number;
  /** How many top start and top end positions are paired, and how many spans come back. @default 20 */
  nBest?: number;
  /** Positions that may start or end an answer (context tokens); others, such as question tokens, are skipped. */
  validMask?: ArrayLike<boolean | number>;
}

/** Indices of the k largest values, largest first; ties go to the lower index, NaN never qualifies. */
function topK(values: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) idx.push(i);
  idx.sort((a, b) => (values[b] as number) - (values[a] as number) || a - b);
  return idx.slice(0, k);
}

/**
 * The best answer spans, best first, as transformers' run_qa postprocessing finds them: pair each of the
 * nBest highest start logits with each of the nBest highest end logits, drop pairs that end before they start,
 * run longer than maxAnswerLength or touch a masked position, and rank by start + end logit. Only the top
 * nBest positions on each side are considered (that is the postprocessing's approximation), so a valid span
 * built from lower-ranked positions can be missed; raise nBest to the sequence length for the exact best.
 * Equal scores keep the order the pairs were formed in.
 */
export function nBestSpans(startLogits: ArrayLike<number>, endLogits: ArrayLike<number>, options: SpanOptions = {}): Span[] {
  const maxLength = options.maxAnswerLength ?? 30;
  const nBest = options.nBest ?? 20;
  const mask = options.validMask;
  if (startLogits.length !== endLogits.length)
    throw new MetricInputError('bestSpan', `${startLogits.length} start logits but ${endLogits.length} end logits`);
  if (mask && mask.length !== startLogits.length)
    throw new MetricInputError('bestSpan', `validMask has ${mask.length} entries for ${startLogits.length} positions`);
  if (!(Number.isSafeInteger(maxLength) && maxLength > 0))
    throw new MetricInputError('bestSpan', `maxAnswerLength must be a positive integer, got ${maxLength}`);
  if (!(Number.isSafeInteger(nBest) && nBest > 0)) throw new MetricInputError('bestSpan', `nBest must be a positive integer, got ${nBest}`);
  const ok = (i: number): boolean => !mask || Boolean(mask[i]);
  const spans: Span[] = [];
  const ends = topK(endLogits, nBest);
  for (const start of topK(startLogits, nBest)) {
    if (!ok(start)) continue;
    for (const end of ends) {
      if (!ok(end) || end < start || end - start + 1 > maxLength) continue;
      spans.push({ start, end, score: (startLogits[start] as number) + (endLogits[end] as number) });
    }
  }
  // Array.prototype.sort is stable, as Python's sorted is, so ties keep their pairing order.
  spans.sort((a, b) => b.score - a.score);
  return spans.slice(0, nBest);
}

/** The highest-scoring valid span (see nBestSpans), or undefined when no pair is valid. */
export function bestSpan(startLogits: ArrayLike<number>, endLogits: ArrayLike<number>, options: SpanOptions = {}): Span | undefined {
  return nBestSpans(startLogits, endLogits, options)[0];
}
