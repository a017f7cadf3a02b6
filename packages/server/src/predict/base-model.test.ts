// The base model's export for the playground: written once per model, head and seed, then reused; it
// predicts over the run's labels.

import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUSTEN_MODEL } from '../training/test-fixtures.ts';
import { baseModelExport } from './base-model.ts';
import { predictMany } from './predictor.ts';

const LABELS = ['Emma', 'Mansfield Park', 'Northanger Abbey', 'Persuasion', 'Pride & Prejudice', 'Sense & Sensibility'];

describe('baseModelExport', () => {
  it('exports the untuned model with a seeded head once, reuses it, and predicts the run labels', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tuneql-base-'));
    const spec = { model: AUSTEN_MODEL, task: 'sequence-classification' as const, labels: LABELS, max_length: 64, seed: 7 };
    // Concurrent callers share one export.
    const [dir, again] = await Promise.all([baseModelExport(spec, cache), baseModelExport(spec, cache)]);
    expect(again).toBe(dir);
    expect(readdirSync(cache)).toEqual([dir.slice(cache.length + 1)]);
    expect(readdirSync(dir).sort()).toEqual([
      'model.onnx',
      'onnx',
      'special_tokens_map.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'tuneql.json',
    ]);
    const written = statSync(join(dir, 'model.onnx')).mtimeMs;
    expect(await baseModelExport(spec, cache)).toBe(dir);
    expect(statSync(join(dir, 'model.onnx')).mtimeMs).toBe(written);

    const inputs = [{ text: 'Mr. Darcy walked into the room.' }, { text: 'Anne Elliot sat by the window.' }];
    const [a, b] = await predictMany(dir, inputs);
    for (const p of [a, b]) {
      expect(p?.labels?.map((l) => l.label).sort()).toEqual(LABELS);
      expect(p?.labels?.reduce((s, l) => s + l.score, 0)).toBeCloseTo(1, 5);
    }
    // Another seed is another head: another folder, other scores.
    const other = await baseModelExport({ ...spec, seed: 8 }, cache);
    expect(other).not.toBe(dir);
    const [c] = await predictMany(other, inputs);
    const score = (p: typeof a, label: string) => p?.labels?.find((l) => l.label === label)?.score as number;
    expect(Math.abs(score(c, 'Emma') - score(a, 'Emma'))).toBeGreaterThan(1e-4);
  });
});
