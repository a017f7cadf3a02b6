// Fine-tuning a pre-trained checkpoint through the runtime, with dropout on: the loss falls, the
// run is reproducible from its seed, and a run stopped and resumed draws the same dropout masks.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { adamw } from '../optim/optimizers.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileTrainStep } from '../step/compile.ts';
import { ConfigReader } from './config.ts';
import { loadPretrained, modelBuilder } from './pretrained.ts';

const DIR = fileURLToPath(new URL('../../fixtures/models/parity/bert-sequence-classification', import.meta.url));
const [B, T] = [8, 12];

function batches(
  n: number,
): { input_ids: BigInt64Array; attention_mask: BigInt64Array; token_type_ids: BigInt64Array; labels: BigInt64Array }[] {
  const rng = new Rng(3);
  return Array.from({ length: n }, () => {
    const ids = BigInt64Array.from({ length: B * T }, () => BigInt(3 + rng.int(61)));
    const labels = BigInt64Array.from({ length: B }, (_, i) => BigInt(Number(ids[i * T + 1]) % 3)); // learnable: a function of token 1
    return { input_ids: ids, attention_mask: new BigInt64Array(B * T).fill(1n), token_type_ids: new BigInt64Array(B * T), labels };
  });
}

async function train(steps: number, seed: number, resumeAt?: number): Promise<number[]> {
  const model = await loadPretrained(DIR, { task: 'sequence-classification' });
  // Dropout on, as in a real fine-tuning run.
  const raw = { ...model.config.raw, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 };
  const tuned = { ...model, config: new ConfigReader(raw) };
  const program = compileTrainStep({
    params: tuned.params,
    optimizer: adamw(),
    build: modelBuilder(tuned, { batch: B, length: T, train: true }),
  });
  const data = batches(4); // a few batches seen repeatedly: the loss must fall as they are learned
  const losses: number[] = [];
  let rt = await Runtime.start({ provider: 'cpu', threads: 1 });
  let step = await rt.load(program, tuned.params);
  step.seed = seed;
  for (let i = 0; i < steps; i++) {
    if (i === resumeAt) {
      // Stop: keep every slot (weights and optimizer state) and the step count; start a new runtime.
      const slots = program.slots.map((s) => s.slot);
      const values = await rt.read(slots);
      await rt.close();
      rt = await Runtime.start({ provider: 'cpu', threads: 1 });
      step = await rt.load(program, tuned.params);
      await rt.write(Object.fromEntries(program.slots.map((s) => [s.slot, { shape: s.shape, data: values[s.slot] as Float32Array }])));
      step.seed = seed;
      step.step = i;
    }
    losses.push((await step.run(data[i % data.length] as never, { lr: 5e-3 })).loss);
  }
  await rt.close();
  return losses;
}

describe('fine-tuning a checkpoint', () => {
  it('lowers the loss, is reproducible from the seed, and resumes with the same dropout masks', async () => {
    const a = await train(30, 7);
    expect(await train(30, 7)).toEqual(a);
    const other = await train(30, 8);
    expect(other).not.toEqual(a);
    const head = a.slice(0, 5).reduce((s, v) => s + v, 0) / 5;
    const tail = a.slice(-5).reduce((s, v) => s + v, 0) / 5;
    expect(tail).toBeLessThan(head * 0.8);
    const resumed = await train(30, 7, 12);
    resumed.forEach((l, i) => {
      expect(Math.abs(l - (a[i] as number))).toBeLessThan(1e-6);
    });
  }, 120_000);
});
