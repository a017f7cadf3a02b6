// Why fine-tuning matters: the project's pre-trained austen-bert-mini, fine-tuned on a small labelled
// set, beats the same architecture trained from scratch on that set by a clear margin.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDataset, shuffled } from '../data/index.ts';
import { instantiate, loadPretrained } from '../models/pretrained.ts';
import { Tokenizer } from '../tokenizers/index.ts';
import { train } from './trainer.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MODEL = `${ROOT}models/austen-bert-mini`;

describe('pre-training', () => {
  it('makes fine-tuning on a small labelled set beat training from scratch', async () => {
    const tokenizer = Tokenizer.fromFile(`${MODEL}/tokenizer.json`);
    // 900 labelled paragraphs of the six novels that pre-training never saw (a shuffled sample: the file is in novel order).
    const rows = shuffled(readFileSync(`${ROOT}examples/austen/novels.jsonl`, 'utf8').trim().split('\n'), 7).slice(0, 900);
    const data = await loadDataset({
      files: { file: { name: 'novels.jsonl', content: rows.join('\n') } },
      task: 'sequence-classification',
      columns: { text: 'text', label: 'label' },
      tokenizer,
      maxLength: 64,
      seed: 1,
      split: { validation: 0.2, test: 0.3 },
    });
    const numLabels = data.labels?.length ?? 0;
    expect(numLabels).toBe(6);
    const config = { epochs: 4, batchSize: 16, learningRate: 3e-4, warmupRatio: 0.1, seed: 3, maxBuckets: 2 };

    const pretrained = await loadPretrained(MODEL, { task: 'sequence-classification', numLabels });
    const fromScratch = instantiate(pretrained.config.raw, { task: 'sequence-classification', numLabels, seed: 3 });
    const a = await train({ model: pretrained, data, config });
    const b = await train({ model: fromScratch, data, config });
    // Six novels, the largest about 23% of the rows: from scratch, 450 examples teach little more than that.
    // Measured: validation 0.372 vs 0.228, test (270 paragraphs) 0.267 vs 0.230.
    expect(a.best?.value).toBeGreaterThan((b.best?.value as number) + 0.08);
    expect(a.test?.accuracy).toBeGreaterThan(b.test?.accuracy as number);
  }, 600_000);
});
