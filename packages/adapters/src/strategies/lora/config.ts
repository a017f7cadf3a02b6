// LoRA's options (PEFT's LoraConfig under camelCase names) and hyperparameters.

import { z } from 'zod';
import type { StrategyDefaults } from '../../contract/strategy.ts';
import { moduleTargetSchema } from '../../modules/targets.ts';

/** The largest rank the schema takes; inject also holds r to each target layer's smaller side. */
export const LORA_MAX_RANK = 4_096;

export const loraConfigSchema = z.strictObject({
  r: z
    .int()
    .min(1)
    .max(LORA_MAX_RANK)
    .default(8)
    .describe('rank of the update B @ A; at most the smaller side of every target layer (a higher rank adds nothing)'),
  alpha: z
    .number()
    .positive()
    .max(65_536)
    .default(16)
    .describe('scaling numerator: the update is scaled by alpha / r (alpha / sqrt(r) with useRslora)'),
  dropout: z.number().min(0).lt(1).default(0.05).describe("dropout on the LoRA branch's input during training"),
  targetModules: moduleTargetSchema
    .optional()
    .describe("layers to adapt; default: the attention query and value projections (PEFT's defaults per architecture)"),
  bias: z.enum(['none', 'all', 'lora_only']).default('none').describe('which biases also train: none, all, or those of the adapted layers'),
  useRslora: z.boolean().default(false).describe('rank-stabilized scaling alpha / sqrt(r)'),
  modulesToSave: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "modules trained in full and saved with the adapter, besides the task head and any module the checkpoint lacked (a new pooler), which always are; an entry names a module path or its last segments ('pooler', 'bert.pooler.dense'), as PEFT's modules_to_save",
    ),
  trainableTokenIndices: z
    .array(z.int().min(0))
    .max(65_536)
    .optional()
    .describe(
      "token ids whose rows of the input embeddings (and of an LM head tied to them) train, the rest frozen, as PEFT's trainable_token_indices: for tokens the base model never learned to write, such as a chat template's markup (`<|im_end|>`)",
    ),
});

export type LoraConfig = z.output<typeof loraConfigSchema>;

/** PEFT's default target modules per architecture. */
export const DEFAULT_TARGETS: Readonly<Record<string, readonly string[]>> = {
  bert: ['query', 'value'],
  roberta: ['query', 'value'],
  distilbert: ['q_lin', 'v_lin'],
  gpt2: ['c_attn'],
  llama: ['q_proj', 'v_proj'],
};

/** LoRA's usual rate: the adapter starts from zero and has few weights. */
export const LORA_DEFAULTS: StrategyDefaults = { learningRate: 2e-4, epochs: 3, weightDecay: 0.01, warmupRatio: 0.1 };

export function scaling(config: Pick<LoraConfig, 'r' | 'alpha' | 'useRslora'>): number {
  return config.useRslora ? config.alpha / Math.sqrt(config.r) : config.alpha / config.r;
}
