// The trainer settings of CreateRunInput as a JSON Schema, so they share the strategy form's inputs and checks.
// Blank means the server's default (placeholders say which); the server has the last word on every value.
import type { JsonSchema } from '../../../lib/schema-form.ts';

const positiveInt = { type: 'integer', minimum: 1 };

export const TRAINER_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    epochs: { ...positiveInt, description: 'Passes over the training split.' },
    maxSteps: { ...positiveInt, description: 'Stops after this many optimizer steps, whatever epochs says.' },
    batchSize: { ...positiveInt, description: 'Examples per step.' },
    gradientAccumulation: { ...positiveInt, description: 'Micro-batches summed per optimizer step.' },
    learningRate: { type: 'number', exclusiveMinimum: 0, description: "Peak learning rate; blank takes the strategy's suggestion." },
    schedule: { type: 'string', enum: ['linear', 'cosine', 'constant'], description: 'Learning-rate decay after warm-up.' },
    warmupRatio: { type: 'number', minimum: 0, maximum: 1, description: 'Share of the steps spent warming up.' },
    weightDecay: { type: 'number', minimum: 0, description: 'AdamW decoupled weight decay.' },
    clipGradNorm: { type: 'number', exclusiveMinimum: 0, description: 'Global gradient-norm clip.' },
    evalEvery: { ...positiveInt, description: 'Evaluate (and checkpoint) every N steps as well as at each epoch end.' },
    metric: { type: 'string', description: "The metric that picks the best checkpoint (accuracy, f1, loss...); blank: the task's." },
    earlyStoppingPatience: { ...positiveInt, description: 'Stop after this many evaluations without improvement.' },
    maxLength: { ...positiveInt, title: 'Max length', description: 'Most tokens per example.' },
    seed: { type: 'integer', minimum: 0, description: 'Shuffling, dropout and initialization.' },
    device: { type: 'string', enum: ['cpu', 'webgpu', 'cuda'], description: 'Execution provider.' },
  },
};

/** What a blank field means. */
export function trainerPlaceholders(strategyDefaults: Record<string, unknown> | undefined): Record<string, string> {
  return {
    epochs: '3',
    batchSize: '16',
    gradientAccumulation: '1',
    learningRate: String(strategyDefaults?.learningRate ?? '2e-5'),
    warmupRatio: '0',
    weightDecay: '0.01',
    clipGradNorm: '1',
    maxLength: '128',
    seed: '42',
    maxSteps: 'no limit',
    evalEvery: 'each epoch end',
    earlyStoppingPatience: 'off',
    metric: "the task's",
  };
}

/** The run spec's paths (training.batch_size, data.max_length) that the server names in RUN_INVALID_INPUT problems, as form keys. */
export function trainerKeyOf(specPath: string): string | undefined {
  if (specPath === 'data.max_length') return 'maxLength';
  if (specPath === 'seed' || specPath === 'device') return specPath;
  if (specPath.startsWith('training.early_stopping')) return 'earlyStoppingPatience';
  const m = /^training\.([a-z_]+)/.exec(specPath);
  if (!m?.[1]) return undefined;
  const key = m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return key in (TRAINER_SCHEMA.properties as Record<string, unknown>) ? key : undefined;
}
