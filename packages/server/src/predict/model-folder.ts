// A model folder as TuneQL writes it: the Hugging Face layout with its tokenizer files, tuneql.json (the
// card that says how to use it) and model.onnx (also at onnx/model.onnx, where Optimum and
// transformers.js look for it), and for a causal language model generation_config.json and the
// cached generation graph onnx/decoder_with_past_model.onnx; and how the card is read back, from any
// Hugging Face folder.

import { existsSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_CHAT_TEMPLATE,
  exportDecoderWithPast,
  exportOnnx,
  type PretrainedModel,
  savePretrained,
  type Task,
  taskOfClass,
} from '@tuneql/engine';
import { GENERATION_CONFIG_FILE, generationConfigOf } from './generation-config.ts';
import { writeTokenizerConfig } from './tokenizer-config.ts';

export const CARD_FILE = 'tuneql.json';
export const ONNX_FILE = 'model.onnx';
/** The ONNX file's second name, in Optimum's layout. */
export const OPTIMUM_ONNX_FILE = join('onnx', ONNX_FILE);
export const TOKENIZER_FILE = 'tokenizer.json';
/** A decoder's generation step with its key/value cache (exportDecoderWithPast), under Optimum's name for it. */
export const DECODER_WITH_PAST_FILE = join('onnx', 'decoder_with_past_model.onnx');

/** Whether `model` is a decoder that generates, and so gets a generation config and a cached export. */
export function generates(model: PretrainedModel): boolean {
  return model.task === 'causal-lm' && model.arch.cacheShape !== undefined;
}

/** What `tuneql.json` in a saved model says, so a predictor knows how to use it. */
export interface ModelCard {
  task: Task;
  labels?: string[];
  max_length: number;
}

export interface WriteModelFolderOptions {
  /** The tokenizer.json copied next to the model. */
  tokenizerFile: string;
  card: ModelCard;
  /** Also write config.json and model.safetensors (the Hugging Face layout). @default true */
  weights?: boolean;
}

/**
 * Writes `dir` (created if needed): config.json + model.safetensors, tokenizer.json with
 * tokenizer_config.json and special_tokens_map.json, tuneql.json, model.onnx and onnx/model.onnx; for
 * a causal language model also generation_config.json and onnx/decoder_with_past_model.onnx, and a
 * `chat_template` in tokenizer_config.json (the base's, else DEFAULT_CHAT_TEMPLATE).
 */
export async function writeModelFolder(dir: string, model: PretrainedModel, options: WriteModelFolderOptions): Promise<void> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  if (options.weights ?? true) await savePretrained(dir, model);
  await copyFile(options.tokenizerFile, join(dir, TOKENIZER_FILE));
  // A decoder without a template of its own is given the one TuneQL renders its conversations with.
  await writeTokenizerConfig(dir, options.tokenizerFile, generates(model) ? DEFAULT_CHAT_TEMPLATE : undefined);
  await writeFile(join(dir, CARD_FILE), `${JSON.stringify(options.card, null, 2)}\n`);
  await exportOnnx(model, join(dir, ONNX_FILE));
  // A second name for the same file, not a second copy (a copy where links are not possible).
  await link(join(dir, ONNX_FILE), join(dir, OPTIMUM_ONNX_FILE)).catch(() => copyFile(join(dir, ONNX_FILE), join(dir, OPTIMUM_ONNX_FILE)));
  if (generates(model)) {
    const tokenizer = JSON.parse(readFileSync(options.tokenizerFile, 'utf8'));
    const config = generationConfigOf(model.config.raw, tokenizer);
    await writeFile(join(dir, GENERATION_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    await writeFile(join(dir, DECODER_WITH_PAST_FILE), exportDecoderWithPast(model));
  }
}

/** tuneql.json, written with the model; for any other Hugging Face folder, what config.json says. */
export function readModelCard(dir: string): ModelCard {
  const file = join(dir, CARD_FILE);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ModelCard;
  const configFile = join(dir, 'config.json');
  if (!existsSync(configFile)) throw new Error(`${dir} is not a model folder: it has neither ${CARD_FILE} nor config.json`);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as {
    architectures?: string[];
    id2label?: Record<string, string>;
    max_position_embeddings?: number;
    n_positions?: number;
  };
  const task = config.architectures?.map(taskOfClass).find((t) => t !== undefined);
  if (!task)
    throw new Error(`${configFile}: 'architectures' names no class TuneQL can run (${config.architectures?.join(', ') ?? 'none'})`);
  const ids = config.id2label ? Object.keys(config.id2label).sort((x, y) => Number(x) - Number(y)) : undefined;
  return {
    task,
    labels: ids?.map((k) => config.id2label?.[k] as string),
    max_length: config.max_position_embeddings ?? config.n_positions ?? 512,
  };
}
