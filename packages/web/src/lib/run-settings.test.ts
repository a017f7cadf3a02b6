// The New run page's trainer-settings form, made from the server's real runSettingsSchema: a field per setting with
// the schema's bounds and defaults, blank fields left to the server, and the server's problems on their field.
import { describe, expect, it } from 'vitest';
// The console package does not depend on the server; the test reaches the schema by path, to check the real one.
import { runSettingsJsonSchema } from '../../../server/src/modules/runs/run-settings.ts';
import { settingsKeyOf, settingsPlaceholders, splitRunSettings } from './run-settings.ts';
import { formFields, type JsonSchema, toConfig, validateValues } from './schema-form.ts';

const schema = runSettingsJsonSchema() as JsonSchema;
const fields = formFields(schema);

describe('the trainer settings form', () => {
  it('has a field for every setting, the five the API once lacked included', () => {
    const keys = fields.map((f) => f.key);
    for (const key of ['warmupSteps', 'labelSmoothing', 'evalBatchSize', 'keepCheckpoints', 'earlyStopping', 'maxLength', 'seed', 'device'])
      expect(keys).toContain(key);
    const early = fields.find((f) => f.key === 'earlyStopping');
    expect(early?.kind).toBe('object');
    expect(early?.children?.map((c) => c.key)).toEqual(['earlyStopping.patience', 'earlyStopping.minDelta', 'earlyStopping.monitor']);
    expect(early?.children?.find((c) => c.key === 'earlyStopping.monitor')?.options?.map((o) => o.value)).toEqual(['METRIC', 'LOSS']);
    expect(fields.find((f) => f.key === 'findLearningRate')?.kind).toBe('boolean');
    // Enum values as CreateRunInput takes them (the GraphQL enums HyperparametersSchedule and Device).
    expect(fields.find((f) => f.key === 'schedule')?.options?.map((o) => o.value)).toEqual(['LINEAR', 'COSINE', 'CONSTANT']);
    expect(fields.find((f) => f.key === 'device')?.options?.map((o) => o.value)).toEqual(['CPU', 'WEBGPU', 'CUDA']);
  });

  it("shows the schema's defaults, the strategy's suggestions over them, as placeholders", () => {
    const placeholders = settingsPlaceholders(fields, { learningRate: 2e-4, warmupRatio: 0.1 });
    expect(placeholders).toMatchObject({
      epochs: '3',
      batchSize: '16',
      learningRate: '0.0002',
      warmupRatio: '0.1',
      keepCheckpoints: '2',
      'earlyStopping.minDelta': '0',
      seed: '42',
      maxLength: '128',
      device: 'CPU',
    });
    // The range test picks the rate: the strategy's suggestion is not what a blank field means then.
    expect(settingsPlaceholders(fields, { learningRate: 2e-4 }, { findLearningRate: true }).learningRate).toBe('found by the range test');
  });

  it('sends only what was filled in, split into hyperparameters and the run’s own fields', () => {
    expect(toConfig(schema, {})).toEqual({});
    const values = { warmupSteps: '7', labelSmoothing: '0.1', earlyStopping: { patience: '2', minDelta: '0.01' }, seed: '3' };
    expect(validateValues(schema, values)).toEqual({});
    expect(splitRunSettings(toConfig(schema, values))).toEqual({
      hyperparameters: { warmupSteps: 7, labelSmoothing: 0.1, earlyStopping: { patience: 2, minDelta: 0.01 } },
      run: { seed: 3 },
    });
    expect(validateValues(schema, { labelSmoothing: '2', batchSize: '0' })).toEqual({
      labelSmoothing: expect.stringMatching(/at most 1/),
      batchSize: expect.stringMatching(/greater than 0|at least 1/),
    });
  });

  it("puts the server's problems on their field", () => {
    expect(settingsKeyOf('training.warmup_steps')).toBe('warmupSteps');
    expect(settingsKeyOf('training.early_stopping.min_delta')).toBe('earlyStopping.minDelta');
    expect(settingsKeyOf('data.max_length')).toBe('maxLength');
    expect(settingsKeyOf('seed')).toBe('seed');
  });
});
