// The API's conventions through the real server and database: Relay pagination forwards and backwards
// (exact nodes, PageInfo and cursors), refused page arguments, node(id:) for every type, and enum values
// that go in and come back as the internal strings are stored.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  austenDataset,
  freshDatabase,
  gql,
  gqlRaw,
  smallLoraRun,
  startServer,
  startWorker,
  type TestServer,
  type TestWorker,
  waitForStatus,
} from './harness.ts';

interface Page {
  totalCount: number;
  nodes: { id: string }[];
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE_FIELDS = 'totalCount nodes { id } edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

let server: TestServer;
let worker: TestWorker | undefined;
let drop: () => Promise<void>;
let databaseUrl: string;
let datasetId: string;
const runIds: string[] = [];

beforeAll(async () => {
  ({ url: databaseUrl, drop } = await freshDatabase());
  // No worker yet: the runs stay QUEUED while the lists are paged.
  server = await startServer({ databaseUrl, workers: 0 });
  datasetId = await austenDataset(server.url, 'conventions', 10);
  for (let i = 0; i < 5; i++) runIds.push(await smallLoraRun(server.url, datasetId, { maxSteps: 4, evalEvery: 2 }));
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await server?.stop();
  await drop?.();
});

/** One page of `field` (a root list, here) with `args`, e.g. 'first: 2, after: "..."'. */
async function page(field: string, args: string): Promise<Page> {
  const data = await gql<Record<string, Page>>(server.url, `{ list: ${field}(${args}) { ${PAGE_FIELDS} } }`);
  return data.list as Page;
}

/** Pages through `field` forwards with `size` a page, then backwards, checking each page against `all`. */
async function walk(field: string, filter: string, all: string[], size: number): Promise<void> {
  const pages = Math.ceil(all.length / size);
  let after: string | null = null;
  for (let p = 0; p < pages; p++) {
    const got = await page(field, `${filter}first: ${size}${after ? `, after: "${after}"` : ''}`);
    const want = all.slice(p * size, (p + 1) * size);
    expect(got.nodes.map((n) => n.id)).toEqual(want);
    expect(got.edges.map((e) => e.node.id)).toEqual(want);
    expect(got.totalCount).toBe(all.length);
    expect(got.pageInfo).toEqual({
      hasNextPage: p < pages - 1,
      hasPreviousPage: p > 0,
      startCursor: got.edges[0]?.cursor,
      endCursor: got.edges.at(-1)?.cursor,
    });
    after = got.pageInfo.endCursor;
  }
  let before: string | null = null;
  for (let p = 0; p < pages; p++) {
    const got = await page(field, `${filter}last: ${size}${before ? `, before: "${before}"` : ''}`);
    const want = all.slice(Math.max(0, all.length - (p + 1) * size), all.length - p * size);
    expect(got.nodes.map((n) => n.id)).toEqual(want);
    expect(got.pageInfo).toEqual({
      hasNextPage: p > 0,
      hasPreviousPage: p < pages - 1,
      startCursor: got.edges[0]?.cursor,
      endCursor: got.edges.at(-1)?.cursor,
    });
    before = got.pageInfo.startCursor;
  }
}

describe('Relay connections', () => {
  it('pages the runs (newest first) forwards and backwards with exact nodes, PageInfo and cursors', async () => {
    const filter = `filter: { datasetId: "${datasetId}" }, `;
    const all = (await page('runs', `${filter}first: 100`)).nodes.map((n) => n.id);
    expect(all).toEqual([...runIds].reverse());
    await walk('runs', filter, all, 2);
    // A cursor in the middle: the rows on both sides of it.
    const middle = (await page('runs', `${filter}first: 3`)).pageInfo.endCursor;
    const around = await page('runs', `${filter}first: 1, after: "${middle}"`);
    expect(around.nodes.map((n) => n.id)).toEqual([all[3]]);
    expect(around.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  }, 60_000);

  it('pages the datasets, models and strategies (oldest first, by id) the same way', async () => {
    await austenDataset(server.url, 'conventions-2', 2);
    await austenDataset(server.url, 'conventions-3', 2);
    const datasets = (await page('datasets', 'first: 100')).nodes.map((n) => n.id);
    expect(datasets.length).toBeGreaterThanOrEqual(3);
    await walk('datasets', '', datasets, 2);
    const strategies = (await page('strategies', 'first: 100')).nodes.map((n) => n.id);
    expect(strategies).toEqual([...strategies].sort());
    expect(strategies).toEqual(expect.arrayContaining(['bottleneck', 'full', 'lora', 'partial']));
    await walk('strategies', '', strategies, 3);
    const models = (await page('models', 'first: 100')).nodes.map((n) => n.id);
    await walk('models', '', models, 1);
  }, 60_000);

  it('refuses page arguments out of range, both first and last, and cursors it did not hand out, with BAD_USER_INPUT', async () => {
    const runsCursor = (await page('runs', 'first: 1')).pageInfo.endCursor;
    const refused: [string, string, RegExp][] = [
      ['datasets(first: -1)', 'first', /first: -1 is out of range; ask for 0 to 100 items/],
      ['datasets(last: 101)', 'last', /last: 101 is out of range/],
      ['datasets(first: 1, last: 1)', 'last', /give first or last, not both/],
      ['datasets(after: "nonsense")', 'after', /'nonsense' is not a cursor of datasets/],
      [`datasets(before: "${runsCursor}")`, 'before', /is not a cursor of datasets/],
    ];
    for (const [field, argument, message] of refused) {
      const r = await gqlRaw(server.url, `{ ${field} { totalCount } }`);
      expect(r.errors?.[0]?.extensions?.code, field).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.extensions?.field, field).toBe(argument);
      expect(r.errors?.[0]?.message, field).toMatch(message);
    }
    const run = await gqlRaw(server.url, `{ run(id: "${runIds[0]}") { events(first: 10001) { totalCount } } }`);
    expect(run.errors?.[0]?.message).toMatch(/first: 10001 is out of range; ask for 0 to 10000 items/);
    const empty = await page('datasets', 'first: 0');
    expect([empty.nodes, empty.pageInfo]).toEqual([[], { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null }]);
  });
});

describe('mutations, enums and nodes', () => {
  it('cancels and deletes through input objects and payloads; enum values go in and come back', async () => {
    // Four of the five queued runs are cancelled at once (QUEUED -> CANCELLED); one is left to train below.
    for (const id of runIds.slice(1)) {
      const { cancelRun } = await gql<{ cancelRun: { run: { id: string; status: string } } }>(
        server.url,
        'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { id status } } }',
        { id },
      );
      expect(cancelRun.run).toEqual({ id, status: 'CANCELLED' });
    }
    const doomed = runIds.pop() as string;
    const { deleteRun } = await gql<{ deleteRun: { deletedId: string } }>(
      server.url,
      'mutation($id: ID!) { deleteRun(input: { id: $id }) { deletedId } }',
      { id: doomed },
    );
    expect(deleteRun.deletedId).toBe(doomed);
    expect((await gqlRaw(server.url, `{ node(id: "${doomed}") { id } }`)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const { run } = await gql<{ run: { task: string; device: string; hyperparameters: { schedule: string } } }>(
      server.url,
      `{ run(id: "${runIds[1]}") { task device hyperparameters } }`,
    );
    expect(run).toMatchObject({ task: 'SEQUENCE_CLASSIFICATION', device: 'CPU', hyperparameters: { schedule: 'linear' } });
    const cosine = await gql<{ createRun: { run: { device: string; hyperparameters: { schedule: string } } } }>(
      server.url,
      'mutation($i: CreateRunInput!) { createRun(input: $i) { run { device hyperparameters } } }',
      {
        i: {
          modelId: (await page('models', 'first: 1')).nodes[0]?.id,
          datasetId,
          task: 'SEQUENCE_CLASSIFICATION',
          device: 'CPU',
          strategy: 'lora',
          hyperparameters: { schedule: 'COSINE', maxSteps: 1 },
        },
      },
    );
    // Stored as the engine spells it: the JSON of the settings keeps 'cosine'.
    expect(cosine.createRun.run).toMatchObject({ device: 'CPU', hyperparameters: { schedule: 'cosine' } });
    const bad = await gqlRaw(server.url, 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }', {
      i: { modelId: randomUUID(), datasetId, hyperparameters: { schedule: 'cosine' } },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/Value "cosine" does not exist in "HyperparametersSchedule" enum/);

    const { createApiToken } = await gql<{ createApiToken: { token: { id: string; scopes: string[] }; secret: string } }>(
      server.url,
      'mutation { createApiToken(input: { name: "reader", scopes: [READ] }) { token { id scopes } secret } }',
    );
    expect(createApiToken.token.scopes).toEqual(['READ']);
    const { revokeApiToken } = await gql<{ revokeApiToken: { token: { id: string; revokedAt: string | null } | null } }>(
      server.url,
      'mutation($id: ID!) { revokeApiToken(input: { id: $id }) { token { id revokedAt } } }',
      { id: createApiToken.token.id },
    );
    expect(revokeApiToken.token).toEqual({ id: createApiToken.token.id, revokedAt: expect.any(String) });
  });

  it('trains a run whose events and checkpoints page like any list, with enum event types', async () => {
    worker = await startWorker({ dataDir: server.dataDir, databaseUrl });
    const id = runIds[0] as string;
    expect((await waitForStatus(server.url, id, ['SUCCEEDED', 'FAILED'], 120_000)).status).toBe('SUCCEEDED');
    const { run } = await gql<{ run: { events: { totalCount: number; nodes: { seq: number; type: string }[] } } }>(
      server.url,
      `{ run(id: "${id}") { events(first: 1000) { totalCount nodes { seq type } } } }`,
    );
    const all = run.events.nodes;
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    expect(all[0]?.type).toBe('STARTED');
    expect(all.at(-1)?.type).toBe('FINISHED');
    expect(all.filter((e) => e.type === 'STEP')).toHaveLength(4);

    // Forwards three at a time, then backwards; the cursors are the events' own.
    const seqs: number[] = [];
    let after = '';
    for (;;) {
      const { run: r } = await gql<{ run: { events: { nodes: { seq: number }[]; pageInfo: Page['pageInfo'] } } }>(
        server.url,
        `{ run(id: "${id}") { events(first: 3${after}) { nodes { seq } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
      );
      seqs.push(...r.events.nodes.map((e) => e.seq));
      expect(r.events.pageInfo.hasPreviousPage).toBe(seqs.length > 3);
      if (!r.events.pageInfo.hasNextPage) break;
      after = `, after: "${r.events.pageInfo.endCursor}"`;
    }
    expect(seqs).toEqual(all.map((e) => e.seq));
    const { run: tail } = await gql<{ run: { events: { nodes: { seq: number }[]; pageInfo: Page['pageInfo'] } } }>(
      server.url,
      `{ run(id: "${id}") { events(last: 2, types: [STEP, EVAL]) { nodes { seq } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`,
    );
    const stepsAndEvals = all.filter((e) => e.type === 'STEP' || e.type === 'EVAL').map((e) => e.seq);
    expect(tail.events.nodes.map((e) => e.seq)).toEqual(stepsAndEvals.slice(-2));
    expect(tail.events.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    // afterSeq (as runEvents takes it) filters, and the connection's counts follow the filter.
    const { run: late } = await gql<{ run: { events: { totalCount: number; nodes: { seq: number }[] } } }>(
      server.url,
      `{ run(id: "${id}") { events(afterSeq: ${all.length - 2}) { totalCount nodes { seq } } } }`,
    );
    expect(late.events).toEqual({ totalCount: 2, nodes: [{ seq: all.length - 1 }, { seq: all.length }] });

    const { run: saved } = await gql<{ run: { checkpoints: { totalCount: number; nodes: { step: number; available: boolean }[] } } }>(
      server.url,
      `{ run(id: "${id}") { checkpoints(first: 100) { totalCount nodes { step available } } } }`,
    );
    expect(saved.checkpoints.totalCount).toBe(all.filter((e) => e.type === 'CHECKPOINT').length);
    expect(saved.checkpoints.nodes.some((c) => c.available)).toBe(true);
  }, 150_000);

  it('fetches every type by node(id) and nodes(ids), and answers bad ids with coded errors', async () => {
    const id = runIds[0] as string;
    const { exportRun } = await gql<{ exportRun: { artifact: { id: string } } }>(
      server.url,
      'mutation($id: ID!) { exportRun(input: { runId: $id, kind: ADAPTER }) { artifact { id } } }',
      { id },
    );
    const modelId = (await page('models', 'first: 1')).nodes[0]?.id as string;
    const tokenId = (await page('apiTokens', 'first: 1')).nodes[0]?.id as string;
    const expected: [string, string, string][] = [
      [id, 'Run', '... on Run { status }'],
      [modelId, 'Model', '... on Model { modelType }'],
      [datasetId, 'Dataset', '... on Dataset { task }'],
      [exportRun.artifact.id, 'Artifact', '... on Artifact { kind }'],
      [tokenId, 'ApiToken', '... on ApiToken { scopes }'],
    ];
    for (const [nodeId, type, fragment] of expected) {
      const { node } = await gql<{ node: { __typename: string; id: string } }>(
        server.url,
        `{ node(id: "${nodeId}") { __typename id ${fragment} } }`,
      );
      expect(node.__typename).toBe(type);
      expect(node.id).toBe(nodeId);
    }
    const { node: details } = await gql<{ node: Record<string, unknown> }>(
      server.url,
      `{ node(id: "${id}") { ... on Run { status task } } }`,
    );
    expect(details).toEqual({ status: 'SUCCEEDED', task: 'SEQUENCE_CLASSIFICATION' });
    const ids = expected.map(([nodeId]) => nodeId).reverse();
    const { nodes } = await gql<{ nodes: { __typename: string; id: string }[] }>(
      server.url,
      'query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
      { ids },
    );
    expect(nodes.map((n) => [n.id, n.__typename])).toEqual(expected.map(([nodeId, type]) => [nodeId, type]).reverse());

    const notUuid = await gqlRaw(server.url, '{ node(id: "run-1") { id } }');
    expect(notUuid.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const unknown = randomUUID();
    const missing = await gqlRaw(server.url, `{ node(id: "${unknown}") { id } }`);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', id: unknown });
    const oneBad = await gqlRaw(server.url, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [id, 'nope'] });
    expect(oneBad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids[1]' });
  }, 60_000);
});
