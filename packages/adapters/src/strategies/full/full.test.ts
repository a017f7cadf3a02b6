// Full fine-tuning through the strategy test kit, on tiny models of three families.

import { parity } from '../../testing/fixtures.ts';
import { defineStrategySuite } from '../../testkit/index.ts';
import { full } from './index.ts';

defineStrategySuite(full, [
  { model: parity('bert-sequence-classification'), task: 'sequence-classification' },
  { model: parity('distilbert-token-classification'), task: 'token-classification' },
  { model: parity('llama-causal-lm'), task: 'causal-lm' },
]);
