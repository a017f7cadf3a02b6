// The New sweep page's search space against the server's real runSettingsSchema: what may be swept, each row as
// createSweep's parameter, the problems by field, and where a server's SWEEP_* refusal lands.
import { describe, expect, it } from 'vitest';
import { runSettingsJsonSchema } from '../../../server/src/modules/runs/run-settings.ts';
import { formFields, type JsonSchema } from './schema-form.ts';
import { newRow, type ParameterRow, sweepableParameters, sweepErrorField, toParameters } from './search-space.ts';

const trainer = formFields(runSettingsJsonSchema() as JsonSchema);
const lora = formFields({
  type: 'object',
  properties: {
    r: { type: 'integer', minimum: 1 },
    alpha: { type: 'number' },
    targetModules: { type: 'array', items: { type: 'string' } },
  },
});
const sweepable = sweepableParameters(trainer, lora);
const row = (r: Partial<ParameterRow>): ParameterRow => ({ name: 'learningRate', kind: 'log-uniform', values: '', min: '', max: '', ...r });

describe('the search space editor', () => {
  it('offers the settings the server lets a sweep vary and the strategy options with single values', () => {
    const names = sweepable.map((p) => p.name);
    for (const n of ['learningRate', 'batchSize', 'epochs', 'schedule', 'init', 'strategyConfig.r', 'strategyConfig.alpha'])
      expect(names).toContain(n);
    for (const n of ['metric', 'earlyStopping', 'retention', 'maxLength', 'seed', 'device', 'strategyConfig.targetModules'])
      expect(names).not.toContain(n);
    expect(newRow(sweepable.find((p) => p.name === 'learningRate')).kind).toBe('log-uniform');
    expect(newRow(sweepable.find((p) => p.name === 'batchSize')).kind).toBe('int');
    expect(newRow(sweepable.find((p) => p.name === 'schedule')).kind).toBe('choice');
  });

  it('makes createSweep parameters of the rows: ranges with their scale, values as the parameter takes them', () => {
    const { parameters, errors } = toParameters(
      [
        row({ min: '1e-4', max: '1e-2' }),
        row({ name: 'warmupRatio', kind: 'uniform', min: '0', max: '0.2' }),
        row({ name: 'batchSize', kind: 'int', min: '8', max: '32' }),
        row({ name: 'schedule', kind: 'choice', values: 'linear, COSINE' }),
        row({ name: 'strategyConfig.r', kind: 'choice', values: '4,8 , 16' }),
      ],
      sweepable,
      'TPE',
    );
    expect(errors).toEqual({});
    expect(parameters).toEqual([
      { name: 'learningRate', min: 1e-4, max: 1e-2, scale: 'LOG' },
      { name: 'warmupRatio', min: 0, max: 0.2, scale: 'LINEAR' },
      { name: 'batchSize', min: 8, max: 32, scale: 'LINEAR' },
      { name: 'schedule', values: ['LINEAR', 'COSINE'] },
      { name: 'strategyConfig.r', values: [4, 8, 16] },
    ]);
  });

  it('names each problem by its row and field, as the server does', () => {
    const { errors } = toParameters(
      [
        row({ min: '0', max: '1e-2' }),
        row({ name: 'batchSize', kind: 'int', min: '8.5', max: '4' }),
        row({ name: 'epochs', kind: 'choice', values: '1, two' }),
        row({ name: 'learningRate', kind: 'choice', values: '' }),
        row({ name: 'schedule', kind: 'choice', values: 'step' }),
        row({ name: 'learningRate2' }),
      ],
      sweepable,
      'GRID',
    );
    expect(errors).toEqual({
      'parameters.0.kind': 'a GRID sweep takes values: choose choice, or RANDOM or TPE',
      'parameters.0.min': 'a log-uniform range needs min > 0',
      'parameters.1.kind': 'a GRID sweep takes values: choose choice, or RANDOM or TPE',
      'parameters.1.max': 'below min (8.5)',
      'parameters.1.min': 'give a whole number',
      'parameters.2.values': "'two' is not a number",
      'parameters.3.name': 'learningRate is already a parameter above',
      'parameters.3.values': 'give at least one value (comma-separated)',
      'parameters.4.values': "'step' is not one of LINEAR, COSINE, CONSTANT",
      'parameters.5.name': "'learningRate2' cannot be swept here",
    });
    expect(toParameters([], sweepable, 'RANDOM').errors).toEqual({ parameters: 'add at least one parameter to vary' });
    expect(toParameters([row({ name: 'learningRate', kind: 'int', min: '1', max: '2' })], sweepable, 'RANDOM').errors).toEqual({
      'parameters.0.kind': 'learningRate is not a whole number: choose uniform or log-uniform',
    });
  });

  it("places a server's refusal by its field, else by the one parameter it names", () => {
    const rows = [row({}), row({ name: 'strategyConfig.r', kind: 'choice', values: '4, -1' })];
    expect(sweepErrorField({ field: 'parameters.1.values' }, rows)).toBe('parameters.1.values');
    expect(sweepErrorField({ parameter: 'learningRate' }, rows)).toBe('parameters.0.min');
    expect(sweepErrorField({ parameters: { 'strategyConfig.r': -1 } }, rows)).toBe('parameters.1.values');
    expect(sweepErrorField({ parameters: { learningRate: 1, 'strategyConfig.r': -1 } }, rows)).toBeUndefined();
  });
});
