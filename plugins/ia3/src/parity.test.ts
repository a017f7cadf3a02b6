// (IA)^3 against Hugging Face PEFT's IA3: 60 steps of TuneQL's trainer from the same weights on the same
// batches (fixtures/parity/ia3, recorded by packages/adapters/fixtures/parity/make_parity.py).

import { fileURLToPath } from 'node:url';
import { defineReferenceSuite } from '@tuneql/adapters/testkit';
import { ia3 } from './index.ts';

defineReferenceSuite(ia3, [{ name: 'ia3', dir: fileURLToPath(new URL('../fixtures/parity/ia3', import.meta.url)) }]);
