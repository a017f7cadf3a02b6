// Jane Austen's paragraphs, split once for every project checkpoint: 80% of each novel may be used for
// pre-training, and the other 20% stay unseen (the labelled set in examples/austen/novels.jsonl).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type LoadedDataset,
  loadDataset,
  type PretrainedModel,
  savePretrained,
  splitDataset,
  type Tokenizer,
  type TrainEvent,
} from '../packages/engine/src/index.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CORPUS = resolve(ROOT, 'data/austen-paragraphs.jsonl');
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

/**
 * The paragraphs languageModelData keeps for validation (5%): pre-training never trains on them and they are
 * not in examples/austen/novels.jsonl. The same seeded split loadDataset makes of the same rows.
 */
export function retentionParagraphs(pretraining: readonly Paragraph[]): Paragraph[] {
  return splitDataset([...pretraining], { validation: 0.05, test: 0, seed: SEED }).validation;
}

/** The texts as an in-memory JSONL source for loadDataset. */
export function jsonlSource(name: string, paragraphs: readonly Paragraph[]): { name: string; content: string } {
  return { name, content: paragraphs.map((r) => JSON.stringify({ text: r.text })).join('\n') };
}

/** The pre-training paragraphs tokenized for language modelling, 5% kept for validation. */
export function languageModelData(
  paragraphs: readonly Paragraph[],
  task: 'masked-lm' | 'causal-lm',
  tokenizer: Tokenizer,
  maxLength: number,
  maxPredictions?: number,
): Promise<LoadedDataset> {
  return loadDataset({
    files: { file: jsonlSource(`austen-${task}.jsonl`, paragraphs) },
    task,
    columns: { text: 'text' },
    tokenizer,
    maxLength,
    seed: SEED,
    split: { validation: 0.05, test: 0 },
    maxPredictions,
  });
}

/** Prints every 20th step and every evaluation. */
export function printProgress(e: TrainEvent): void {
  if (e.type === 'step' && e.step % 20 === 0)
    console.log(`step ${e.step}  loss ${e.values.loss?.toFixed(3)}  ${Math.round(e.values.tokens_per_s ?? 0)} tok/s`);
  if (e.type === 'eval')
    console.log(`step ${e.step}  validation loss ${e.values.eval_loss?.toFixed(3)}  perplexity ${e.values.eval_perplexity?.toFixed(1)}`);
}

/** Saves the model in the Hugging Face layout with a README that says how it was made and how long it took. */
export async function saveModel(
  dir: string,
  model: PretrainedModel,
  started: number,
  readme: (minutes: string) => string,
): Promise<string> {
  await savePretrained(dir, model);
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  writeFileSync(join(dir, 'README.md'), readme(minutes));
  return minutes;
}
