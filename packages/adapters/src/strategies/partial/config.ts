// Partial fine-tuning's options: which layer groups train, and gradual unfreezing.

import { z } from 'zod';
import type { StrategyDefaults } from '../../contract/strategy.ts';

/** As many layers as a model config may declare (the engine's bound on num_hidden_layers); inject checks the model's own count. */
const MAX_LAYERS = 1_024;

export const partialConfigSchema = z
  .strictObject({
    freezeEmbeddings: z.boolean().default(true).describe('keep the embeddings (and everything before the first layer) frozen'),
    freezeLayers: z.int().min(0).max(MAX_LAYERS).default(0).describe('freeze the lower k transformer layers'),
    trainLayers: z
      .int()
      .min(0)
      .max(MAX_LAYERS)
      .optional()
      .describe('train only the top k transformer layers and the head (instead of freezeLayers)'),
    headOnly: z
      .boolean()
      .default(false)
      .describe('train only the task head (and what lies between the last layer and it: pooler, final norm)'),
    unfreezeEvery: z
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe('gradual unfreezing: start with the head and unfreeze one more group, from the top, every N epochs'),
  })
  .superRefine((c, ctx) => {
    if (c.trainLayers !== undefined && c.freezeLayers > 0) {
      ctx.addIssue({ code: 'custom', path: ['trainLayers'], message: 'give either freezeLayers or trainLayers, not both' });
    }
    if (c.headOnly && (c.trainLayers !== undefined || c.freezeLayers > 0)) {
      ctx.addIssue({ code: 'custom', path: ['headOnly'], message: 'headOnly trains no layer; drop freezeLayers and trainLayers' });
    }
  });

export type PartialConfig = z.output<typeof partialConfigSchema>;

/** Between full fine-tuning's rate and an adapter's: fewer, higher weights move. */
export const PARTIAL_DEFAULTS: StrategyDefaults = { learningRate: 5e-5, epochs: 3, weightDecay: 0.01, warmupRatio: 0.1 };
