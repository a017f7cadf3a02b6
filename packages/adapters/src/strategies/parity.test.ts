// The built-in strategies against independent PyTorch implementations (PEFT's LoRA, AdapterHub's bottleneck
// adapters, partial and gradual unfreezing in plain PyTorch): 60 steps of TuneQL's trainer from the same
// weights on the same batches. References: fixtures/parity (make-plan.ts, then make_parity.py).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PARITY_CASES, PARITY_FIXTURES, planSteps, referenceDir } from '../../fixtures/parity/cases.ts';
import type { Strategy } from '../contract/strategy.ts';
import { defineReferenceSuite, REFERENCE_SETTINGS } from '../testkit/reference.ts';
import { bottleneck } from './bottleneck/index.ts';
import { lora } from './lora/index.ts';
import { partial } from './partial/index.ts';

describe('the parity plan', () => {
  it('holds the batches and settings the trainer uses now (else rerun make-plan.ts and make_parity.py)', async () => {
    const plan = JSON.parse(readFileSync(join(PARITY_FIXTURES, 'plan.json'), 'utf8'));
    expect(plan.settings).toEqual(REFERENCE_SETTINGS);
    expect(plan.cases).toEqual(PARITY_CASES);
    expect(plan.steps).toEqual(await planSteps());
  });
});

for (const strategy of [lora, bottleneck, partial] as Strategy[]) {
  const cases = PARITY_CASES.filter((c) => c.strategy === strategy.id).map((c) => ({ name: c.name, dir: referenceDir(c) }));
  defineReferenceSuite(strategy, cases);
}
