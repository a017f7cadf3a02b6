// The New run page's trainer-settings form: made from the server's runSettingsSchema (the engine's trainer settings
// camelCased, with the run's maxLength, seed and device), split into CreateRunInput's fields, with the server's
// problems placed on their field.
import type { FormField } from './schema-form.ts';

/** The settings that are CreateRunInput's own fields; every other one goes into `hyperparameters`. */
export const RUN_LEVEL_SETTINGS = ['maxLength', 'seed', 'device'] as const;

/** The form's values as CreateRunInput's parts. */
export function splitRunSettings(values: Record<string, unknown>): {
  hyperparameters: Record<string, unknown>;
  run: Partial<Record<(typeof RUN_LEVEL_SETTINGS)[number], unknown>>;
} {
  const hyperparameters: Record<string, unknown> = {};
  const run: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if ((RUN_LEVEL_SETTINGS as readonly string[]).includes(key)) run[key] = value;
    else hyperparameters[key] = value;
  }
  return { hyperparameters, run };
}

/** 'training.warmup_steps' -> 'warmupSteps', 'training.early_stopping.min_delta' -> 'earlyStopping.minDelta', 'data.max_length' -> 'maxLength'. */
export function settingsKeyOf(specPath: string): string {
  return specPath.replace(/^(training|data)\./, '').replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * What a blank field means: the strategy's suggestion (its defaults are camelCased settings), else the schema's
 * default; with findLearningRate on, the learning rate is the range test's.
 */
export function settingsPlaceholders(
  fields: readonly FormField[],
  strategyDefaults: Record<string, unknown> | undefined,
  values: Record<string, unknown> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (list: readonly FormField[]) => {
    for (const f of list) {
      if (f.default !== undefined && f.default !== null && typeof f.default !== 'object') out[f.key] = String(f.default);
      visit(f.children ?? []);
    }
  };
  visit(fields);
  for (const [key, value] of Object.entries(strategyDefaults ?? {})) if (fields.some((f) => f.key === key)) out[key] = String(value);
  // The server leaves the strategy's rate out then: the range test picks it before training.
  if (values.findLearningRate === true) out.learningRate = 'found by the range test';
  return out;
}
