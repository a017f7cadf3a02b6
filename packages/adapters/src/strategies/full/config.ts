// Full fine-tuning's options (none) and hyperparameters.

import { z } from 'zod';
import type { StrategyDefaults } from '../../contract/strategy.ts';

export const fullConfigSchema = z.strictObject({}).describe('Full fine-tuning has no options: every parameter trains.');

export type FullConfig = z.output<typeof fullConfigSchema>;

/** BERT's fine-tuning recipe: a small learning rate, since every pre-trained weight moves. */
export const FULL_DEFAULTS: StrategyDefaults = { learningRate: 2e-5, epochs: 3, weightDecay: 0.01, warmupRatio: 0.1 };
