// The platform end to end, as a client uses it, on the embedded database and on PostgreSQL: upload a
// dataset, create a LoRA run on the demo model, follow its events live over graphql-ws, see it
// succeed, export and download the adapter, predict next to the base model, replay the events.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  austenSlice,
  collectEvents,
  freshDatabase,
  gql,
  gqlRaw,
  type RunEventRow,
  startServer,
  type TestServer,
  tempDir,
  upload,
  waitForStatus,
  wsClient,
} from './harness.ts';

const BACKENDS = [
  { name: 'PGlite (embedded)', postgres: false },
  { name: 'PostgreSQL', postgres: true },
];

describe.each(BACKENDS)('the API on $name', ({ postgres }) => {
  let server: TestServer;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let databaseUrl: string | undefined;
    if (postgres) ({ url: databaseUrl, drop } = await freshDatabase());
    server = Object.assign(await startServer({ databaseUrl }), { databaseUrl });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it('names the row and column of every bad row and creates nothing', async () => {
    const csv = 'text,label\n"A fine morning.",Emma\n"",Emma\n"Another line.",\n';
    const up = await upload(server.url, 'bad.csv', csv);
    expect(up.status).toBe(201);
    const r = await gqlRaw<unknown>(server.url, 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }', {
      i: { name: 'bad', uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe('DATASET_INVALID');
    const issues = r.errors?.[0]?.extensions?.issues as { row: number; column: string; message: string }[];
    expect(issues.map((i) => [i.row, i.column])).toEqual([
      [3, 'text'],
      [4, 'label'],
    ]);
    const { datasets } = await gql<{ datasets: { nodes: { name: string }[] } }>(server.url, '{ datasets { nodes { name } } }');
    expect(datasets.nodes.map((d) => d.name)).not.toContain('bad');
  });

  it('fine-tunes with LoRA from upload to prediction, with live events', async () => {
    const up = await upload(server.url, 'austen.jsonl', austenSlice(30));
    expect(up.status).toBe(201);
    const {
      createDataset: { dataset },
    } = await gql<{
      createDataset: { dataset: { id: string; rowCount: number; task: string; statistics: { splits: { train: number } } } };
    }>(
      server.url,
      'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id rowCount task statistics { splits { train } } } } }',
      { i: { name: 'austen-small', uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' } },
    );
    expect(dataset.rowCount).toBe(180);
    expect(dataset.task).toBe('SEQUENCE_CLASSIFICATION');
    const { models } = await gql<{ models: { nodes: { id: string; name: string; parameterCount: number }[] } }>(
      server.url,
      '{ models { nodes { id name parameterCount } } }',
    );
    const model = models.nodes.find((m) => m.name === 'austen-bert-mini');
    expect(model?.parameterCount).toBe(2_395_005);

    const input = {
      modelId: model?.id,
      datasetId: dataset.id,
      strategy: 'lora',
      strategyConfig: { r: 4, alpha: 8 },
      hyperparameters: { maxSteps: 12, batchSize: 8, evalEvery: 6, learningRate: 3e-3 },
      maxLength: 32,
    };
    const { preflight } = await gql<{
      preflight: { trainableParameters: number; totalParameters: number; memoryBytes: number; secondsPerEpoch: number };
    }>(
      server.url,
      'query($i: CreateRunInput!) { preflight(input: $i) { trainableParameters totalParameters memoryBytes secondsPerEpoch } }',
      { i: input },
    );
    expect(preflight.trainableParameters).toBeGreaterThan(0);
    expect(preflight.trainableParameters).toBeLessThan(preflight.totalParameters / 20);
    expect(preflight.memoryBytes).toBeGreaterThan(preflight.totalParameters * 4);

    const {
      createRun: { run: createRun },
    } = await gql<{ createRun: { run: { id: string; status: string } } }>(
      server.url,
      'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id status } } }',
      {
        i: input,
      },
    );
    expect(createRun.status).toBe('QUEUED');

    const client = wsClient(server.url);
    const arrivals: { at: number; e: RunEventRow }[] = [];
    // The parameter counts are on the run from its start (the trainer's `started` event), not only at its end.
    let midRun: Promise<{ run: { status: string; trainableParameters: number | null; totalParameters: number | null } }> | undefined;
    const events = await collectEvents(client, createRun.id, 0, (e) => {
      arrivals.push({ at: Date.now(), e });
      if (e.type === 'STEP' && !midRun) {
        midRun = gql(server.url, 'query($id: ID!) { run(id: $id) { status trainableParameters totalParameters } }', { id: createRun.id });
      }
    });
    const finishedAt = Date.now();
    const during = (await midRun)?.run;
    expect(during?.status).toBe('RUNNING');
    expect(during?.trainableParameters).toBe(preflight.trainableParameters);
    expect(during?.totalParameters).toBe(preflight.totalParameters);
    const run = await waitForStatus(server.url, createRun.id, ['SUCCEEDED', 'FAILED'], 5_000);
    expect(run.status).toBe('SUCCEEDED');
    // In order, no gap, no duplicate, and delivered while the run trained (not all at the end).
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'STEP').map((e) => e.step)).toEqual([...Array(12).keys()].map((i) => i + 1));
    expect(events.filter((e) => e.type === 'EVAL').length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)?.type).toBe('FINISHED');
    const firstStep = arrivals.find((a) => a.e.type === 'STEP');
    expect(finishedAt - (firstStep?.at ?? finishedAt)).toBeGreaterThan(200);
    for (const e of events.filter((x) => x.type === 'STEP')) expect(Number.isFinite(e.values.loss)).toBe(true);

    // A client that reconnects with its last seq gets exactly the rest.
    const rest = await collectEvents(client, createRun.id, 5);
    expect(rest.map((e) => e.seq)).toEqual(events.slice(5).map((e) => e.seq));
    await client.dispose();

    const { run: done } = await gql<{
      run: {
        best: { metric: string; value: number };
        testResults: Record<string, number>;
        trainableParameters: number;
        events: { nodes: { type: string }[] };
        checkpoints: { nodes: { step: number }[] };
      };
    }>(
      server.url,
      'query($id: ID!) { run(id: $id) { best { metric value } testResults trainableParameters events(types: [EVAL]) { nodes { type } } checkpoints { nodes { step available } } } }',
      { id: createRun.id },
    );
    expect(done.events.nodes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(done.events.nodes.map((e) => e.type))).toEqual(new Set(['EVAL']));
    expect(done.best.metric).toBe('accuracy');
    expect(done.testResults.test_accuracy).toBeGreaterThanOrEqual(0);
    expect(done.trainableParameters).toBe(preflight.trainableParameters);
    expect(done.checkpoints.nodes.length).toBeGreaterThan(0);

    // Export the adapter and download it: PEFT's two files, checksum as announced.
    const {
      exportRun: { artifact: exportRun },
    } = await gql<{ exportRun: { artifact: { url: string; sha256: string; bytes: number } } }>(
      server.url,
      'mutation($id: ID!) { exportRun(input: { runId: $id, kind: ADAPTER }) { artifact { url sha256 bytes } } }',
      { id: createRun.id },
    );
    const res = await fetch(`${server.url}${exportRun.url}`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(exportRun.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(exportRun.sha256);
    const file = join(tempDir('download'), 'adapter.tar.gz');
    writeFileSync(file, bytes);
    const listed = execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listed).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    // PEFT's adapter_config.json names the registered model, not the server's folder for it.
    const peft = JSON.parse(execFileSync('tar', ['xzOf', file, 'adapter_config.json'], { encoding: 'utf8' }));
    expect(peft.base_model_name_or_path).toBe('austen-bert-mini');
    // The merged model (Hugging Face layout, LoRA folded in) and the ONNX model with its tokenizer.
    for (const [kind, files] of [
      ['MERGED', ['config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'tuneql.json']],
      [
        'ONNX',
        [
          'config.json',
          'model.onnx',
          'onnx/model.onnx',
          'special_tokens_map.json',
          'tokenizer.json',
          'tokenizer_config.json',
          'tuneql.json',
        ],
      ],
    ] as const) {
      const {
        exportRun: { artifact: a },
      } = await gql<{ exportRun: { artifact: { url: string } } }>(
        server.url,
        'mutation($id: ID!, $k: ExportKind!) { exportRun(input: { runId: $id, kind: $k }) { artifact { url } } }',
        {
          id: createRun.id,
          k: kind,
        },
      );
      const archive = join(tempDir('download'), `${kind}.tar.gz`);
      writeFileSync(archive, new Uint8Array(await (await fetch(`${server.url}${a.url}`)).arrayBuffer()));
      const entries = execFileSync('tar', ['tzf', archive], { encoding: 'utf8' }).split('\n');
      expect(entries.filter((e) => e && !e.endsWith('/')).sort()).toEqual(files);
    }

    const { predict } = await gql<{
      predict: { predictions: { tuned: { labels: { label: string; score: number }[] }; base: { labels: { score: number }[] } }[] };
    }>(
      server.url,
      'mutation($id: ID!) { predict(input: { runId: $id, inputs: [{ text: "Mr. Darcy bowed." }, { text: "Emma smiled." }] }) { predictions { tuned { labels { label score } } base { labels { score } } } } }',
      { id: createRun.id },
    );
    expect(predict.predictions).toHaveLength(2);
    for (const p of predict.predictions) {
      expect(p.tuned.labels).toHaveLength(6);
      expect(p.tuned.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 5);
      expect(p.base.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 5);
    }

    // The run list: filter and cursor pagination.
    const page = await gql<{
      runs: { totalCount: number; edges: { node: { id: string; strategy: string } }[]; pageInfo: { hasNextPage: boolean } };
    }>(
      server.url,
      '{ runs(filter: { status: [SUCCEEDED], strategy: "lora" }, first: 1) { totalCount edges { node { id strategy } } pageInfo { hasNextPage } } }',
    );
    expect(page.runs.totalCount).toBe(1);
    expect(page.runs.edges[0]?.node.id).toBe(createRun.id);
    expect(page.runs.pageInfo.hasNextPage).toBe(false);
  }, 240_000);

  // Replicas share a database server; the embedded one belongs to a single process.
  const onPostgres = postgres ? it : () => undefined;
  onPostgres(
    'delivers events live to subscribers on another server replica (LISTEN/NOTIFY)',
    async () => {
      // A replica shares the database and the storage (createRun reads the dataset from it to check the run's data).
      const replica = await startServer({
        databaseUrl: (server as TestServer & { databaseUrl?: string }).databaseUrl,
        workers: 0,
        env: { TUNEQL_STORAGE: join(server.dataDir, 'artifacts') },
      });
      try {
        const { models, datasets } = await gql<{
          models: { nodes: { id: string; name: string }[] };
          datasets: { nodes: { id: string; name: string }[] };
        }>(replica.url, '{ models { nodes { id name } } datasets { nodes { id name } } }');
        // Created on the replica (no workers), trained by the first server's worker, followed on the replica.
        const {
          createRun: { run: createRun },
        } = await gql<{ createRun: { run: { id: string } } }>(
          replica.url,
          'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
          {
            i: {
              modelId: models.nodes.find((m) => m.name === 'austen-bert-mini')?.id,
              datasetId: datasets.nodes.find((d) => d.name === 'austen-small')?.id,
              strategy: 'lora',
              hyperparameters: { maxSteps: 8, batchSize: 8, learningRate: 3e-3 },
              maxLength: 32,
            },
          },
        );
        const client = wsClient(replica.url);
        const arrivals: number[] = [];
        const events = await collectEvents(client, createRun.id, 0, () => arrivals.push(Date.now()));
        await client.dispose();
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
        expect(events.filter((e) => e.type === 'STEP').map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(events.at(-1)?.type).toBe('FINISHED');
        // Pushed as they happened, not found by a poll at the end.
        expect((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThan(200);
      } finally {
        await replica.stop();
      }
    },
    180_000,
  );

  it('refuses a run with a bad strategy option before queueing anything', async () => {
    const { models, datasets } = await gql<{ models: { nodes: { id: string }[] }; datasets: { nodes: { id: string }[] } }>(
      server.url,
      '{ models { nodes { id } } datasets { nodes { id } } }',
    );
    const r = await gqlRaw<unknown>(server.url, 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }', {
      i: { modelId: models.nodes[0]?.id, datasetId: datasets.nodes[0]?.id, strategy: 'lora', strategyConfig: { r: -1 } },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe('STRATEGY_CONFIG_INVALID');
    expect(r.errors?.[0]?.message).toMatch(/\br\b/);
    const unknown = await gqlRaw<unknown>(server.url, 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }', {
      i: { modelId: models.nodes[0]?.id, datasetId: datasets.nodes[0]?.id, strategy: 'nope' },
    });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('STRATEGY_NOT_FOUND');
    const { runs } = await gql<{ runs: { totalCount: number } }>(server.url, '{ runs(filter: { strategy: "nope" }) { totalCount } }');
    expect(runs.totalCount).toBe(0);
  });
});
