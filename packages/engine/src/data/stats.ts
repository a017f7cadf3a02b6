// Dataset statistics for choosing maxLength and checking balance: rows, label counts, token lengths, truncation.

import type { DatasetRecord } from './validate.ts';

export interface LengthStats {
  min: number;
  mean: number;
  /** Median, interpolated (numpy's default percentile). */
  p50: number;
  p95: number;
  max: number;
}

export interface SplitStats {
  rows: number;
  /** Rows per label name (classification) or words per tag (token classification). */
  labels?: Record<string, number>;
  /** Regression targets. */
  scores?: { min: number; mean: number; max: number };
  /** Tokens per example before truncation, special tokens included. */
  tokens: LengthStats;
  /** Examples longer than maxLength, which lost tokens. */
  truncated: number;
  /** Causal LM: rows that are conversations (rendered with a chat template); absent when none are. */
  conversations?: number;
}

export interface DatasetStats extends SplitStats {
  maxLength: number;
  splits: { train: SplitStats; validation: SplitStats; test: SplitStats };
}

/** Linear interpolation between closest ranks (numpy.percentile's default), on sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function lengthStats(lengths: readonly number[]): LengthStats {
  if (lengths.length === 0) return { min: 0, mean: 0, p50: 0, p95: 0, max: 0 };
  const sorted = [...lengths].sort((a, b) => a - b);
  return {
    min: sorted[0] as number,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted[sorted.length - 1] as number,
  };
}

/** Statistics of one split from its records and their untruncated token lengths. */
export function splitStats(
  records: readonly DatasetRecord[],
  lengths: readonly number[],
  truncated: number,
  labels?: readonly string[],
): SplitStats {
  const stats: SplitStats = { rows: records.length, tokens: lengthStats(lengths), truncated };
  let conversations = 0;
  for (const r of records) if (r.task === 'causal-lm' && 'messages' in r) conversations++;
  if (conversations) stats.conversations = conversations;
  if (labels) {
    const counts: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
    const bump = (id: number): void => {
      const name = labels[id] as string;
      counts[name] = (counts[name] ?? 0) + 1;
    };
    for (const r of records) {
      if (r.task === 'sequence-classification') bump(r.label);
      else if (r.task === 'token-classification') for (const t of r.tags) bump(t);
    }
    stats.labels = counts;
  }
  const scores = records.flatMap((r) => (r.task === 'regression' ? [r.score] : []));
  if (scores.length > 0) {
    // A loop, not Math.min(...scores): spreading a large array overflows the call stack.
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (const s of scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
      sum += s;
    }
    stats.scores = { min, mean: sum / scores.length, max };
  }
  return stats;
}

/** The whole dataset's statistics, from its splits' (lengths are combined, label counts summed). */
export function datasetStats(
  parts: { train: SplitPart; validation: SplitPart; test: SplitPart },
  maxLength: number,
  labels?: readonly string[],
): DatasetStats {
  const train = splitStats(parts.train.records, parts.train.lengths, parts.train.truncated, labels);
  const validation = splitStats(parts.validation.records, parts.validation.lengths, parts.validation.truncated, labels);
  const test = splitStats(parts.test.records, parts.test.lengths, parts.test.truncated, labels);
  const all = splitStats(
    [...parts.train.records, ...parts.validation.records, ...parts.test.records],
    [...parts.train.lengths, ...parts.validation.lengths, ...parts.test.lengths],
    train.truncated + validation.truncated + test.truncated,
    labels,
  );
  return { ...all, maxLength, splits: { train, validation, test } };
}

export interface SplitPart {
  records: readonly DatasetRecord[];
  lengths: readonly number[];
  truncated: number;
}
