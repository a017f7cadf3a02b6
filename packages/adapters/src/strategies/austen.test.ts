// Each built-in strategy fine-tunes austen-bert-mini on Austen's novels and must beat the untrained head.

import { train } from '@tuneql/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyStrategy } from '../contract/host.ts';
import { AUSTEN_RECIPES, type AustenSlice, accuracy, austenModel, austenSlice, MAX_LENGTH, majorityShare } from '../testing/austen.ts';
import { createRegistry } from './builtin.ts';

/** Accuracy points above the untrained model that count as learning the task (6 labels, 120 validation paragraphs). */
const MARGIN = 0.1;

describe('fine-tuning austen-bert-mini on Austen novels', () => {
  let slice: AustenSlice;
  beforeAll(async () => {
    slice = await austenSlice(1000, 200);
  }, 60_000);

  it.each(AUSTEN_RECIPES)(
    '$strategy beats the untrained head, frozen parameters untouched',
    async (recipe) => {
      const model = await austenModel(slice.labels.length);
      const applied = await applyStrategy(createRegistry().get(recipe.strategy), model, recipe.config);
      const frozen = model.params.names.filter((n) => !model.params.get(n).trainable);
      const before = new Map(frozen.map((n) => [n, model.params.get(n).data.slice()]));
      const untrained = await accuracy(model, slice.validation);
      const result = await train({
        model,
        data: { train: slice.train },
        trainableSchedule: applied.trainableSchedule,
        config: {
          epochs: recipe.epochs,
          batchSize: recipe.batchSize,
          learningRate: recipe.learningRate,
          warmupRatio: 0.1,
          maxBuckets: 2,
          maxLength: MAX_LENGTH,
        },
      });
      expect(result.status).toBe('finished');
      const trained = await accuracy(model, slice.validation);
      console.info(
        `${recipe.strategy}: ${applied.report.trainable} of ${applied.report.total} parameters trained; validation accuracy ${untrained.toFixed(3)} -> ${trained.toFixed(3)} (most frequent label: ${majorityShare(slice.validation).toFixed(3)})`,
      );
      expect(trained, `${recipe.strategy}: untrained ${untrained}`).toBeGreaterThanOrEqual(untrained + MARGIN);
      // More than the class prior: it learned something about the paragraphs themselves.
      expect(trained, `${recipe.strategy}: most frequent label ${majorityShare(slice.validation)}`).toBeGreaterThanOrEqual(
        majorityShare(slice.validation) + 0.05,
      );
      const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      const moved = frozen.filter((n) => !bytes(model.params.get(n).data).equals(bytes(before.get(n) as Float32Array)));
      expect(moved).toEqual([]);
    },
    // About a minute each on 2 idle cores (250 steps); the margin is for a CI machine busy with other suites.
    300_000,
  );
});
