// The trainer settings schema: the trainer's defaults are its defaults, aliases, and errors that suggest the key meant.

import { describe, expect, it } from 'vitest';
import {
  camelKeys,
  DEFAULT_SEED,
  learningRateConflict,
  resolveTrainingAliases,
  SETTING_LIMITS,
  snakeKeys,
  TRAINER_SETTINGS_DEFAULTS,
  TrainerSettingsSchema,
  TrainingSectionSchema,
} from './settings.ts';
import { closestName, editDistance } from './spelling.ts';
import { DEFAULT_TRAINER_CONFIG } from './trainer.ts';

describe('trainer settings', () => {
  it('are the defaults the trainer runs with', () => {
    expect(TRAINER_SETTINGS_DEFAULTS).toEqual({
      epochs: 3,
      batch_size: 16,
      gradient_accumulation: 1,
      learning_rate: 2e-5,
      find_learning_rate: false,
      schedule: 'linear',
      warmup_ratio: 0,
      weight_decay: 0.01,
      clip_grad_norm: 1,
      label_smoothing: 0,
      max_buckets: 4,
      keep_checkpoints: 2,
      divergence_factor: 100,
      packing: false,
      gradient_checkpointing: false,
      init: 'pretrained',
      precision: 'fp32',
    });
    expect(DEFAULT_TRAINER_CONFIG).toEqual({ ...camelKeys(TRAINER_SETTINGS_DEFAULTS), seed: DEFAULT_SEED, provider: 'cpu' });
    expect(DEFAULT_TRAINER_CONFIG).toMatchObject({ batchSize: 16, keepCheckpoints: 2, clipGradNorm: 1, seed: 42 });
  });

  it('take find_learning_rate without a learning rate, and refuse the two together', () => {
    expect(TrainingSectionSchema.parse({ find_learning_rate: true })).toMatchObject({ find_learning_rate: true });
    expect(learningRateConflict({ find_learning_rate: true, learning_rate: 1e-3 })).toBe(
      'find_learning_rate picks the learning rate, and learning_rate 0.001 is given too; keep one',
    );
    expect(learningRateConflict({ find_learning_rate: true })).toBeUndefined();
    expect(learningRateConflict({ learning_rate: 1e-3 })).toBeUndefined();
    expect(TrainingSectionSchema.parse({ early_stopping: { patience: 2 } }).early_stopping).toEqual({
      patience: 2,
      min_delta: 0,
      monitor: 'metric',
    });
  });

  it('every setting has a description', () => {
    for (const [key, schema] of Object.entries(TrainerSettingsSchema.shape)) expect(schema.description, key).toMatch(/\w/);
  });

  it('names convert both ways, nested objects too', () => {
    const s = { warmup_steps: 5, early_stopping: { patience: 2, min_delta: 0.1 } };
    expect(camelKeys(s)).toEqual({ warmupSteps: 5, earlyStopping: { patience: 2, minDelta: 0.1 } });
    expect(snakeKeys(camelKeys(s))).toEqual(s);
  });

  it("take Hugging Face's names and refuse one given twice with two values", () => {
    const parsed = TrainingSectionSchema.parse({
      num_train_epochs: 5,
      per_device_train_batch_size: 8,
      per_device_eval_batch_size: 32,
      gradient_accumulation_steps: 2,
      eval_steps: 50,
      save_total_limit: 1,
      label_smoothing_factor: 0.1,
      lr_scheduler_type: 'cosine',
      max_grad_norm: 0.5,
      learning_rate: 1e-4,
      warmup_steps: 10,
    });
    expect(parsed).toMatchObject({
      epochs: 5,
      batch_size: 8,
      eval_batch_size: 32,
      gradient_accumulation: 2,
      eval_every: 50,
      keep_checkpoints: 1,
      label_smoothing: 0.1,
      schedule: 'cosine',
      clip_grad_norm: 0.5,
      learning_rate: 1e-4,
      warmup_steps: 10,
    });
    expect(resolveTrainingAliases({ epochs: 2, num_train_epochs: 2 })).toEqual({ epochs: 2 });
    const r = TrainingSectionSchema.safeParse({ epochs: 2, num_train_epochs: 4, batch_size: 8, per_device_train_batch_size: 16 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        '',
        "'num_train_epochs' is Hugging Face's name for 'epochs', and both are given with different values; keep one; " +
          "'per_device_train_batch_size' is Hugging Face's name for 'batch_size', and both are given with different values; keep one",
      ],
    ]);
  });

  it('suggest the key meant for a misspelled one, else list the keys', () => {
    const message = (raw: unknown) => TrainerSettingsSchema.safeParse(raw).error?.issues[0]?.message;
    expect(message({ lerning_rate: 1e-3 })).toBe("unknown key 'lerning_rate'; did you mean 'learning_rate'?");
    expect(message({ warmup_step: 3 })).toBe("unknown key 'warmup_step'; did you mean 'warmup_steps'?");
    // A misspelled Hugging Face name points at TuneQL's name for it.
    expect(message({ num_train_epoch: 3 })).toBe("unknown key 'num_train_epoch'; did you mean 'epochs'?");
    expect(message({ colour: 'blue' })).toMatch(/^unknown key 'colour'; the keys are epochs, max_steps, batch_size, /);
    expect(TrainerSettingsSchema.safeParse({ early_stopping: { patient: 3 } }).error?.issues.map((i) => i.message)).toContain(
      "unknown key 'patient'; did you mean 'patience'?",
    );
  });

  it('bound every setting that sizes an allocation or a loop, naming the setting and the bound', () => {
    const problems = (raw: Record<string, unknown>) => {
      const r = TrainingSectionSchema.safeParse(raw);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(problems({ batch_size: 1e9 })).toEqual([`batch_size: Too big: expected number to be <=${SETTING_LIMITS.batch}`]);
    expect(problems({ per_device_eval_batch_size: 1e9 })).toEqual([
      `eval_batch_size: Too big: expected number to be <=${SETTING_LIMITS.batch}`,
    ]);
    for (const key of ['epochs', 'max_steps', 'gradient_accumulation', 'warmup_steps', 'eval_every', 'max_buckets', 'keep_checkpoints'])
      expect(problems({ [key]: 1e12 }), key).toEqual([expect.stringMatching(new RegExp(`^${key}: Too big`))]);
    expect(problems({ early_stopping: { patience: 1e9 } })).toEqual([expect.stringMatching(/^early_stopping.patience: Too big/)]);
    // The bounds leave every real run alone.
    expect(problems({ batch_size: SETTING_LIMITS.batch, max_buckets: SETTING_LIMITS.buckets, epochs: 100, max_steps: 1_000_000 })).toEqual(
      [],
    );
  });

  it('edit distance counts swaps as one edit', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('epcohs', 'epochs')).toBe(1);
    expect(closestName('epcohs', ['epochs', 'seed'])).toBe('epochs');
    expect(closestName('lr', ['r', 'alpha'])).toBe('r');
    expect(closestName('zzz', ['r', 'alpha'])).toBeUndefined();
  });
});
