// Exported model folders made the way a MERGED or ONNX export makes them, from the project's own
// checkpoints with seeded task heads: what the transformers.js and transformers (PyTorch) tests load.
// The same seeds give the same bytes, so a fixture recorded from these folders speaks for them.

import { join } from 'node:path';
import { loadPretrained, type Task } from '@tuneql/engine';
import { writeModelFolder } from './model-folder.ts';

export const MODELS_DIR = join(import.meta.dirname, '../../../../models');
export const NOVELS = ['Emma', 'Mansfield Park', 'Northanger Abbey', 'Persuasion', 'Pride & Prejudice', 'Sense & Sensibility'];
export const EXAMPLE_TEXTS = [
  'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
  'Mr. Knightley was one of the few people who could see faults in Emma Woodhouse!',
  'Anne',
];
/** A prompt the small GPT-2 continues with real words, greedily. */
export const LM_PROMPT = 'Emma Woodhouse, handsome, clever, and rich,';
export const TAGS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];

interface Example {
  base: string;
  task: Task;
  /** Names of the task head's outputs, in order: config.json's id2label. */
  labels?: readonly string[];
}

/** One folder per task head the project's two checkpoints have, keyed by the folder's name. */
export const EXAMPLES: Record<string, Example> = {
  classifier: { base: 'austen-bert-mini', task: 'sequence-classification', labels: NOVELS },
  tagger: { base: 'austen-bert-mini', task: 'token-classification', labels: TAGS },
  reader: { base: 'austen-bert-mini', task: 'question-answering' },
  lm: { base: 'austen-gpt2-mini', task: 'causal-lm' },
};

/** Writes every example folder under `root`; returns their paths by name. */
export async function writeExampleExports(root: string, names = Object.keys(EXAMPLES)): Promise<Record<string, string>> {
  const dirs: Record<string, string> = {};
  for (const name of names) {
    const { base, task, labels } = EXAMPLES[name] as Example;
    const model = await loadPretrained(join(MODELS_DIR, base), { task, numLabels: labels?.length, seed: 3 });
    // As run preparation labels a classifier's config.json.
    if (labels)
      Object.assign(model.config.raw as Record<string, unknown>, { id2label: Object.fromEntries(labels.map((n, i) => [String(i), n])) });
    const dir = join(root, name);
    await writeModelFolder(dir, model, {
      tokenizerFile: join(MODELS_DIR, base, 'tokenizer.json'),
      card: { task, ...(labels ? { labels: [...labels] } : {}), max_length: 128 },
    });
    dirs[name] = dir;
  }
  return dirs;
}
