// Fuzzing the GraphQL API of a real server (one per file, embedded database, no workers): operations generated
// from the schema the server reports through introspection, with hostile arguments and selections, sent over HTTP
// and WebSocket; and uploads of damaged dataset files made into datasets with odd settings, then inspected. Every
// answer must be a JSON GraphQL response whose errors all carry a code other than INTERNAL_SERVER_ERROR; afterwards
// the server still answers /healthz and its resident memory has stayed bounded.
//
// Workers: none, so createRun only queues (no training starts) and resumeRun finds nothing to resume. Deletions
// and token revocations never get the fixtures' ids (they get random UUIDs and non-UUIDs), so the fixtures survive.

import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildClientSchema, type GraphQLSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASKS } from '../../packages/engine/src/models/config.ts';
import { austenDataset, austenSlice, gql, REPO, startServer, type TestServer, tempDir, upload, wsClient } from '../server/harness.ts';
import { classificationFile, datasetFile, validation } from './dataset-files.ts';
import { fuzz, itFuzzes, testTimeout } from './fuzz-settings.ts';
import { type Operation, OperationGenerator } from './graphql-operations.ts';

/** Resident memory the server may gain over the whole fuzz run. */
const MAX_RSS_GROWTH = 512 * 1024 ** 2;
/** How long a subscription case waits for its first answer before it unsubscribes. */
const SUBSCRIPTION_WAIT_MS = 500;

/** A model folder of its own: the demo model with a tokenizer.json that pads every text to 4,096 tokens. */
const modelRoot = tempDir('fuzz-models');
const PADDED_LENGTH = 4_096;
/** An engine name as the API's enums spell it: sequence-classification is SEQUENCE_CLASSIFICATION. */
const enumName = (name: string): string => name.toUpperCase().replaceAll('-', '_');

let server: TestServer;
let schema: GraphQLSchema;
let modelId: string;
let startRss: number;
const fixtureIds: Record<string, string[]> = {};

interface GraphQLAnswer {
  status: number | 'ws';
  body: unknown;
}

async function residentBytes(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  if (!line) throw new Error('/metrics has no process_resident_memory_bytes');
  return Number(line[1]);
}

beforeAll(async () => {
  const started = performance.now();
  server = await startServer({
    workers: 0,
    env: {
      // As deployed (Apollo hides more under NODE_ENV=test); the fixtures are made below, smaller than the demo's.
      NODE_ENV: '',
      TUNEQL_DEMO: 'false',
      TUNEQL_RATE_LIMIT: '1000000',
      TUNEQL_RATE_LIMIT_PER_ADDRESS: '1000000',
      TUNEQL_UPLOAD_RATE_LIMIT: '1000000',
      TUNEQL_PREDICT_RATE_LIMIT: '1000000',
      TUNEQL_MODEL_DIRS: `${join(REPO, 'models')}:${modelRoot}`,
    },
  });
  const introspection = await gql<IntrospectionQuery>(server.url, getIntrospectionQuery());
  schema = buildClientSchema(introspection);

  const { importModelFromDirectory } = await gql<{ importModelFromDirectory: { model: { id: string } } }>(
    server.url,
    'mutation($p: String!) { importModelFromDirectory(input: { path: $p, name: "fixture" }) { model { id } } }',
    { p: join(REPO, 'models/austen-bert-mini') },
  );
  modelId = importModelFromDirectory.model.id;
  const datasetId = await austenDataset(server.url, 'fixture', 3);
  const up = await upload(server.url, 'fixture.jsonl', austenSlice(3));
  const { createRun } = await gql<{ createRun: { run: { id: string } } }>(
    server.url,
    'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
    {
      i: { modelId, datasetId, strategy: 'lora', maxLength: 32, hyperparameters: { batchSize: 4 } },
    },
  );
  const { createApiToken } = await gql<{ createApiToken: { token: { id: string } } }>(
    server.url,
    'mutation { createApiToken(input: { name: "fuzz", scopes: [READ] }) { token { id } } }',
  );
  Object.assign(fixtureIds, {
    model: [modelId],
    dataset: [datasetId],
    upload: [up.json.id as string],
    run: [createRun.run.id],
    token: [createApiToken.token.id],
  });
  startRss = await residentBytes();
  console.log(`server and fixtures ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** Every error of a GraphQL response, checked to be coded and not INTERNAL_SERVER_ERROR; throws otherwise. */
function checkAnswer(what: string, answer: GraphQLAnswer): void {
  const { body } = answer;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`${what}: the answer (${answer.status}) is not a JSON object: ${JSON.stringify(body)?.slice(0, 300)}`);
  }
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (data === undefined && errors === undefined)
    throw new Error(`${what}: the answer has neither data nor errors: ${JSON.stringify(body).slice(0, 300)}`);
  if (errors === undefined) return;
  if (!Array.isArray(errors) || errors.length === 0)
    throw new Error(`${what}: errors is not a non-empty list: ${JSON.stringify(errors).slice(0, 300)}`);
  for (const error of errors as { message?: unknown; extensions?: { code?: unknown } }[]) {
    const code = error?.extensions?.code;
    if (typeof code !== 'string' || code === 'INTERNAL_SERVER_ERROR') {
      // The server logs what it masked: the last such line says what went wrong inside.
      const logged =
        server
          .output()
          .split('\n')
          .filter((line) => line.includes('unexpected error'))
          .at(-1) ?? '(nothing logged)';
      throw new Error(
        `${what}: an error without a usable code (${String(code)}): ${JSON.stringify(error).slice(0, 500)}\nserver log: ${logged.slice(0, 3000)}`,
      );
    }
  }
}

async function overHttp(op: Pick<Operation, 'query' | 'variables'>): Promise<GraphQLAnswer> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: op.query, variables: op.variables }),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`HTTP ${res.status} answered with something that is not JSON: ${text.slice(0, 300)}`);
  }
}

/**
 * The first answer over a fresh WebSocket: the first result, the errors, or completion; a subscription that has
 * said nothing after SUBSCRIPTION_WAIT_MS is fine (it is waiting for events). A socket the server closes counts
 * as an answer only for 1009 (a message over TUNEQL_MAX_REQUEST_BYTES).
 */
function overWebSocket(op: Operation): Promise<GraphQLAnswer> {
  return new Promise((resolve, reject) => {
    let closeCode: number | undefined;
    const client = wsClient(server.url, undefined, (code) => {
      closeCode = code;
    });
    let settled = false;
    const finish = (answer: GraphQLAnswer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      void client.dispose();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    const timer = setTimeout(
      () =>
        op.kind === 'subscription' ? finish({ status: 'ws', body: { data: null } }) : finish(new Error('no answer over WebSocket in time')),
      op.kind === 'subscription' ? SUBSCRIPTION_WAIT_MS : 15_000,
    );
    const unsubscribe = client.subscribe(
      { query: op.query, variables: op.variables },
      {
        next: (result) => finish({ status: 'ws', body: result }),
        error: (err) => {
          if (Array.isArray(err)) finish({ status: 'ws', body: { errors: err } });
          else if (closeCode === 1009 || (err as { code?: number })?.code === 1009) finish({ status: 'ws', body: { data: null } });
          else
            finish(
              new Error(
                `the WebSocket failed (close code ${closeCode ?? (err as { code?: number })?.code}): ${String((err as Error)?.message ?? err)}`,
              ),
            );
        },
        complete: () => finish({ status: 'ws', body: { data: null } }),
      },
    );
  });
}

// What the fuzzer found, as plain cases on the same server: each answered INTERNAL_SERVER_ERROR before its fix.
describe('regressions found by fuzzing', () => {
  const codes = (answer: GraphQLAnswer) =>
    ((answer.body as { errors?: { extensions?: { code?: string } }[] }).errors ?? []).map((e) => e.extensions?.code);

  it('a variable of the wrong type over WebSocket is BAD_USER_INPUT, as over HTTP', async () => {
    const op = { query: 'mutation($v: ID!) { cancelRun(input: { id: $v }) { run { id } } }', variables: { v: -0.5 } };
    expect(codes(await overWebSocket({ ...op, kind: 'mutation', field: 'cancelRun' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await overHttp(op))).toEqual(['BAD_USER_INPUT']);
  });

  it("fifty bad list items ('Too many errors processing variables') are BAD_USER_INPUT", async () => {
    const inputs = Array.from({ length: 60 }, () => ({ text: 'x', nope: 1 }));
    const answer = await overHttp({
      query: 'mutation($i: [PredictInputItem!]!, $r: ID!) { predict(input: { inputs: $i, runId: $r }) { predictions { text } } }',
      variables: { i: inputs, r: randomUUID() },
    });
    expect(new Set(codes(answer))).toEqual(new Set(['BAD_USER_INPUT']));
  });

  it("labels named like Object members ('constructor', '__proto__') are counted in a dataset's statistics", async () => {
    const rows = ['a', 'b', 'c', 'd', 'e', 'f'].map((text, i) =>
      JSON.stringify({ text, label: ['constructor', '__proto__', 'toString'][i % 3] }),
    );
    const up = await upload(server.url, 'members.jsonl', rows.join('\n'));
    const { createDataset } = await gql<{ createDataset: { dataset: { statistics: { labels: { label: string; count: number }[] } } } }>(
      server.url,
      'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { statistics { labels { label count } } } } }',
      { i: { name: `members-${randomUUID()}`, uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' } },
    );
    expect(createDataset.dataset.statistics.labels.sort((a, b) => (a.label < b.label ? -1 : 1))).toEqual([
      { label: '__proto__', count: 2 },
      { label: 'constructor', count: 2 },
      { label: 'toString', count: 2 },
    ]);
  });

  // Found with TUNEQL_FUZZ_SEED=2: PostgreSQL refused the label "\u0000" in the dataset's jsonb columns.
  it('a NUL character in a label or a name is BAD_USER_INPUT', async () => {
    const up = await upload(
      server.url,
      'nul.jsonl',
      `${JSON.stringify({ text: '!', label: '\u0000' })}\n${JSON.stringify({ text: 'It is', label: 0 })}`,
    );
    for (const name of [`nul-${randomUUID()}`, `nul\u0000${randomUUID()}`]) {
      const answer = await overHttp({
        query: 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
        variables: { i: { name, uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' } },
      });
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect((answer.body as { errors: { message: string }[] }).errors[0]?.message).toMatch(/holds a NUL character \(U\+0000\)/);
    }
  });

  // The fuzzer's tokenizer.json with { Fixed: 10000000 } padding took 12 s and 1.3 GB a text; token lengths also
  // counted the padding, so every example measured as long as it.
  it("token lengths are the texts' own, whatever padding tokenizer.json asks for", async () => {
    const padded = join(modelRoot, 'padded');
    cpSync(join(REPO, 'models/austen-bert-mini'), padded, { recursive: true });
    const tokenizer = JSON.parse(readFileSync(join(padded, 'tokenizer.json'), 'utf8'));
    tokenizer.padding = { strategy: { Fixed: PADDED_LENGTH }, direction: 'Right', pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' };
    writeFileSync(join(padded, 'tokenizer.json'), JSON.stringify(tokenizer));
    const { importModelFromDirectory } = await gql<{ importModelFromDirectory: { model: { id: string } } }>(
      server.url,
      'mutation($p: String!) { importModelFromDirectory(input: { path: $p, name: "padded" }) { model { id } } }',
      { p: padded },
    );
    const { dataset } = await gql<{ dataset: { rowCount: number; tokenLengths: { counts: number[]; max: number } } }>(
      server.url,
      'query($d: ID!, $m: ID!) { dataset(id: $d) { rowCount tokenLengths(modelId: $m) { counts max } } }',
      { d: fixtureIds.dataset?.[0], m: importModelFromDirectory.model.id },
    );
    expect(dataset.tokenLengths.max).toBeGreaterThan(10);
    expect(dataset.tokenLengths.max).toBeLessThan(PADDED_LENGTH);
    expect(dataset.tokenLengths.counts.reduce((a, b) => a + b, 0)).toBe(dataset.rowCount);
  });

  it('a label set that names a label twice is DATASET_INVALID', async () => {
    const up = await upload(server.url, 'twice.jsonl', austenSlice(1));
    const answer = await overHttp({
      query: 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
      variables: { i: { name: `twice-${randomUUID()}`, uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION', labels: ['a', 'a'] } },
    });
    expect(codes(answer)).toEqual(['DATASET_INVALID']);
    expect((answer.body as { errors: { message: string }[] }).errors[0]?.message).toBe(
      "the label set names 'a' twice; each label needs one id",
    );
  });
});

describe('GraphQL API under fuzzing', () => {
  it(
    'operations generated from the schema, over HTTP and WebSocket: coded errors only, and the server stays up and bounded',
    async () => {
      const generator = new OperationGenerator(schema, {
        fixtures: {
          ids: fixtureIds,
          strings: [
            ...TASKS,
            join(REPO, 'models/austen-bert-mini'),
            'models/austen-gpt2-mini',
            'full',
            'lora',
            'partial',
            'bottleneck',
            'ia3',
            'cpu',
            'webgpu',
            'cuda',
            'csv',
            'jsonl',
            'cosine',
            'accuracy',
            'read',
            'write',
            'step',
            'fuzz',
          ],
        },
        destructive: (field) => /^(delete|revoke)/.test(field),
      });
      const sample = fc.record({ op: generator.operation(), ws: fc.integer({ min: 0, max: 4 }) });
      let cases = 0;
      await fuzz(
        fc.asyncProperty(sample, async ({ op, ws }) => {
          // Subscriptions exist only on the socket; one operation in five of the rest goes there too.
          const overSocket = op.kind === 'subscription' || ws === 0;
          const answer = overSocket ? await overWebSocket(op) : await overHttp(op);
          checkAnswer(`${op.kind} ${op.field} over ${overSocket ? 'WebSocket' : 'HTTP'}`, answer);
          if (++cases % 100 === 0) {
            const rss = await residentBytes();
            if (rss - startRss > MAX_RSS_GROWTH) throw new Error(`the server grew from ${startRss} to ${rss} resident bytes`);
          }
        }),
        { runs: 2_000, budgetMs: 12_000 },
      );
      expect(cases).toBeGreaterThan(50);
    },
    testTimeout(12_000),
  );

  itFuzzes(
    'damaged dataset files uploaded and made into datasets with odd settings, then inspected: coded errors only',
    () => {
      const settings = fc.record({
        // Half with the settings a classification file validates under, so that some uploads become datasets.
        options: fc.oneof(validation, fc.constant({ task: 'sequence-classification', columns: undefined, labels: undefined })),
        format: fc.option(fc.constantFrom('csv', 'jsonl', 'xml', ''), { freq: 3, nil: undefined }),
      });
      return fc.asyncProperty(fc.oneof(datasetFile, classificationFile), settings, async ({ name, bytes }, { options, format }) => {
        const up = await upload(server.url, name, bytes);
        if (up.status !== 201) throw new Error(`POST /uploads answered ${up.status}: ${JSON.stringify(up.json)}`);
        const input = {
          name: `fuzz-${randomUUID()}`,
          uploadId: up.json.id,
          // The API's enums spell the engine's names upper-case (sequence-classification: SEQUENCE_CLASSIFICATION).
          task: enumName(options.task),
          columns: options.columns,
          labels: options.labels,
          format: format === undefined ? undefined : enumName(format),
        };
        const created = await overHttp({
          query: 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
          variables: { i: input },
        });
        checkAnswer('createDataset', created);
        const id = (created.body as { data?: { createDataset?: { id: string } } }).data?.createDataset?.id;
        if (id === undefined) return;
        const inspected = await overHttp({
          query: `query($id: ID!, $m: ID!) { dataset(id: $id) { rowCount labels columns statistics { rows splits { train validation test }
              labels { label count } textLength { min p50 p95 max } } preview(limit: 5) { row data } tokenLengths(modelId: $m) { counts max p95 } } }`,
          variables: { id, m: modelId },
        });
        checkAnswer('dataset', inspected);
      });
    },
    { runs: 300, budgetMs: 6_000 },
  );

  it('still answers /healthz, with resident memory bounded', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    expect((await residentBytes()) - startRss).toBeLessThan(MAX_RSS_GROWTH);
  });
});
