// Jane Austen's paragraphs, split once for every project checkpoint: 80% of each novel may be used for
// pre-training, and the other 20% stay unseen (the labelled set in examples/austen/novels.jsonl).

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitDataset } from '../packages/engine/src/index.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CORPUS = resolve(ROOT, '../shared/data/austen-paragraphs.jsonl');
export const SEED = 20261126;

export interface Paragraph {
  text: string;
  label: string;
}

export function austenSplit(corpus: string): { pretraining: Paragraph[]; heldOut: Paragraph[] } {
  const rows = readFileSync(corpus, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Paragraph);
  const split = splitDataset(rows, { validation: 0, test: 0.2, seed: SEED, stratifyBy: (r) => r.label });
  return { pretraining: split.train, heldOut: split.test };
}

/** The texts as an in-memory JSONL source for loadDataset. */
export function jsonlSource(name: string, paragraphs: readonly Paragraph[]): { name: string; content: string } {
  return { name, content: paragraphs.map((r) => JSON.stringify({ text: r.text })).join('\n') };
}
