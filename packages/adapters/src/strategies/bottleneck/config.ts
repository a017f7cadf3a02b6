// Bottleneck adapters' options (AdapterHub's Pfeiffer and Houlsby configurations) and hyperparameters.

import { z } from 'zod';
import type { StrategyDefaults } from '../../contract/strategy.ts';

export const NON_LINEARITIES = ['relu', 'gelu', 'tanh', 'swish'] as const;
export const INIT_WEIGHTS = ['bert', 'mam_adapter', 'houlsby'] as const;
export type NonLinearity = (typeof NON_LINEARITIES)[number];

export const bottleneckConfigSchema = z.strictObject({
  variant: z
    .enum(['pfeiffer', 'houlsby'])
    .default('pfeiffer')
    .describe(
      "pfeiffer: one adapter after each feed-forward block, reading the block's normalized residual sum; houlsby: one after the attention block too, each reading the sublayer output",
    ),
  reductionFactor: z
    .number()
    .min(1)
    .max(65_536)
    .default(16)
    .describe("hidden size / bottleneck size; at most the model's hidden size (a bottleneck of one unit)"),
  nonLinearity: z
    .enum(NON_LINEARITIES)
    .optional()
    .describe("activation inside the bottleneck; default: AdapterHub's for the variant (pfeiffer: relu, houlsby: swish)"),
  initWeights: z
    .enum(INIT_WEIGHTS)
    .default('bert')
    .describe(
      "AdapterHub's init_weights: bert (its default: both projections N(0, 0.02), biases 0), mam_adapter (down-projection U(-1/sqrt(in), 1/sqrt(in)), up-projection 0: the adapter starts as the identity), houlsby (both N(0, 0.01) truncated at 2 standard deviations)",
    ),
  residual: z
    .boolean()
    .default(true)
    .describe(
      "add the sublayer output to the adapter's output, as AdapterHub does (with initWeights mam_adapter's zero up-projection, the adapter starts as the identity)",
    ),
  trainLayerNorms: z.boolean().default(false).describe("also train the base model's layer norms (Houlsby et al. did)"),
  modulesToSave: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "modules trained in full and saved with the adapter, besides the task head and any module the checkpoint lacked (a new pooler), which always are; an entry names a module path or its last segments ('pooler', 'bert.pooler.dense'), as PEFT's modules_to_save",
    ),
});

export type BottleneckConfig = z.output<typeof bottleneckConfigSchema>;

/** AdapterHub's usual rate for bottleneck adapters. */
export const BOTTLENECK_DEFAULTS: StrategyDefaults = { learningRate: 1e-4, epochs: 3, weightDecay: 0.01, warmupRatio: 0.1 };

/** The activation a config asks for, or AdapterHub's default for its variant (SeqBnConfig: relu, DoubleSeqBnConfig: swish). */
export function nonLinearityOf(config: Pick<BottleneckConfig, 'variant' | 'nonLinearity'>): NonLinearity {
  return config.nonLinearity ?? (config.variant === 'houlsby' ? 'swish' : 'relu');
}
