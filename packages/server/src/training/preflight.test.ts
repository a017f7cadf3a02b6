// preflight on austen-bert-mini: the trainable count LoRA reports, estimates that order the strategies
// sensibly, and the same coded errors executeRun gives, before any data is read.

import { join } from 'node:path';
import { applyStrategy, lora, StrategyError } from '@tuneql/adapters';
import { loadPretrained } from '@tuneql/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { preflight } from './preflight.ts';
import { totalBytes } from './run-memory.ts';
import { type RunSpec, RunSpecError } from './run-spec.ts';
import { AUSTEN_MODEL, austenRun, austenSlice } from './test-fixtures.ts';

describe('preflight', () => {
  let spec: RunSpec;
  beforeAll(() => {
    spec = austenRun(austenSlice());
  });

  it("counts LoRA's trainable parameters as the applied strategy reports them, and estimates memory and time", async () => {
    const estimate = await preflight(spec);
    const model = await loadPretrained(AUSTEN_MODEL, { task: 'sequence-classification', numLabels: 6, seed: 7 });
    const { report } = await applyStrategy(lora, model, spec.strategy.config);
    expect(estimate.trainableParameters).toBe(report.trainable);
    expect(estimate.totalParameters).toBe(report.total);
    // LoRA's matrices, the head, and the pooler austen-bert-mini's checkpoint lacks (new weights train under every strategy).
    expect(estimate.trainableParameters).toBeLessThan(estimate.totalParameters / 50);
    expect(model.params.get('bert.pooler.dense.weight').trainable).toBe(true);
    // 126 training examples, batch 8, one length bucket: 15 full batches; max_steps 8.
    expect(estimate.stepsPerEpoch).toBe(15);
    expect(estimate.totalSteps).toBe(8);
    expect(estimate.memoryBytes).toBe(totalBytes(estimate.memory));
    expect(estimate.memory.trainableState).toBe(report.trainable * 4 * 3);
    expect(estimate.secondsPerEpoch).toBeGreaterThan(0);
    expect(estimate.secondsPerEpoch).toBeLessThan(60);
    expect(estimate.warnings.some((w) => /longer than data.max_length 32/.test(w))).toBe(true);

    const full = await preflight({ ...spec, strategy: { id: 'full', config: {} } });
    expect(full.trainableParameters).toBe(full.totalParameters);
    expect(full.memory.trainableState).toBeGreaterThan(50 * estimate.memory.trainableState);
    expect(full.memory.frozenInSessions).toBe(0);
    // LoRA holds the frozen weights once per training session and once for evaluation, against full fine-tuning's
    // weights, two moments, gradients and their copies.
    expect(estimate.memoryBytes).toBeLessThan(full.memoryBytes);
    // Full fine-tuning computes every weight gradient: about 6 x parameters per token against LoRA's ~4.
    expect(full.secondsPerEpoch).toBeGreaterThan(estimate.secondsPerEpoch);
    expect(full.warnings.some((w) => /usually trains near learning_rate 0.00002/.test(w))).toBe(true);
    console.info(
      `lora: ${estimate.trainableParameters} of ${estimate.totalParameters} parameters, ${(estimate.memoryBytes / 2 ** 20).toFixed(0)} MiB, ${estimate.secondsPerEpoch.toFixed(2)} s/epoch; ` +
        `full: ${(full.memoryBytes / 2 ** 20).toFixed(0)} MiB, ${full.secondsPerEpoch.toFixed(2)} s/epoch`,
    );
  });

  it('names the field of a bad strategy config, before reading any data', async () => {
    const bad = {
      ...spec,
      data: { ...spec.data, train: join(spec.data.train as string, 'missing.jsonl') },
      strategy: { id: 'lora', config: { r: -1 } },
    };
    const err = await preflight(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrategyError);
    expect(err).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'r' });
    expect((err as Error).message).toContain('config.r:');
  });

  it('names the strategies there are for an unknown id', async () => {
    const err = await preflight({ ...spec, strategy: { id: 'lorra', config: {} } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrategyError);
    expect(err).toMatchObject({ code: 'STRATEGY_NOT_FOUND' });
    expect((err as Error).message).toBe("no strategy 'lorra' (did you mean 'lora'?); known: full, partial, lora, bottleneck");
  });

  it('says that a model folder does not exist, or lacks its tokenizer, rather than that a file is unreadable', async () => {
    const missing = join(spec.data.train as string, '..', 'no-such-model');
    const err = await preflight({ ...spec, model: missing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunSpecError);
    expect((err as RunSpecError).problems[0]?.path).toBe('model');
    expect((err as Error).message).toBe(
      `the model folder ${missing} does not exist; a Hugging Face model folder holds config.json, model.safetensors and tokenizer.json`,
    );
    const empty = join(spec.data.train as string, '..');
    await expect(preflight({ ...spec, model: empty })).rejects.toThrow(`the model folder ${empty} has no tokenizer.json;`);
    await expect(preflight({ ...spec, model: spec.data.train as string })).rejects.toThrow(
      `the model ${spec.data.train} is a file, not a folder;`,
    );
  });

  it('refuses a batch larger than the training set, naming the field', async () => {
    const err = await preflight({ ...spec, training: { ...spec.training, batch_size: 200 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunSpecError);
    expect((err as RunSpecError).problems[0]?.path).toBe('training.batch_size');
    expect((err as Error).message).toContain('126 examples, fewer than one batch of 200');
  });
});
