// Trainer settings through the API as through the command line: the same resolved settings from the same
// defaults, every setting settable through the API and passed to the trainer, and the trainer's warnings
// stored and delivered as `warning` events with their codes.

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrainConfig } from '../../packages/server/src/cli/config.ts';
import { trainerConfig } from '../../packages/server/src/training/prepare-run.ts';
import { parseRunSpec } from '../../packages/server/src/training/run-spec.ts';
import { AUSTEN, austenDataset, gql, REPO, startServer, type TestServer, tempDir, waitForStatus, wsClient } from './harness.ts';

interface RunFields {
  id: string;
  hyperparameters: Record<string, unknown>;
  seed: number;
  maxLength: number;
  device: string;
}

const RUN_FIELDS = 'id hyperparameters seed maxLength device';

describe('trainer settings through the API', () => {
  let server: TestServer;
  let modelId: string;
  let datasetId: string;

  beforeAll(async () => {
    server = await startServer();
    const { models } = await gql<{ models: { nodes: { id: string; name: string }[] } }>(server.url, '{ models { nodes { id name } } }');
    modelId = models.nodes.find((m) => m.name === 'austen-bert-mini')?.id as string;
    datasetId = await austenDataset(server.url, 'austen-settings', 30);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  const create = async (input: Record<string, unknown>): Promise<RunFields> => {
    const {
      createRun: { run: createRun },
    } = await gql<{ createRun: { run: RunFields } }>(
      server.url,
      `mutation($i: CreateRunInput!) { createRun(input: $i) { run { ${RUN_FIELDS} } } }`,
      {
        i: { modelId, datasetId, strategy: 'lora', strategyConfig: { r: 4, alpha: 8 }, ...input },
      },
    );
    // Only its settings matter here: stopped before (or just after) a worker takes it.
    await gql(server.url, 'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { id } } }', { id: createRun.id });
    await waitForStatus(server.url, createRun.id, ['CANCELLED']);
    return createRun;
  };

  it('resolves a run without hyperparameters exactly as a config file without a training section', async () => {
    const api = await create({});
    const dir = tempDir('settings-config');
    const config = join(dir, 'run.yaml');
    writeFileSync(
      config,
      `model: ${join(REPO, 'models/austen-bert-mini')}\ntask: sequence-classification\ndata: { file: ${AUSTEN}, columns: { text: text, label: label } }\nstrategy: { id: lora, config: { r: 4, alpha: 8 } }\n`,
    );
    const cli = await readTrainConfig(config);
    expect(api.hyperparameters).toEqual(cli.training);
    // LoRA's suggested learning rate, in both.
    expect(cli.training.learning_rate).toBe(2e-4);
    expect([api.seed, api.maxLength, api.device]).toEqual([cli.seed, cli.data.max_length, cli.device.toUpperCase()]);
  }, 60_000);

  it('sets warm-up steps, label smoothing, evaluation batch size, checkpoints kept and min delta, and the trainer gets them', async () => {
    const run = await create({
      hyperparameters: {
        warmupSteps: 7,
        labelSmoothing: 0.1,
        evalBatchSize: 4,
        keepCheckpoints: 3,
        earlyStopping: { patience: 2, minDelta: 0.01 },
      },
    });
    expect(run.hyperparameters).toMatchObject({
      warmup_steps: 7,
      label_smoothing: 0.1,
      eval_batch_size: 4,
      keep_checkpoints: 3,
      early_stopping: { patience: 2, min_delta: 0.01 },
    });
    // The worker's path: the stored settings as a RunSpec, then the trainer's config.
    const spec = parseRunSpec({
      model: 'm',
      task: 'sequence-classification',
      data: { file: 'f', columns: {} },
      training: run.hyperparameters,
      seed: run.seed,
    });
    expect(trainerConfig(spec)).toMatchObject({
      warmupSteps: 7,
      labelSmoothing: 0.1,
      evalBatchSize: 4,
      keepCheckpoints: 3,
      earlyStopping: { patience: 2, minDelta: 0.01 },
      learningRate: 2e-4,
    });
  }, 60_000);

  it('takes init: RANDOM through the API and preflight, and the stored run hands it to the model loader', async () => {
    const run = await create({ hyperparameters: { init: 'RANDOM' } });
    expect(run.hyperparameters.init).toBe('random');
    expect((await create({})).hyperparameters.init).toBe('pretrained');
    const { preflight } = await gql<{ preflight: { trainableParameters: number; totalParameters: number } }>(
      server.url,
      'query($i: CreateRunInput!) { preflight(input: $i) { trainableParameters totalParameters } }',
      { i: { modelId, datasetId, strategy: 'full', hyperparameters: { init: 'RANDOM', batchSize: 8 }, maxLength: 32 } },
    );
    expect(preflight.trainableParameters).toBe(preflight.totalParameters);
    // The worker's path: the stored settings as a RunSpec, whose init prepareRun hands to the loader (model-init.test.ts
    // shows the weights it builds); the trainer's config does not carry it.
    const spec = parseRunSpec({
      model: 'm',
      task: 'sequence-classification',
      data: { file: 'f', columns: {} },
      training: run.hyperparameters,
    });
    expect(spec.training.init).toBe('random');
    expect(trainerConfig(spec)).not.toHaveProperty('init');
    // A sweep can vary it: "pre-training helps" as a two-point grid (cancelled at once; only its trials' settings matter).
    const { createSweep } = await gql<{ createSweep: { sweep: { id: string; trials: { nodes: { params: unknown; run: RunFields }[] } } } }>(
      server.url,
      `mutation($i: CreateSweepInput!) { createSweep(input: $i) { sweep { id trials { nodes { params run { ${RUN_FIELDS} } } } } } }`,
      {
        i: {
          run: { modelId, datasetId, strategy: 'full', hyperparameters: { batchSize: 8 }, maxLength: 32 },
          algorithm: 'GRID',
          parallelism: 1,
          parameters: [{ name: 'init', values: ['RANDOM', 'PRETRAINED'] }],
        },
      },
    );
    await gql(server.url, 'mutation($i: CancelSweepInput!) { cancelSweep(input: $i) { sweep { id } } }', {
      i: { id: createSweep.sweep.id },
    });
    const [first] = createSweep.sweep.trials.nodes;
    expect(first?.params).toEqual({ init: 'random' });
    expect(first?.run.hyperparameters.init).toBe('random');
    await waitForStatus(server.url, first?.run.id as string, ['CANCELLED', 'SUCCEEDED']);
  }, 60_000);

  it('runs the range test in preflight on request, and a run with findLearningRate records the rate it trained at', async () => {
    const input = {
      modelId,
      datasetId,
      strategy: 'lora',
      strategyConfig: { r: 4, alpha: 8 },
      hyperparameters: { findLearningRate: true, maxSteps: 4, batchSize: 8, epochs: 1 },
      maxLength: 32,
    };
    const { preflight } = await gql<{
      preflight: {
        warnings: string[];
        learningRateRangeTest: { suggested: number; descent: boolean; minimumOverTen: number; rates: number[]; smoothed: number[] };
      };
    }>(
      server.url,
      'query($i: CreateRunInput!) { preflight(input: $i) { warnings learningRateRangeTest(steps: 30) { suggested descent minimumOverTen rates smoothed } } }',
      { i: input },
    );
    const sweep = preflight.learningRateRangeTest;
    expect(sweep.rates[0]).toBeCloseTo(1e-7, 12);
    expect(sweep.rates).toHaveLength(sweep.smoothed.length);
    // One of the swept rates (whether 30 steps on this slice find a fall of the loss is for the curve to say).
    expect(sweep.rates).toContain(sweep.suggested);
    expect(typeof sweep.descent).toBe('boolean');
    // The default rate the schema fills in is not compared against LoRA's usual one: the range test sets it.
    expect(preflight.warnings.some((w) => /usually trains near learning_rate/.test(w))).toBe(false);

    const {
      createRun: { run },
    } = await gql<{ createRun: { run: RunFields } }>(
      server.url,
      `mutation($i: CreateRunInput!) { createRun(input: $i) { run { ${RUN_FIELDS} } } }`,
      {
        i: input,
      },
    );
    // LoRA's suggested 2e-4 is not filled in: the range test picks the rate.
    expect(run.hyperparameters).toMatchObject({ find_learning_rate: true, learning_rate: 2e-5, warmup_ratio: 0.1 });
    const ended = await waitForStatus(server.url, run.id, ['SUCCEEDED', 'FAILED']);
    expect(ended.error).toBeNull();
    const { run: done } = await gql<{
      run: { hyperparameters: Record<string, unknown>; events: { nodes: { values: Record<string, number>; message: string }[] } };
    }>(server.url, 'query($id: ID!) { run(id: $id) { hyperparameters events(types: [STARTED]) { nodes { values message } } } }', {
      id: run.id,
    });
    const started = done.events.nodes[0];
    expect(started?.message).toMatch(/^learning rate [\d.e-]+(:| from) (a|the) range test over 100 steps/);
    expect(done.hyperparameters.learning_rate).toBe(started?.values.learning_rate);
    // The range test's rate, or LoRA's 2e-4 when the loss did not fall in the sweep: never the schema's 2e-5.
    expect(done.hyperparameters.learning_rate).not.toBe(2e-5);

    // Given with a learning rate, refused before anything is queued.
    const both = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
        variables: { i: { ...input, hyperparameters: { findLearningRate: true, learningRate: 1e-3 } } },
      }),
    });
    const body = (await both.json()) as { errors: { message: string; extensions: { problems?: { path: string }[] } }[] };
    expect(body.errors[0]?.extensions.problems?.map((p) => p.path)).toEqual(['training.find_learning_rate']);
  }, 180_000);

  it('refuses a modulesToSave entry that matches no module before queueing, with the closest name', async () => {
    const r = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
        variables: { i: { modelId, datasetId, strategy: 'lora', strategyConfig: { modulesToSave: ['poolr'] } } },
      }),
    });
    const body = (await r.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('STRATEGY_CONFIG_INVALID');
    expect(body.errors[0]?.message).toMatch(/modulesToSave entry 'poolr' matches no module of this bert model \(did you mean 'pooler'\?\)/);
    const { runs } = await gql<{ runs: { totalCount: number } }>(server.url, '{ runs(filter: { status: [QUEUED] }) { totalCount } }');
    expect(runs.totalCount).toBe(0);
  }, 60_000);

  it('refuses settings out of bounds, naming the setting', async () => {
    const r = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
        variables: { i: { modelId, datasetId, strategy: 'lora', hyperparameters: { labelSmoothing: 2 } } },
      }),
    });
    const body = (await r.json()) as { errors: { message: string; extensions: { problems?: { path: string }[] } }[] };
    expect(body.errors[0]?.extensions.problems?.map((p) => p.path)).toEqual(['training.label_smoothing']);
  });

  it("records the retention check in the run's events, and warns below its threshold", async () => {
    const {
      createRun: { run: created },
    } = await gql<{ createRun: { run: { id: string; hyperparameters: Record<string, unknown> } } }>(
      server.url,
      'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id hyperparameters } } }',
      {
        i: {
          modelId,
          datasetId,
          strategy: 'full',
          // Full fine-tuning at a high rate moves the backbone within a few steps; threshold 1 warns at any loss.
          hyperparameters: {
            maxSteps: 4,
            batchSize: 8,
            learningRate: 5e-3,
            evalEvery: 2,
            // General text the model folder ships (its retention.jsonl), not the run's validation split.
            retention: { sampleSize: 8, threshold: 1, action: 'WARN', texts: 'MODEL' },
          },
          maxLength: 32,
        },
      },
    );
    expect(created.hyperparameters.retention).toEqual({ sample_size: 8, texts: 'model', threshold: 1, action: 'warn' });
    const done = await waitForStatus(server.url, created.id, ['SUCCEEDED', 'FAILED']);
    expect(done.error).toBeNull();
    const { run } = await gql<{ run: { events: { nodes: { type: string; code: string | null; values: Record<string, number> }[] } } }>(
      server.url,
      'query($id: ID!) { run(id: $id) { events(types: [STARTED, EVAL, WARNING]) { nodes { type code values } } } }',
      { id: created.id },
    );
    const started = run.events.nodes.find((e) => e.type === 'STARTED')?.values ?? {};
    // The masked-LM loss of austen-bert-mini on paragraphs of its own pre-training validation split (the README's
    // validation loss is over all of them, with other masks).
    expect(started.retention_sample).toBe(8);
    expect(started.retention_base_loss).toBeGreaterThan(1);
    expect(started.retention_base_loss).toBeLessThan(10);
    const evals = run.events.nodes.filter((e) => e.type === 'EVAL');
    expect(evals).toHaveLength(2);
    for (const e of evals) {
      expect(e.values.eval_retention).toBeCloseTo(
        Math.exp((started.retention_base_loss as number) - (e.values.eval_retention_loss as number)),
        10,
      );
    }
    const below = evals.filter((e) => (e.values.eval_retention as number) < 1).length;
    expect(below).toBeGreaterThan(0);
    expect(run.events.nodes.filter((e) => e.type === 'WARNING').map((e) => e.code)).toEqual(new Array(below).fill('RETENTION_LOW'));
  }, 120_000);

  it('stores and delivers warnings as warning events with their code', async () => {
    const {
      createRun: { run: createRun },
    } = await gql<{ createRun: { run: { id: string } } }>(
      server.url,
      'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
      {
        i: {
          modelId,
          datasetId,
          strategy: 'lora',
          strategyConfig: { r: 4, alpha: 8 },
          hyperparameters: { maxSteps: 30, batchSize: 8, learningRate: 3e-3, evalEvery: 2, keepCheckpoints: 3 },
          maxLength: 32,
        },
      },
    );
    const id = createRun.id;
    const client = wsClient(server.url);
    // Cancelled once two checkpoints are written: the cancel writes a third.
    await new Promise<void>((resolve, reject) => {
      let checkpoints = 0;
      const stop = client.subscribe<{ runEvents: { type: string } }>(
        { query: 'subscription($id: ID!) { runEvents(runId: $id, afterSeq: 0) { type } }', variables: { id } },
        {
          next: ({ data }) => {
            if (data?.runEvents.type === 'CHECKPOINT' && ++checkpoints === 2) {
              gql(server.url, 'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { id } } }', { id }).then(() => {
                stop();
                resolve();
              }, reject);
            }
          },
          error: reject,
          complete: () => reject(new Error('the run ended before two checkpoints')),
        },
      );
    });
    const cancelled = await waitForStatus(server.url, id, ['CANCELLED', 'FAILED']);
    expect(cancelled.error).toBeNull();
    // The newest checkpoint damaged: the resumed run skips it for the one before and says so.
    const root = join(server.dataDir, 'artifacts', 'runs', id, 'attempts', String(cancelled.attempt), 'checkpoints');
    const newest = readdirSync(root)
      .filter((n) => /^step-[\d-]+$/.test(n)) // the folders, not their manifests
      .sort()
      .at(-1) as string;
    writeFileSync(join(root, newest, 'state.safetensors'), 'garbage');
    await gql(server.url, 'mutation($id: ID!) { resumeRun(input: { id: $id }) { run { id } } }', { id });
    const resumed = await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED']);
    expect(resumed.error).toBeNull();

    const { run } = await gql<{ run: { events: { nodes: { type: string; code: string | null; message: string }[] } } }>(
      server.url,
      'query($id: ID!) { run(id: $id) { events(types: [WARNING]) { nodes { type code message } } } }',
      { id },
    );
    expect(run.events.nodes.map((e) => [e.type, e.code])).toEqual([['WARNING', 'CHECKPOINT_DAMAGED']]);
    expect(run.events.nodes[0]?.message).toMatch(new RegExp(`skipped a damaged checkpoint \\(.*${newest}.*\\); resuming from .*step-`));

    // Delivered over runEvents too, in its place among the others.
    const delivered: { type: string; code: string | null }[] = [];
    await new Promise<void>((resolve, reject) =>
      client.subscribe<{ runEvents: { type: string; code: string | null } }>(
        { query: 'subscription($id: ID!) { runEvents(runId: $id, afterSeq: 0) { type code } }', variables: { id } },
        { next: ({ data }) => data && delivered.push(data.runEvents), error: reject, complete: resolve },
      ),
    );
    await client.dispose();
    expect(delivered.filter((e) => e.type === 'WARNING')).toEqual([{ type: 'WARNING', code: 'CHECKPOINT_DAMAGED' }]);
    expect(delivered.filter((e) => e.type === 'CHECKPOINT').every((e) => e.code === null)).toBe(true);
    expect(delivered.at(-1)?.type).toBe('FINISHED');
  }, 240_000);
});
