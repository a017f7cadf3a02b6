// (IA)^3 through the strategy test kit, as a plugin author would run it, on tiny models of four families.

import { fileURLToPath } from 'node:url';
import { defineStrategySuite } from '@tuneql/adapters/testkit';
import { ia3 } from './index.ts';

const parity = (name: string) => fileURLToPath(new URL(`../../../packages/engine/fixtures/models/parity/${name}`, import.meta.url));

defineStrategySuite(ia3, [
  { model: parity('bert-sequence-classification'), task: 'sequence-classification' },
  { name: 'gpt2 (Conv1D layout)', model: parity('gpt2-sequence-classification'), task: 'sequence-classification' },
  { model: parity('distilbert-token-classification'), task: 'token-classification' },
  { model: parity('llama-question-answering'), task: 'question-answering' },
]);
