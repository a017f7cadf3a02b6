// Bottleneck adapters' options (AdapterHub's Pfeiffer and Houlsby configurations) and hyperparameters.

import { z } from 'zod';
import type { StrategyDefaults } from '../../contract/strategy.ts';

export const bottleneckConfigSchema = z.strictObject({
  variant: z
    .enum(['pfeiffer', 'houlsby'])
    .default('pfeiffer')
    .describe('pfeiffer: one adapter after each feed-forward block; houlsby: after the attention block too'),
  reductionFactor: z
    .number()
    .min(1)
    .max(65_536)
    .default(16)
    .describe("hidden size / bottleneck size; at most the model's hidden size (a bottleneck of one unit)"),
  nonLinearity: z.enum(['relu', 'gelu', 'tanh', 'swish']).default('relu').describe('activation inside the bottleneck'),
  residual: z
    .boolean()
    .default(true)
    .describe("add the adapter's input to its output (with the zero-initialized up-projection, it starts as the identity)"),
  trainLayerNorms: z.boolean().default(false).describe("also train the base model's layer norms (Houlsby et al. did)"),
  modulesToSave: z
    .array(z.string().min(1))
    .optional()
    .describe('modules trained in full and saved with the adapter; default: the task head'),
});

export type BottleneckConfig = z.output<typeof bottleneckConfigSchema>;

/** AdapterHub's usual rate for bottleneck adapters. */
export const BOTTLENECK_DEFAULTS: StrategyDefaults = { learningRate: 1e-4, epochs: 3, weightDecay: 0.01, warmupRatio: 0.1 };
