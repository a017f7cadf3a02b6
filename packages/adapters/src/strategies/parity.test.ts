// The built-in strategies against independent PyTorch implementations (PEFT's LoRA, AdapterHub's bottleneck
// adapters, partial and gradual unfreezing in plain PyTorch): 60 steps of TuneQL's trainer from the same
// weights on the same batches. References: fixtures/parity (make_parity.py).

import { PARITY_CASES, referenceDir } from '../../fixtures/parity/cases.ts';
import type { Strategy } from '../contract/strategy.ts';
import { defineReferenceSuite } from '../testkit/reference.ts';
import { bottleneck } from './bottleneck/index.ts';
import { lora } from './lora/index.ts';
import { partial } from './partial/index.ts';

for (const strategy of [lora, bottleneck, partial] as Strategy[]) {
  const cases = PARITY_CASES.filter((c) => c.strategy === strategy.id).map((c) => ({ name: c.name, dir: referenceDir(c) }));
  defineReferenceSuite(strategy, cases);
}
