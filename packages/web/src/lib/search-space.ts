// The New sweep page's search space: which settings and strategy options a sweep may vary (from the same form
// fields the run's settings and the strategy's options are drawn with), each row as createSweep's
// SweepParameterInput, the rows' problems by field, and the server's SWEEP_* refusals placed on their row.
import { RUN_LEVEL_SETTINGS } from './run-settings.ts';
import type { FormField } from './schema-form.ts';

/** How a row draws its values: a list, a uniform or log-uniform range, or whole numbers in a range. */
export type ParameterKind = 'choice' | 'uniform' | 'log-uniform' | 'int';
export const PARAMETER_KINDS: readonly { kind: ParameterKind; label: string }[] = [
  { kind: 'choice', label: 'choice (values)' },
  { kind: 'uniform', label: 'uniform (range)' },
  { kind: 'log-uniform', label: 'log-uniform (range)' },
  { kind: 'int', label: 'int (range)' },
];

export interface ParameterRow {
  name: string;
  kind: ParameterKind;
  /** Comma-separated, for 'choice'. */
  values: string;
  min: string;
  max: string;
}

/** A parameter the space may vary: its createSweep name and the form field that describes its values. */
export interface Sweepable {
  name: string;
  field: FormField;
}

export const STRATEGY_PREFIX = 'strategyConfig.';

/** Settings a sweep may not vary (the server refuses them too): the objective's metric and early stopping's. */
const FIXED = new Set(['metric', 'earlyStopping', ...RUN_LEVEL_SETTINGS]);
const SCALAR = new Set(['number', 'integer', 'enum', 'boolean']);

/** The trainer settings (by their hyperparameters name) and the strategy's options (strategyConfig.<option>) with single values. */
export function sweepableParameters(trainerFields: readonly FormField[], strategyFields: readonly FormField[]): Sweepable[] {
  return [
    ...trainerFields.filter((f) => !FIXED.has(f.key) && SCALAR.has(f.kind)).map((field) => ({ name: field.key, field })),
    ...strategyFields.filter((f) => SCALAR.has(f.kind)).map((field) => ({ name: `${STRATEGY_PREFIX}${field.key}`, field })),
  ];
}

/** A fresh row for `p`: a log-uniform range for a learning rate, whole numbers for integers, values otherwise. */
export function newRow(p: Sweepable | undefined): ParameterRow {
  const kind: ParameterKind =
    p?.field.kind === 'number' ? (/rate/i.test(p.name) ? 'log-uniform' : 'uniform') : p?.field.kind === 'integer' ? 'int' : 'choice';
  return { name: p?.name ?? '', kind, values: '', min: '', max: '' };
}

export interface SweepParameterValue {
  name: string;
  values?: unknown[];
  min?: number;
  max?: number;
  scale?: 'LINEAR' | 'LOG';
}

function number(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** One value of a 'choice' row, as the parameter takes it (a number, true/false, an enum's value). */
function choiceValue(field: FormField, text: string): { value?: unknown; problem?: string } {
  if (field.kind === 'number' || field.kind === 'integer') {
    const n = number(text);
    if (n === undefined) return { problem: `'${text}' is not a number` };
    if (field.kind === 'integer' && !Number.isInteger(n)) return { problem: `'${text}' is not a whole number` };
    return { value: n };
  }
  if (field.kind === 'boolean') {
    if (text === 'true' || text === 'false') return { value: text === 'true' };
    return { problem: `'${text}' is neither true nor false` };
  }
  if (field.kind === 'enum') {
    const option = field.options?.find(
      (o) => String(o.value).toLowerCase() === text.toLowerCase() || o.label.toLowerCase() === text.toLowerCase(),
    );
    if (!option) return { problem: `'${text}' is not one of ${field.options?.map((o) => o.label).join(', ')}` };
    return { value: option.value };
  }
  return { value: text };
}

/**
 * The rows as createSweep's parameters, and every problem by its field (`parameters.<row>.<name|kind|values|min|max>`,
 * as the server's `extensions.field` names them). A GRID sweep takes values for every parameter.
 */
export function toParameters(
  rows: readonly ParameterRow[],
  sweepable: readonly Sweepable[],
  algorithm: 'GRID' | 'RANDOM' | 'TPE',
): { parameters: SweepParameterValue[]; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const parameters: SweepParameterValue[] = [];
  rows.forEach((row, i) => {
    const at = (part: string) => `parameters.${i}.${part}`;
    const p = sweepable.find((s) => s.name === row.name);
    if (!p) {
      errors[at('name')] = row.name ? `'${row.name}' cannot be swept here` : 'choose a parameter';
      return;
    }
    if (rows.findIndex((r) => r.name === row.name) !== i) errors[at('name')] = `${row.name} is already a parameter above`;
    if (row.kind === 'choice') {
      const texts = row.values
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (!texts.length) errors[at('values')] = 'give at least one value (comma-separated)';
      const values: unknown[] = [];
      for (const t of texts) {
        const { value, problem } = choiceValue(p.field, t);
        if (problem) errors[at('values')] ??= problem;
        else values.push(value);
      }
      parameters.push({ name: row.name, values });
      return;
    }
    if (algorithm === 'GRID') errors[at('kind')] = 'a GRID sweep takes values: choose choice, or RANDOM or TPE';
    if (p.field.kind !== 'number' && p.field.kind !== 'integer') errors[at('kind')] = `${row.name} takes no range: choose choice`;
    if (row.kind === 'int' && p.field.kind !== 'integer')
      errors[at('kind')] ??= `${row.name} is not a whole number: choose uniform or log-uniform`;
    const min = number(row.min);
    const max = number(row.max);
    if (min === undefined) errors[at('min')] = 'give a number';
    if (max === undefined) errors[at('max')] = 'give a number';
    if (min !== undefined && max !== undefined) {
      if (min > max) errors[at('max')] = `below min (${min})`;
      if (row.kind === 'log-uniform' && min <= 0) errors[at('min')] = 'a log-uniform range needs min > 0';
      if (row.kind === 'int' && (!Number.isInteger(min) || !Number.isInteger(max)))
        errors[at(Number.isInteger(min) ? 'max' : 'min')] = 'give a whole number';
    }
    parameters.push({ name: row.name, min, max, scale: row.kind === 'log-uniform' ? 'LOG' : 'LINEAR' });
  });
  if (!rows.length) errors.parameters = 'add at least one parameter to vary';
  return { parameters, errors };
}

/** Where a SWEEP_* refusal belongs: its `field`, else the row of its `parameter`; undefined when no field owns it. */
export function sweepErrorField(extensions: Record<string, unknown>, rows: readonly ParameterRow[]): string | undefined {
  if (typeof extensions.field === 'string') return extensions.field;
  const name =
    typeof extensions.parameter === 'string'
      ? extensions.parameter
      : extensions.parameters && typeof extensions.parameters === 'object' && Object.keys(extensions.parameters).length === 1
        ? Object.keys(extensions.parameters)[0]
        : undefined;
  const i = rows.findIndex((r) => r.name === name);
  if (i < 0) return undefined;
  return rows[i]?.kind === 'choice' ? `parameters.${i}.values` : `parameters.${i}.min`;
}
