// executeRun on a real model and data: LoRA on austen-bert-mini exports the PEFT adapter and a merged
// model whose ONNX file predicts; a cancelled run resumes to the very losses of an uninterrupted one.

import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrategyError } from '@tuneql/adapters';
import { loadPretrained, Runtime, readRetentionTexts, startRetentionProbe, Tokenizer, type TrainEvent } from '@tuneql/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { predictMany } from '../predict/predictor.ts';
import { executeRun, type RunOutcome } from './execute-run.ts';
import { type RunSpec, RunSpecError } from './run-spec.ts';
import { austenRun, austenSlice } from './test-fixtures.ts';

const LABELS = ['Emma', 'Mansfield Park', 'Northanger Abbey', 'Persuasion', 'Pride & Prejudice', 'Sense & Sensibility'];

function losses(events: readonly TrainEvent[]): Map<number, number> {
  return new Map(events.filter((e) => e.type === 'step').map((e) => [e.step, e.values.loss as number]));
}

describe('executeRun', () => {
  let spec: RunSpec;
  let outDir: string;
  let events: TrainEvent[];
  let outcome: RunOutcome;
  beforeAll(async () => {
    spec = austenRun(austenSlice());
    outDir = mkdtempSync(join(tmpdir(), 'tuneql-run-'));
    events = [];
    outcome = await executeRun(spec, { outDir, onEvent: (e) => events.push(e) });
  }, 60_000);

  it('trains LoRA, exports the PEFT adapter and the merged model with its ONNX file, which predicts', async () => {
    expect(outcome.status).toBe('finished');
    expect(outcome.steps).toBe(8);
    expect(outcome.trainableParameters).toBeLessThan(outcome.totalParameters / 20);
    // The run's own peak: above nothing, below the whole process's.
    expect(outcome.peakMemoryBytes).toBeGreaterThan(0);
    expect(outcome.peakMemoryBytes).toBeLessThan(process.resourceUsage().maxRSS * 1024);
    expect(outcome.exports).toEqual({ model: join(outDir, 'export', 'model'), adapter: join(outDir, 'export', 'adapter') });
    const adapter = outcome.exports?.adapter as string;
    expect(readdirSync(adapter).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const peft = JSON.parse(readFileSync(join(adapter, 'adapter_config.json'), 'utf8'));
    expect(peft).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      lora_alpha: 8,
      // The model's name, not a path of this machine.
      base_model_name_or_path: 'austen-bert-mini',
      // The head, and the pooler austen-bert-mini's checkpoint lacks: both start random and train.
      modules_to_save: ['classifier', 'bert.pooler.dense'],
    });

    const model = outcome.exports?.model as string;
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tuneql.json', 'model.onnx'])
      expect(existsSync(join(model, f)), f).toBe(true);
    // Merged: the saved weights carry no LoRA tensors, and the labels are the novels.
    const safetensors = readFileSync(join(model, 'model.safetensors'));
    const header = safetensors.subarray(8, 8 + Number(safetensors.readBigUInt64LE(0))).toString('utf8');
    expect(header).not.toContain('lora_');
    expect(JSON.parse(readFileSync(join(model, 'tuneql.json'), 'utf8'))).toEqual({
      task: 'sequence-classification',
      labels: LABELS,
      max_length: 32,
    });

    const predictions = await predictMany(model, [
      { text: 'Emma Woodhouse, handsome, clever, and rich, with a comfortable home.' },
      { text: 'Captain Wentworth wrote the letter while Anne listened.' },
      { text: 'It is a truth universally acknowledged.' },
    ]);
    expect(predictions).toHaveLength(3);
    for (const p of predictions) {
      expect(p.task).toBe('sequence-classification');
      expect(p.labels?.map((l) => l.label).sort()).toEqual(LABELS);
      expect(p.labels?.reduce((s, l) => s + l.score, 0)).toBeCloseTo(1, 5);
      expect(p.labels?.[0]?.score).toBeGreaterThanOrEqual(p.labels?.[5]?.score as number);
    }
  });

  it('resumes a cancelled run to the same losses as the uninterrupted one, with gapless event numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-resume-'));
    const controller = new AbortController();
    const first: TrainEvent[] = [];
    const stopped = await executeRun(spec, {
      outDir: dir,
      signal: controller.signal,
      onEvent: (e) => {
        first.push(e);
        if (e.type === 'step' && e.step === 3) controller.abort();
      },
    });
    expect(stopped.status).toBe('cancelled');
    expect(stopped.steps).toBe(3);
    expect(stopped.exports).toBeUndefined();
    expect(existsSync(join(dir, 'export'))).toBe(false);

    const second: TrainEvent[] = [];
    const resumed = await executeRun(spec, { outDir: dir, resume: true, onEvent: (e) => second.push(e) });
    expect(resumed.status).toBe('finished');
    expect(resumed.exports?.adapter).toBe(join(dir, 'export', 'adapter'));

    // The resumed run numbers on from its checkpoint: events after it in the first run are replaced.
    const from = second[0]?.seq as number;
    const all = [...first.filter((e) => e.seq < from), ...second];
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all.filter((e) => e.type === 'step').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const expected = losses(events);
    const got = losses(all);
    expect([...got.keys()]).toEqual([...expected.keys()]);
    const diffs = [...expected].map(([step, loss]) => Math.abs((got.get(step) as number) - loss));
    console.info(
      `losses ${[...expected.values()].map((l) => l.toFixed(4)).join(', ')}; resumed run differs by at most ${Math.max(...diffs)}`,
    );
    for (const [i, d] of diffs.entries()) expect(d, `step ${i + 1}`).toBeLessThan(1e-6);
    const evalOf = (list: TrainEvent[]) => list.find((e) => e.type === 'eval')?.values.eval_loss as number;
    expect(Math.abs(evalOf(second) - evalOf(events))).toBeLessThan(1e-6);
  }, 60_000);

  it('refuses the retention check without a validation split before training, naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-retention-'));
    const noValidation = {
      ...spec,
      data: { ...spec.data, validation: undefined },
      training: { ...spec.training, retention: { sample_size: 8, threshold: 0.5, action: 'warn' as const, texts: 'validation' as const } },
    };
    const err = await executeRun(noValidation, { outDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunSpecError);
    expect(err).toMatchObject({ problems: [{ path: 'training.retention' }] });
    expect((err as Error).message).toMatch(/this run has no validation split; give data.validation, or unset training.retention/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("scores retention on the model folder's retention.jsonl with texts: model, and refuses a folder without one", async () => {
    // A copy of the model folder whose general-text file holds 5 paragraphs: the sample can only be those 5
    // (the validation split has 32), and the base loss is the one the probe gives on exactly them.
    const model = mkdtempSync(join(tmpdir(), 'tuneql-model-'));
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) copyFileSync(join(spec.model, f), join(model, f));
    const retention = { sample_size: 64, threshold: 0, action: 'warn' as const, texts: 'model' as const };
    const run = { ...spec, model, training: { ...spec.training, max_steps: 2, eval_every: 2, retention } };
    const missing = await executeRun(run, { outDir: mkdtempSync(join(tmpdir(), 'tuneql-retention-')) }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RunSpecError);
    expect(missing).toMatchObject({ problems: [{ path: 'training.retention.texts' }] });
    expect((missing as Error).message).toMatch(/retention\.jsonl, and .* does not exist/);

    const texts = readFileSync(join(spec.model, 'retention.jsonl'), 'utf8').split('\n').slice(0, 5);
    writeFileSync(join(model, 'retention.jsonl'), `${texts.join('\n')}\n`);
    const seen: TrainEvent[] = [];
    const result = await executeRun(run, { outDir: mkdtempSync(join(tmpdir(), 'tuneql-retention-')), onEvent: (e) => seen.push(e) });
    expect(result.status).toBe('finished');
    const started = seen.find((e) => e.type === 'started')?.values ?? {};
    expect(started.retention_sample).toBe(5);
    const tokenizer = Tokenizer.fromFile(join(model, 'tokenizer.json'));
    const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
    try {
      const base = await loadPretrained(model, { task: 'masked-lm' });
      const probe = await startRetentionProbe(
        rt,
        base,
        { base, maskTokenId: tokenizer.tokenToId('[MASK]'), specialIds: tokenizer.specialTokenIds() },
        {
          sampleSize: 64,
          seed: spec.seed,
          batchSize: 8,
          maxBuckets: 1,
          texts: readRetentionTexts(join(model, 'retention.jsonl'), tokenizer, spec.data.max_length),
        },
      );
      expect(started.retention_base_loss).toBeCloseTo(probe.baseLoss as number, 5);
    } finally {
      await rt.close();
    }
  }, 120_000);

  it('refuses a bad strategy config before reading data or writing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tuneql-bad-'));
    const bad = { ...spec, data: { ...spec.data, train: join(dir, 'missing.jsonl') }, strategy: { id: 'lora', config: { r: -1 } } };
    const err = await executeRun(bad, { outDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrategyError);
    expect(err).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'r' });
    expect(readdirSync(dir)).toEqual([]);
  });
});
