// The trainer's settings: one zod schema that holds every setting's type, bounds, default and description.
// The trainer's defaults, the `tuneql train` config's `training:` section, the API's hyperparameters
// input, the console's form and the README's table are all made from it (as Hugging Face's
// TrainingArguments is one dataclass behind its CLI and docs).

import { z } from 'zod';
import { PRECISIONS, precisionProblem } from '../step/compile.ts';
import { unknownKeysMessage } from './spelling.ts';

/**
 * A strict object whose unknown keys are answered with the nearest known key, or the list of keys; `explain`
 * may answer a key in its own words (see unknownKeysMessage).
 */
export function strictObjectWithHints<S extends z.ZodRawShape>(
  shape: S,
  aliases: Readonly<Record<string, string>> = {},
  explain?: (key: string) => string | undefined,
) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, known, aliases, explain) : undefined),
  });
}

/**
 * Hugging Face TrainingArguments names accepted for TuneQL's (learning_rate, weight_decay, warmup_ratio,
 * warmup_steps, max_steps and gradient_checkpointing are the same in both).
 */
export const HF_TRAINING_ALIASES = {
  num_train_epochs: 'epochs',
  per_device_train_batch_size: 'batch_size',
  per_device_eval_batch_size: 'eval_batch_size',
  gradient_accumulation_steps: 'gradient_accumulation',
  eval_steps: 'eval_every',
  save_total_limit: 'keep_checkpoints',
  label_smoothing_factor: 'label_smoothing',
  lr_scheduler_type: 'schedule',
  max_grad_norm: 'clip_grad_norm',
} as const satisfies Record<string, string>;

/**
 * Upper bounds of the settings that size allocations or loops: far above any real run, low enough that a
 * typo (1e9) is refused with the setting's name before anything is queued, not met as a failed allocation.
 */
export const SETTING_LIMITS = {
  /** Examples per (micro-)batch: activations grow with it. */
  batch: 65_536,
  gradientAccumulation: 4_096,
  epochs: 10_000,
  /** Optimizer steps (max_steps, warm-up steps, evaluation period). */
  steps: 100_000_000,
  /** Length buckets: each is an onnxruntime session holding the model's frozen weights. */
  buckets: 64,
  checkpoints: 1_000,
  patience: 10_000,
  /** Texts the retention check scores at every evaluation. */
  retentionSample: 10_000,
} as const;

/** An integer in [1, max]. */
const positiveInt = (max: number) => z.number().int().min(1).max(max);

export const EarlyStoppingSchema = strictObjectWithHints({
  patience: positiveInt(SETTING_LIMITS.patience).describe('Evaluations without improvement before the run stops.'),
  min_delta: z
    .number()
    .min(0)
    .default(0)
    .describe(
      'An evaluation is an improvement only when the monitored value beats its value at the last improvement by more than this; a tie or a smaller gain is not (small gains count once they add up to more).',
    ),
  monitor: z
    .enum(['metric', 'loss'])
    .default('metric')
    .describe('What stopping watches: the metric or the validation loss (the best weights follow the metric either way).'),
});

export const RetentionSchema = strictObjectWithHints({
  sample_size: positiveInt(SETTING_LIMITS.retentionSample)
    .default(64)
    .describe('Held-back texts (drawn from `texts`) the tuned backbone is scored on.'),
  texts: z
    .enum(['validation', 'model'])
    .default('validation')
    .describe(
      "Where the sample comes from: the run's `validation` split, or general text the base `model` folder ships in retention.jsonl (text like its pre-training data that it never trained on).",
    ),
  threshold: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe("The least retention accepted: below it the action is taken (0.5: the sample's perplexity doubled; 0: never)."),
  action: z
    .enum(['warn', 'stop'])
    .default('warn')
    .describe('Below the threshold: `warn` (a warning event), or `stop` the run, keeping the best weights above it.'),
});

const settingsShape = {
  epochs: positiveInt(SETTING_LIMITS.epochs).default(3).describe('Passes over the training split.'),
  max_steps: positiveInt(SETTING_LIMITS.steps)
    .optional()
    .describe('Stop after this many optimizer steps, before the epochs are done if sooner.'),
  batch_size: positiveInt(SETTING_LIMITS.batch).default(16).describe('Examples per micro-batch.'),
  eval_batch_size: positiveInt(SETTING_LIMITS.batch).optional().describe('Examples per evaluation batch; unset: the training batch size.'),
  gradient_accumulation: positiveInt(SETTING_LIMITS.gradientAccumulation).default(1).describe('Micro-batches summed per optimizer step.'),
  learning_rate: z.number().positive().default(2e-5).describe("Peak learning rate; unset: the strategy's suggestion, else this."),
  find_learning_rate: z
    .boolean()
    .default(false)
    .describe(
      'Pick the peak learning rate with a range test before training (rates rising from 1e-7 to 1 over 100 steps, the steepest fall of the loss; the weights are restored after it); give no learning rate with it.',
    ),
  schedule: z.enum(['linear', 'cosine', 'constant']).default('linear').describe('Learning-rate decay after warm-up.'),
  warmup_ratio: z.number().min(0).max(1).default(0).describe('Warm-up as a fraction of all steps, unless warm-up steps are set.'),
  warmup_steps: z.number().int().min(0).max(SETTING_LIMITS.steps).optional().describe('Warm-up steps; overrides the warm-up ratio.'),
  weight_decay: z.number().min(0).default(0.01).describe('AdamW decoupled weight decay on weight matrices (not biases nor norms).'),
  clip_grad_norm: z.number().positive().nullable().default(1).describe('Global gradient-norm clipping; null turns it off.'),
  label_smoothing: z.number().min(0).max(1).default(0).describe('Label smoothing of the cross-entropy loss.'),
  eval_every: positiveInt(SETTING_LIMITS.steps)
    .optional()
    .describe('Evaluate (and checkpoint) every N optimizer steps as well as at each epoch end.'),
  metric: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The validation metric that picks the best weights and drives early stopping; unset: the task's (accuracy, mse, entity_f1, f1 or loss).",
    ),
  early_stopping: EarlyStoppingSchema.optional().describe(
    'Stop when the monitored value (the metric, or the validation loss) has not improved by more than the minimum delta for `patience` evaluations; unset: never.',
  ),
  retention: RetentionSchema.optional().describe(
    "Score the tuned backbone with the base model's masked- or causal-LM head at every evaluation (`eval_retention`, 1 = unchanged); unset: off.",
  ),
  max_buckets: positiveInt(SETTING_LIMITS.buckets).default(4).describe('Length buckets (static shapes) at most.'),
  keep_checkpoints: positiveInt(SETTING_LIMITS.checkpoints)
    .default(2)
    .describe('Checkpoints kept on disk (the best weights are kept apart).'),
  divergence_factor: z
    .number()
    .gt(1)
    .default(100)
    .describe('Stop when the step loss, smoothed over about ten steps, exceeds this multiple of its lowest value so far.'),
  precision: z
    .enum(PRECISIONS)
    .default('fp32')
    .describe(
      "Compute precision. fp16: float16 GEMMs on float32 weights and optimizer state, with dynamic loss scaling (overflowed steps are skipped and counted as skipped_steps); needs a GPU with WebGPU's shader-f16, not the cpu provider, and no gradient accumulation. bf16 is refused: onnxruntime-node ships no bfloat16 kernels.",
    ),
  packing: z
    .boolean()
    .default(false)
    .describe(
      'Causal LM: lay short training examples end to end in rows as long as the longest one; attention and positions stay within each example.',
    ),
  gradient_checkpointing: z
    .boolean()
    .default(false)
    .describe(
      "Activation recomputation: the backward pass recomputes each transformer block from its input instead of keeping the block's activations, so long sequences and large batches need less memory (about a third more compute per step).",
    ),
  init: z
    .enum(['pretrained', 'random'])
    .default('pretrained')
    .describe(
      "The base model's weights: `pretrained` loads the checkpoint; `random` builds the same architecture from its config.json with fresh weights (seeded as a new head is), to show what pre-training brings.",
    ),
};

/** Every trainer setting (snake_case, as the config file writes them). */
export const TrainerSettingsSchema = strictObjectWithHints(settingsShape, HF_TRAINING_ALIASES);

/** The run's seed: shuffling, dropout, data splits and new weights. */
export const SeedSchema = z.number().int().min(0).default(42).describe('Shuffling, dropout, data splits and new weights.');

/** The settings as validated, defaults filled in. */
export type TrainerSettings = z.output<typeof TrainerSettingsSchema>;
/** The settings as a user writes them (every one optional). */
export type TrainerSettingsInput = z.input<typeof TrainerSettingsSchema>;

/** Every setting's default: the one copy of them. */
export const TRAINER_SETTINGS_DEFAULTS: TrainerSettings = TrainerSettingsSchema.parse({});
export const DEFAULT_SEED: number = SeedSchema.parse(undefined);

type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
/** An object type with its keys in camelCase, nested objects too. */
export type CamelKeys<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T as K extends string ? Camel<K> : K]: CamelKeys<T[K]> }
    : T;

/** 'batch_size' -> 'batchSize'. */
export const camelName = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** 'batchSize' -> 'batch_size'. */
export const snakeName = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function renameKeys(value: unknown, rename: (key: string) => string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), renameKeys(v, rename)]));
}

/** The settings (or any plain object) with camelCase keys, nested objects too: as the API and the trainer name them. */
export function camelKeys<T>(value: T): CamelKeys<T> {
  return renameKeys(value, camelName) as CamelKeys<T>;
}

/** The inverse of camelKeys, for settings that arrive camelCased (the API, a strategy's suggestions). */
export function snakeKeys(value: Record<string, unknown>): Record<string, unknown> {
  return renameKeys(value, snakeName) as Record<string, unknown>;
}

/**
 * Puts Hugging Face names under TuneQL's. An alias given along with the name it stands for, at another value,
 * is left in place, for the schema to refuse with every other problem (see TrainingSectionSchema).
 */
export function resolveTrainingAliases(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const [alias, name] of Object.entries(HF_TRAINING_ALIASES)) {
    if (!(alias in out)) continue;
    if (name in out && JSON.stringify(out[name]) !== JSON.stringify(out[alias])) continue;
    out[name] = out[alias];
    delete out[alias];
  }
  return out;
}

/** Why a key of the training section is refused, where a plain "unknown key" would mislead. */
function explainTrainingKey(key: string): string | undefined {
  const name = (HF_TRAINING_ALIASES as Record<string, string>)[key];
  if (name) return `'${key}' is Hugging Face's name for '${name}', and both are given with different values; keep one`;
  // The run's seed is lifted from here (where Hugging Face keeps it) unless the run gives another.
  if (key === 'seed') return "'seed' is given here (where Hugging Face keeps it) and at the top level with different values; keep one";
  return undefined;
}

/**
 * The `training:` section of a config: the settings under TuneQL's or Hugging Face's names; an alias and the
 * name it stands for at two values are refused, along with every other problem of the file.
 */
export const TrainingSectionSchema = z.preprocess(
  resolveTrainingAliases,
  strictObjectWithHints(settingsShape, HF_TRAINING_ALIASES, explainTrainingKey),
);

/**
 * find_learning_rate with a learning rate given in the same section (the user's, before defaults): the two
 * would both set the rate. Checked where settings come in (a config file, the API's input), not by the schema:
 * parsed settings always hold a rate (the default), and a stored run's are parsed again by its worker.
 */
export function learningRateConflict(given: unknown): string | undefined {
  const g = resolveTrainingAliases(given) as Record<string, unknown> | undefined;
  if (typeof g !== 'object' || g === null || g.find_learning_rate !== true) return undefined;
  if (g.learning_rate === undefined || g.learning_rate === null) return undefined;
  return `find_learning_rate picks the learning rate, and learning_rate ${String(g.learning_rate)} is given too; keep one`;
}

/**
 * A precision this build cannot train in (bf16), or fp16 with gradient accumulation, in the user's settings:
 * refused where settings come in, before a run is queued (the cpu provider's refusal of fp16 comes from the
 * worker, which knows its provider).
 */
export function trainingPrecisionProblem(given: unknown): string | undefined {
  const g = resolveTrainingAliases(given) as Record<string, unknown> | undefined;
  if (typeof g !== 'object' || g === null || typeof g.precision !== 'string') return undefined;
  const accumulation = typeof g.gradient_accumulation === 'number' ? g.gradient_accumulation : 1;
  return precisionProblem(g.precision, accumulation > 1);
}
