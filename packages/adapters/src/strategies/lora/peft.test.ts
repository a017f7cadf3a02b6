// LoRA against HF PEFT: TuneQL's export loads in PEFT (fixtures/peft) and both compute the same logits within 1e-4.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPretrained, readSafetensors } from '@tuneql/engine';
import { describe, expect, it } from 'vitest';
import { basePath, FIXTURES, PEFT_CASES, peftAdapter, peftInputs } from '../../../fixtures/peft/cases.ts';
import { restoreStrategy } from '../../contract/host.ts';
import { maxAbsDiff, predict } from '../../testkit/index.ts';
import { lora } from './index.ts';

interface PeftOutputs {
  peft_version: string;
  base_logits: number[];
  logits: number[];
  merged_logits: number[];
  peft_state_keys: string[];
}

const TOLERANCE = 1e-4;

describe.each(PEFT_CASES)('LoRA and PEFT: $name', (c) => {
  const recorded = JSON.parse(readFileSync(join(FIXTURES, c.name, 'peft-outputs.json'), 'utf8')) as PeftOutputs;
  const committed = join(FIXTURES, c.name, 'adapter');
  const { inputs, batch, length } = peftInputs(c);
  const peft = { logits: Float32Array.from(recorded.logits) };

  it('exports the adapter PEFT was checked with: same config and tensors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-peft-'));
    await (await peftAdapter(c)).export(dir);
    expect(JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(committed, 'adapter_config.json'), 'utf8')),
    );
    const ours = await readSafetensors(join(dir, 'adapter_model.safetensors'));
    const theirs = await readSafetensors(join(committed, 'adapter_model.safetensors'));
    expect([...ours.tensors.keys()].sort()).toEqual([...theirs.tensors.keys()].sort());
    for (const [key, t] of theirs.tensors) {
      const mine = ours.tensors.get(key);
      expect(mine?.shape, key).toEqual(t.shape);
      expect(mine?.data, key).toEqual(t.data);
    }
  });

  it("uses PEFT's key names and shapes: lora_A [r, in], lora_B [out, r], under base_model.model.", async () => {
    const file = await readSafetensors(join(committed, 'adapter_model.safetensors'));
    const config = JSON.parse(readFileSync(join(committed, 'adapter_config.json'), 'utf8')) as { r: number; target_modules: string[] };
    for (const [key, t] of file.tensors) {
      expect(key.startsWith('base_model.model.'), key).toBe(true);
      if (key.endsWith('.lora_A.weight')) expect(t.shape[0], key).toBe(config.r);
      if (key.endsWith('.lora_B.weight')) expect(t.shape[1], key).toBe(config.r);
    }
    const loraKeys = [...file.tensors.keys()].filter((k) => k.includes('.lora_'));
    expect(loraKeys.length).toBe(2 * config.target_modules.length);
    // Every LoRA weight PEFT holds came from the file (make_fixture.py also asserts no file key went unused).
    for (const key of recorded.peft_state_keys.filter((k) => k.includes('lora_'))) {
      expect(file.tensors.has(key.replace('.default', '')), key).toBe(true);
    }
  });

  it("loads back and computes PEFT's outputs, unmerged and merged, within 1e-4", async () => {
    const restored = await restoreStrategy(lora, await loadPretrained(basePath(c), { task: c.task }), committed);
    const ours = await predict(restored.model, inputs, { batch, length });
    const base = { logits: Float32Array.from(recorded.base_logits) };
    expect(maxAbsDiff(peft, base), 'the adapter changes the outputs').toBeGreaterThan(1e-3);
    expect(maxAbsDiff(ours, peft), `ours vs PEFT ${recorded.peft_version}`).toBeLessThanOrEqual(TOLERANCE);
    const merged = await predict(await restored.merge(), inputs, { batch, length });
    expect(
      maxAbsDiff(merged, { logits: Float32Array.from(recorded.merged_logits) }),
      'merged vs PEFT merge_and_unload',
    ).toBeLessThanOrEqual(TOLERANCE);
  });
});
