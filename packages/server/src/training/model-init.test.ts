// `training.init`: the same short run from austen-bert-mini's pre-trained weights and from fresh ones built
// from its config.json; pre-training must show, and `random` must reach the model the trainer trains.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, type TrainEvent } from '@tuneql/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTrainConfig } from '../cli/config.ts';
import { executeRun, type RunOutcome } from './execute-run.ts';
import { prepareRun } from './prepare-run.ts';
import { parseRunSpec, type RunSpec } from './run-spec.ts';
import { AUSTEN_MODEL, austenSlice } from './test-fixtures.ts';

/**
 * One epoch of masked-LM training on the slice's paragraphs (7 steps of 16, 64 tokens), which austen-bert-mini
 * never saw in pre-training; or, with `task`, a classification run's spec (for prepareRun, nothing trains).
 */
function run(init: 'pretrained' | 'random', task: 'masked-lm' | 'sequence-classification' = 'masked-lm'): RunSpec {
  const slice = austenSlice();
  return parseRunSpec({
    model: AUSTEN_MODEL,
    task,
    data: {
      train: slice.train,
      validation: slice.validation,
      columns: task === 'masked-lm' ? { text: 'text' } : { text: 'text', label: 'label' },
      max_length: 64,
    },
    strategy: { id: 'full' },
    training: { init, epochs: 1, batch_size: 16, learning_rate: 5e-4, warmup_ratio: 0.1, max_buckets: 1 },
    seed: 7,
    threads: 1,
  });
}

const lastEval = (events: readonly TrainEvent[]) => events.filter((e) => e.type === 'eval').at(-1)?.values ?? {};

describe('training.init', () => {
  const outcomes = new Map<string, { outcome: RunOutcome; events: TrainEvent[] }>();
  beforeAll(async () => {
    for (const init of ['pretrained', 'random'] as const) {
      const events: TrainEvent[] = [];
      const outcome = await executeRun(run(init), {
        outDir: mkdtempSync(join(tmpdir(), `tuneql-init-${init}-`)),
        onEvent: (e) => events.push(e),
      });
      outcomes.set(init, { outcome, events });
    }
  }, 120_000);

  it('pre-trained weights beat fresh ones on the validation split by a clear margin', () => {
    const pre = lastEval(outcomes.get('pretrained')?.events ?? []);
    const rnd = lastEval(outcomes.get('random')?.events ?? []);
    console.info(`validation masked-LM loss after one epoch: pretrained ${pre.eval_loss}, random ${rnd.eval_loss}`);
    expect(outcomes.get('pretrained')?.outcome.status).toBe('finished');
    expect(outcomes.get('random')?.outcome.status).toBe('finished');
    // Measured 5.40 against 9.15 (ln of the 12,157-token vocabulary is 9.41: fresh weights have learned next to nothing).
    expect(pre.eval_loss as number).toBeLessThan((rnd.eval_loss as number) - 2);
    expect(rnd.eval_loss as number).toBeGreaterThan(8);
  });

  it('builds the checkpoint architecture with fresh weights, seeded: a new head as in a pre-trained run', async () => {
    const { tensors } = await loadCheckpoint(AUSTEN_MODEL);
    const fresh = await prepareRun(run('random', 'sequence-classification'));
    const again = await prepareRun(run('random', 'sequence-classification'));
    const loaded = await prepareRun(run('pretrained', 'sequence-classification'));
    // Same parameters, the same new ones (the head, the pooler the checkpoint lacks), the same trainable set.
    expect(fresh.model.params.names).toEqual(loaded.model.params.names);
    expect(fresh.model.initialized).toEqual(loaded.model.initialized);
    expect(fresh.model.initialized).toContain('classifier.weight');
    expect(fresh.model.params.trainableNames).toEqual(loaded.model.params.trainableNames);
    const word = 'bert.embeddings.word_embeddings.weight';
    const checkpoint = tensors.get(word)?.data as Float32Array;
    const values = fresh.model.params.get(word).data;
    expect(loaded.model.params.get(word).data).toEqual(checkpoint);
    expect(values).toHaveLength(checkpoint.length);
    // transformers' _init_weights: N(0, initializer_range = 0.02), the padding row zeroed; nothing of the checkpoint.
    let sum = 0;
    let squares = 0;
    for (const v of values) {
      sum += v;
      squares += v * v;
    }
    const std = Math.sqrt(squares / values.length - (sum / values.length) ** 2);
    expect(std).toBeGreaterThan(0.0195);
    expect(std).toBeLessThan(0.0205);
    let same = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === checkpoint[i]) same++;
    expect(same).toBeLessThan(values.length / 100);
    expect(fresh.model.params.get('bert.encoder.layer.0.attention.output.LayerNorm.weight').data.every((v) => v === 1)).toBe(true);
    // The seed decides them: the same run gets the same weights.
    expect(again.model.params.get(word).data).toEqual(values);
  }, 60_000);

  it('is read from a config file, and the random run exports its own trained weights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-init-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `model: ${AUSTEN_MODEL}\ntask: masked-lm\ndata: { file: x.jsonl, columns: { text: text } }\ntraining: { init: random }\n`,
    );
    expect((await readTrainConfig(file)).training.init).toBe('random');
    writeFileSync(
      file,
      `model: ${AUSTEN_MODEL}\ntask: masked-lm\ndata: { file: x.jsonl, columns: { text: text } }\ntraining: { init: scratch }\n`,
    );
    await expect(readTrainConfig(file)).rejects.toThrow(/training\.init: .*pretrained.*random/);

    const rnd = outcomes.get('random')?.outcome as RunOutcome;
    const exported = await loadCheckpoint(rnd.exports?.model as string);
    const { tensors } = await loadCheckpoint(AUSTEN_MODEL);
    const name = 'bert.encoder.layer.0.attention.self.query.weight';
    const a = exported.tensors.get(name)?.data as Float32Array;
    const b = tensors.get(name)?.data as Float32Array;
    // Pre-trained query weights spread far wider than N(0, 0.02) and 7 steps of 5e-4 move them little: a
    // mean absolute difference this large means the exported weights never were the checkpoint's.
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs((a[i] as number) - (b[i] as number));
    expect(diff / a.length).toBeGreaterThan(0.01);
  });
});
