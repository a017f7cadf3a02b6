// One fine-tuning run as data: model, task, dataset, strategy and trainer settings, shared by the
// `tuneql train` configuration file and the server's runs.

import {
  CONFIG_SIZE_LIMITS,
  TASKS as ENGINE_TASKS,
  type Task as EngineTask,
  HF_TRAINING_ALIASES,
  learningRateConflict,
  metricProblem,
  precisionProblem,
  SeedSchema,
  snakeKeys,
  strictObjectWithHints,
  TrainingSectionSchema,
  trainingPrecisionProblem,
} from '@tuneql/engine';
import { z } from 'zod';

/** The engine's tasks, as the tuple zod's enum needs. */
export const TASKS = ENGINE_TASKS as readonly [EngineTask, ...EngineTask[]];

const columns = z.record(z.string(), z.string()).describe('task field -> column name (dotted paths reach into JSON objects)');

export const DataSpecSchema = strictObjectWithHints({
  /** One file, split 80/10/10 (stratified by label for classification). */
  file: z.string().optional(),
  train: z.string().optional(),
  validation: z.string().optional(),
  test: z.string().optional(),
  format: z.enum(['csv', 'jsonl']).optional(),
  columns,
  /** The label set, in id order; collected from the training data when omitted. */
  labels: z.array(z.string()).optional(),
  max_length: z
    .number()
    .int()
    .min(1)
    .max(CONFIG_SIZE_LIMITS.max_position_embeddings as number)
    .default(128)
    .describe("Most tokens per example; longer ones are cut. At most the model's positions."),
});

export const StrategySpecSchema = strictObjectWithHints({
  /** A registered strategy's id: full, partial, lora, bottleneck, or a plugin's. @default 'full' */
  id: z.string().min(1).default('full'),
  /** The strategy's own options, checked against its schema when the run is prepared. @default {} */
  config: z.record(z.string(), z.unknown()).default({}),
});

/** The `training:` section: the engine's trainer settings (TrainerSettingsSchema), Hugging Face's names accepted. */
export const TrainingSpecSchema = TrainingSectionSchema;

export const DeviceSchema = z.enum(['cpu', 'webgpu', 'cuda']).default('cpu').describe('Where training runs: cpu, webgpu or cuda.');

const RunSpecObject = strictObjectWithHints({
  /** A Hugging Face model folder: config.json, model.safetensors, tokenizer.json. */
  model: z.string().min(1),
  /**
   * What exports record as their base model (PEFT's base_model_name_or_path): a name, never a path of
   * this machine. @default the model folder's name (the server passes the registered model's name)
   */
  model_name: z.string().min(1).optional(),
  task: z.enum(TASKS),
  data: DataSpecSchema,
  /** @default { id: 'full', config: {} } */
  strategy: StrategySpecSchema.prefault({}),
  // prefault, not default: zod 4 returns a default as it is, without filling in the inner defaults.
  training: TrainingSpecSchema.prefault({}),
  seed: SeedSchema,
  device: DeviceSchema,
  /** onnxruntime's CPU threads. @default all cores */
  threads: z.number().int().min(1).max(1_024).optional(),
}).superRefine((spec, ctx) => {
  // The metric's names depend on the task, which the training section does not know.
  const problem = spec.training.metric === undefined ? undefined : metricProblem(spec.task, spec.training.metric);
  if (problem) ctx.addIssue({ code: 'custom', path: ['training', 'metric'], message: problem });
  if (spec.training.packing && spec.task !== 'causal-lm') {
    ctx.addIssue({ code: 'custom', path: ['training', 'packing'], message: `packing applies to causal-lm, not ${spec.task}` });
  }
  const precision = precisionProblem(spec.training.precision, spec.training.gradient_accumulation > 1, spec.device);
  if (precision) ctx.addIssue({ code: 'custom', path: ['training', 'precision'], message: precision });
  if (spec.training.find_learning_rate && spec.task === 'masked-lm') {
    ctx.addIssue({
      code: 'custom',
      path: ['training', 'find_learning_rate'],
      message: 'the learning-rate range test does not run masked-LM pre-training; give a learning_rate',
    });
  }
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Hugging Face keeps the seed among the training arguments; here it is the run's (data splits and new weights
 * use it too). Given in both places at two values, it stays in `training`, whose schema refuses it.
 */
function liftTrainingSeed(raw: unknown): unknown {
  if (!isRecord(raw) || !isRecord(raw.training) || !('seed' in raw.training)) return raw;
  const { seed, ...training } = raw.training;
  if (raw.seed !== undefined && raw.seed !== seed) return raw;
  return { ...raw, seed, training };
}

export const RunSpecSchema = z.preprocess(liftTrainingSeed, RunSpecObject);

/** A run as validated, defaults filled in. */
export type RunSpec = z.output<typeof RunSpecSchema>;
/** A run as a user writes it (defaults optional). */
export type RunSpecInput = z.input<typeof RunSpecSchema>;
export type Task = RunSpec['task'];

/**
 * The training section with a strategy's suggested settings (camelCase, as defineStrategy gives them) under
 * the ones the user set, by TuneQL's or Hugging Face's name: LoRA's 2e-4 unless a learning rate is given.
 */
export function withStrategyDefaults(training: unknown, suggested: Readonly<Record<string, unknown>>): unknown {
  if (training !== undefined && !isRecord(training)) return training;
  const conflict = learningRateConflict(training);
  if (conflict) throw new RunSpecError(conflict, [{ path: 'training.find_learning_rate', message: conflict }]);
  const precision = trainingPrecisionProblem(training);
  if (precision) throw new RunSpecError(precision, [{ path: 'training.precision', message: precision }]);
  const given = training ?? {};
  const out: Record<string, unknown> = { ...given };
  // The range test picks the rate: the strategy's suggestion would only collide with it.
  const finding = given.find_learning_rate === true;
  for (const [key, value] of Object.entries(snakeKeys({ ...suggested }))) {
    if (finding && key === 'learning_rate') continue;
    const aliases = Object.entries(HF_TRAINING_ALIASES).filter(([, name]) => name === key);
    if (!(key in given) && !aliases.some(([alias]) => alias in given)) out[key] = value;
  }
  return out;
}

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
