// One fine-tuning run as data: model, task, dataset, strategy and trainer settings, shared by the
// `tuneql train` configuration file and the server's runs.

import { TASKS as ENGINE_TASKS, type Task as EngineTask } from '@tuneql/engine';
import { z } from 'zod';

/** The engine's tasks, as the tuple zod's enum needs. */
export const TASKS = ENGINE_TASKS as readonly [EngineTask, ...EngineTask[]];

const columns = z.record(z.string(), z.string()).describe('task field -> column name (dotted paths reach into JSON objects)');

export const DataSpecSchema = z.strictObject({
  /** One file, split 80/10/10 (stratified by label for classification). */
  file: z.string().optional(),
  train: z.string().optional(),
  validation: z.string().optional(),
  test: z.string().optional(),
  format: z.enum(['csv', 'jsonl']).optional(),
  columns,
  /** The label set, in id order; collected from the training data when omitted. */
  labels: z.array(z.string()).optional(),
  /** @default 128 */
  max_length: z.number().int().positive().default(128),
});

export const StrategySpecSchema = z.strictObject({
  /** A registered strategy's id: full, partial, lora, bottleneck, or a plugin's. @default 'full' */
  id: z.string().min(1).default('full'),
  /** The strategy's own options, checked against its schema when the run is prepared. @default {} */
  config: z.record(z.string(), z.unknown()).default({}),
});

export const TrainingSpecSchema = z.strictObject({
  epochs: z.number().int().positive().default(3),
  max_steps: z.number().int().positive().optional(),
  batch_size: z.number().int().positive().default(16),
  eval_batch_size: z.number().int().positive().optional(),
  gradient_accumulation: z.number().int().positive().default(1),
  learning_rate: z.number().positive().default(2e-5),
  schedule: z.enum(['linear', 'cosine', 'constant']).default('linear'),
  warmup_ratio: z.number().min(0).max(1).default(0),
  warmup_steps: z.number().int().min(0).optional(),
  weight_decay: z.number().min(0).default(0.01),
  clip_grad_norm: z.number().positive().nullable().default(1),
  label_smoothing: z.number().min(0).max(1).optional(),
  eval_every: z.number().int().positive().optional(),
  metric: z.string().optional(),
  early_stopping: z.strictObject({ patience: z.number().int().positive(), min_delta: z.number().min(0).default(0) }).optional(),
  max_buckets: z.number().int().positive().default(4),
  keep_checkpoints: z.number().int().positive().default(2),
});

export const RunSpecSchema = z.strictObject({
  /** A Hugging Face model folder: config.json, model.safetensors, tokenizer.json. */
  model: z.string().min(1),
  task: z.enum(TASKS),
  data: DataSpecSchema,
  /** @default { id: 'full', config: {} } */
  strategy: StrategySpecSchema.prefault({}),
  // prefault, not default: zod 4 returns a default as it is, without filling in the inner defaults.
  training: TrainingSpecSchema.prefault({}),
  /** @default 42 */
  seed: z.number().int().min(0).default(42),
  /** @default 'cpu' */
  device: z.enum(['cpu', 'webgpu', 'cuda']).default('cpu'),
  /** onnxruntime's CPU threads. @default all cores */
  threads: z.number().int().positive().optional(),
});

/** A run as validated, defaults filled in. */
export type RunSpec = z.output<typeof RunSpecSchema>;
/** A run as a user writes it (defaults optional). */
export type RunSpecInput = z.input<typeof RunSpecSchema>;
export type Task = RunSpec['task'];

/** A run that cannot start as specified; `problems` name each field at fault. */
export class RunSpecError extends Error {
  override name = 'RunSpecError';
  readonly problems: readonly { path: string; message: string }[];

  constructor(message: string, problems: readonly { path: string; message: string }[] = []) {
    super(message);
    this.problems = problems;
  }
}

/** The data sources' rule the schema cannot say: one file to split, or a train file with optional others. */
export function dataSourceProblem(data: RunSpec['data']): string | undefined {
  if (!data.file && !data.train) return "data needs either 'file' (split for you) or 'train' (with optional 'validation' and 'test')";
  if (data.file && (data.train || data.validation || data.test)) return 'data.file and data.train/validation/test are exclusive';
  return undefined;
}

/** Validates a run (from the API, a queue payload...); every problem comes back in one RunSpecError. */
export function parseRunSpec(raw: unknown): RunSpec {
  const parsed = RunSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new RunSpecError(
      `the run has ${problems.length} problem${problems.length > 1 ? 's' : ''}: ${problems.map((p) => `${p.path || '(top level)'}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  checkRunSpec(parsed.data);
  return parsed.data;
}

/** The checks beyond the schema, for a RunSpec built in code. */
export function checkRunSpec(spec: RunSpec): void {
  const problem = dataSourceProblem(spec.data);
  if (problem) throw new RunSpecError(problem, [{ path: 'data', message: problem }]);
}
