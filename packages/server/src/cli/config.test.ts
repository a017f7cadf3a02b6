// The `tuneql train` file: a run's schema, paths relative to the file, and errors that name it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError, readTrainConfig } from './config.ts';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tuneql-config-')), 'run.yaml');
  writeFileSync(path, text);
  return path;
}

describe('readTrainConfig', () => {
  it('reads a strategy and resolves paths against the file', async () => {
    const path = file(`model: ../models/m
task: sequence-classification
data: { file: data/all.jsonl, columns: { text: text, label: label } }
strategy: { id: lora, config: { r: 4 } }
`);
    const cfg = await readTrainConfig(path);
    expect(cfg.model).toBe(join(path, '../../models/m'));
    expect(cfg.data.file).toBe(join(path, '../data/all.jsonl'));
    expect(cfg.strategy).toEqual({ id: 'lora', config: { r: 4 } });
    expect(cfg.training.epochs).toBe(3);
  });

  it('names the file and the problem', async () => {
    const path = file('model: m\ntask: sequence-classification\ndata: { columns: {} }\n');
    await expect(readTrainConfig(path)).rejects.toThrow(
      new ConfigFileError(`${path}: data needs either 'file' (split for you) or 'train' (with optional 'validation' and 'test')`),
    );
    const bad = file('model: m\ntask: poetry\ndata: { file: a.csv, columns: {} }\nstrategy: { id: 7 }\n');
    await expect(readTrainConfig(bad)).rejects.toThrow(`${bad}: 2 problems:`);
  });

  it("takes Hugging Face's TrainingArguments names, and refuses one given with TuneQL's under another value", async () => {
    const head = 'model: m\ntask: sequence-classification\ndata: { file: a.csv, columns: {} }\n';
    const cfg = await readTrainConfig(
      file(`${head}training:
  num_train_epochs: 5
  per_device_train_batch_size: 8
  per_device_eval_batch_size: 32
  gradient_accumulation_steps: 2
  learning_rate: 1.0e-4
  weight_decay: 0.1
  warmup_ratio: 0.05
  warmup_steps: 10
  max_steps: 500
  eval_steps: 50
  save_total_limit: 1
  label_smoothing_factor: 0.1
  lr_scheduler_type: cosine
  max_grad_norm: 0.5
  gradient_checkpointing: true
  seed: 7
`),
    );
    expect(cfg.training).toEqual({
      epochs: 5,
      batch_size: 8,
      eval_batch_size: 32,
      gradient_accumulation: 2,
      learning_rate: 1e-4,
      find_learning_rate: false,
      weight_decay: 0.1,
      warmup_ratio: 0.05,
      warmup_steps: 10,
      max_steps: 500,
      eval_every: 50,
      keep_checkpoints: 1,
      label_smoothing: 0.1,
      schedule: 'cosine',
      clip_grad_norm: 0.5,
      max_buckets: 4,
      divergence_factor: 100,
      packing: false,
      gradient_checkpointing: true,
      init: 'pretrained',
      precision: 'fp32',
    });
    expect(cfg.seed).toBe(7);
    // Refused along with every other problem of the file.
    const both = file(
      `${head}seed: 1\ntraining: { epochs: 2, num_train_epochs: 4, max_grad_norm: 1, clip_grad_norm: 1, seed: 2, lerning_rate: 1 }\n`,
    );
    const err = await readTrainConfig(both).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ConfigFileError);
    expect((err as Error).message).toBe(
      `${both}: 1 problem:\n` +
        "  training: 'num_train_epochs' is Hugging Face's name for 'epochs', and both are given with different values; keep one; " +
        "'seed' is given here (where Hugging Face keeps it) and at the top level with different values; keep one; " +
        "unknown key 'lerning_rate'; did you mean 'learning_rate'?",
    );
  });

  it('suggests the key meant for a misspelled one, at any level', async () => {
    const path = file(`model: m
task: sequence-classification
data: { file: a.csv, columns: {}, max_lenght: 64 }
trainig: {}
training: { lerning_rate: 1.0e-3, early_stopping: { patince: 2 } }
`);
    const message = await readTrainConfig(path).catch((e: unknown) => (e as Error).message);
    expect(message).toContain("  (top level): unknown key 'trainig'; did you mean 'training'?");
    expect(message).toContain("  data: unknown key 'max_lenght'; did you mean 'max_length'?");
    expect(message).toContain("  training: unknown key 'lerning_rate'; did you mean 'learning_rate'?");
    expect(message).toContain("  training.early_stopping: unknown key 'patince'; did you mean 'patience'?");
  });

  it("fills in the strategy's suggested settings under the ones the file gives", async () => {
    const head = 'model: m\ntask: sequence-classification\ndata: { file: a.csv, columns: {} }\nstrategy: { id: lora }\n';
    expect((await readTrainConfig(file(head))).training).toMatchObject({ learning_rate: 2e-4, warmup_ratio: 0.1 });
    expect((await readTrainConfig(file(`${head}training: { learning_rate: 1.0e-3 }\n`))).training.learning_rate).toBe(1e-3);
    // The range test picks the rate: LoRA's suggestion stays out, the rest of it applies.
    const finding = (await readTrainConfig(file(`${head}training: { find_learning_rate: true }\n`))).training;
    expect(finding).toMatchObject({ find_learning_rate: true, warmup_ratio: 0.1 });
    await expect(readTrainConfig(file(`${head}training: { find_learning_rate: true, learning_rate: 1.0e-3 }\n`))).rejects.toThrow(
      'training.find_learning_rate: find_learning_rate picks the learning rate, and learning_rate 0.001 is given too; keep one',
    );
  });
});
