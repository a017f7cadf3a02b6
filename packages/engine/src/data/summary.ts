// What an upload holds, before any model is chosen: rows, the split a run will make, examples per label and
// characters per example, and the tokens per example with a given tokenizer.

import { type ChatTemplate, renderChat } from '../chat/template.ts';
import type { Tokenizer } from '../tokenizers/index.ts';
import { splitDataset } from './split.ts';
import { percentile } from './stats.ts';
import type { DatasetRecord } from './validate.ts';

export interface DatasetSummary {
  rows: number;
  /** Rows in each part of the stratified split a run makes of a single file. */
  splits: { train: number; validation: number; test: number };
  /** Classification: examples per label name. */
  labels: Record<string, number> | null;
  /** Characters per example (text and pair, words, or question and context), whole numbers. */
  textLength: { min: number; p50: number; p95: number; max: number };
}

/** The text a record carries, as its tokens are counted. */
export function recordText(r: DatasetRecord): string {
  switch (r.task) {
    case 'token-classification':
      return r.words.join(' ');
    case 'question-answering':
      return `${r.question} ${r.context}`;
    default:
      return 'textPair' in r && r.textPair ? `${r.text} ${r.textPair}` : r.text;
  }
}

function labelName(r: DatasetRecord, labels: readonly string[] | undefined): string | undefined {
  return r.task === 'sequence-classification' ? (labels?.[r.label] ?? String(r.label)) : undefined;
}

export function summarizeRecords(
  records: readonly DatasetRecord[],
  labels: readonly string[] | undefined,
  split: { validation: number; test: number; seed: number },
): DatasetSummary {
  const lengths = Int32Array.from(records, (r) => recordText(r).length).sort();
  // A Map: labels such as 'constructor' or '__proto__' must not meet Object.prototype's members.
  const counts = new Map<string, number>();
  for (const r of records) {
    const l = labelName(r, labels);
    if (l !== undefined) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const parts = splitDataset(records, { ...split, stratifyBy: (r) => labelName(r, labels) ?? 0 });
  const sorted = Array.from(lengths);
  return {
    rows: records.length,
    splits: { train: parts.train.length, validation: parts.validation.length, test: parts.test.length },
    labels: counts.size ? Object.fromEntries(counts) : null,
    textLength: {
      min: sorted[0] ?? 0,
      // Whole characters: an interpolated percentile is not one.
      p50: Math.round(percentile(sorted, 50)),
      p95: Math.round(percentile(sorted, 95)),
      max: sorted.at(-1) ?? 0,
    },
  };
}

/** Unpadded: a padding section in tokenizer.json would make every example as long as the padding. */
const UNPADDED = { padding: null };

/**
 * Tokens per record with `tokenizer` (special tokens included, nothing truncated), ascending; a conversation
 * rendered with `chatTemplate` (the default one when absent), as training tokenizes it. A template that fails on a
 * row counts the row's plain text.
 */
export function tokenLengths(
  records: readonly DatasetRecord[],
  tokenizer: Tokenizer,
  onProgress?: (done: number) => void,
  chatTemplate?: ChatTemplate,
): Int32Array {
  const out = new Int32Array(records.length);
  records.forEach((r, k) => {
    if (k % 1000 === 0 && k > 0) onProgress?.(k);
    out[k] = (
      r.task === 'question-answering'
        ? tokenizer.encode(r.question, r.context, UNPADDED)
        : 'messages' in r
          ? tokenizer.encode(renderedOrText(r.messages, r.text, chatTemplate), undefined, { ...UNPADDED, addSpecialTokens: false })
          : tokenizer.encode(recordText(r), undefined, UNPADDED)
    ).ids.length;
  });
  return out.sort();
}

function renderedOrText(messages: Parameters<typeof renderChat>[0], text: string, template: ChatTemplate | undefined): string {
  try {
    return renderChat(messages, { template });
  } catch {
    return text;
  }
}
