// (IA)^3's options: which layers get a learned scale, and which of them are scaled at their input.

import { type ModuleTarget, moduleTargetSchema, type StrategyDefaults, z } from '@tuneql/adapters';

export const ia3ConfigSchema = z.strictObject({
  targetModules: moduleTargetSchema
    .optional()
    .describe(
      'layers whose output (or, for feed-forward modules, input) is rescaled; default: keys, values and the feed-forward output projection',
    ),
  feedforwardModules: moduleTargetSchema
    .optional()
    .describe('the target layers scaled at their input rather than their output; default: the feed-forward output projection'),
  modulesToSave: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "modules trained in full and saved with the adapter, besides the task head and any module the checkpoint lacked (a new pooler), which always are; an entry names a module path or its last segments ('pooler', 'bert.pooler.dense'), as PEFT's modules_to_save",
    ),
});

export type Ia3Config = z.output<typeof ia3ConfigSchema>;

/** Keys, values and the feed-forward output projection per architecture, as in the (IA)^3 paper and PEFT. */
export const DEFAULT_MODULES: Readonly<Record<string, { targets: ModuleTarget; feedforward: ModuleTarget }>> = {
  bert: {
    targets: { regex: '.*\\.(attention\\.self\\.(key|value)|layer\\.\\d+\\.output\\.dense)' },
    feedforward: { regex: '.*\\.layer\\.\\d+\\.output\\.dense' },
  },
  roberta: {
    targets: { regex: '.*\\.(attention\\.self\\.(key|value)|layer\\.\\d+\\.output\\.dense)' },
    feedforward: { regex: '.*\\.layer\\.\\d+\\.output\\.dense' },
  },
  distilbert: { targets: ['k_lin', 'v_lin', 'ffn.lin2'], feedforward: ['ffn.lin2'] },
  gpt2: { targets: ['attn.c_attn', 'mlp.c_proj'], feedforward: ['mlp.c_proj'] },
  llama: { targets: ['k_proj', 'v_proj', 'down_proj'], feedforward: ['down_proj'] },
};

/** The paper's rate: the scales start at one and few values train. */
export const IA3_DEFAULTS: StrategyDefaults = { learningRate: 3e-3, epochs: 3, weightDecay: 0, warmupRatio: 0.06 };
