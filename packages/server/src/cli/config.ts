// The `tuneql train` configuration file (JSON or YAML): its schema, defaults, and errors that name the key.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const TASKS = ['sequence-classification', 'regression', 'token-classification', 'question-answering', 'causal-lm', 'masked-lm'] as const;

const columns = z.record(z.string(), z.string()).describe('task field -> column name (dotted paths reach into JSON objects)');

export const TrainConfigSchema = z.strictObject({
  /** A Hugging Face model folder: config.json, model.safetensors, tokenizer.json. */
  model: z.string().min(1),
  task: z.enum(TASKS),
  data: z.strictObject({
    /** One file, split 80/10/10 (stratified by label for classification). */
    file: z.string().optional(),
    train: z.string().optional(),
    validation: z.string().optional(),
    test: z.string().optional(),
    format: z.enum(['csv', 'jsonl']).optional(),
    columns,
    /** The label set, in id order; collected from the training data when omitted. */
    labels: z.array(z.string()).optional(),
    max_length: z.number().int().positive().default(128),
  }),
  training: z
    .strictObject({
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
    })
    .default({} as never),
  seed: z.number().int().min(0).default(42),
  device: z.enum(['cpu', 'webgpu', 'cuda']).default('cpu'),
  threads: z.number().int().positive().optional(),
});

export type TrainConfigFile = z.infer<typeof TrainConfigSchema>;

/** A configuration file that cannot be used; lists every problem with its key. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

/** Reads and validates CONFIG; relative paths in it are resolved against the file's folder. */
export async function readTrainConfig(file: string): Promise<TrainConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`${file}: cannot be read (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(`${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  const parsed = TrainConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigFileError(`${file}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.join('\n')}`);
  }
  const config = parsed.data;
  const { data } = config;
  if (!data.file && !data.train)
    throw new ConfigFileError(`${file}: data needs either 'file' (split for you) or 'train' (with optional 'validation' and 'test')`);
  if (data.file && (data.train || data.validation || data.test))
    throw new ConfigFileError(`${file}: data.file and data.train/validation/test are exclusive`);
  const base = dirname(resolve(file));
  const at = (p: string | undefined) => (p === undefined ? undefined : resolve(base, p));
  return {
    ...config,
    model: resolve(base, config.model),
    data: { ...data, file: at(data.file), train: at(data.train), validation: at(data.validation), test: at(data.test) },
  };
}
