// The hardening issue, case by case, against real servers on loopback, over HTTP and graphql-ws where both
// apply: Host and Origin checks (DNS rebinding, cross-site requests), tokens that stop working close their
// sockets, coded errors for malformed ids and dataset input, no stack traces or field suggestions in errors,
// JSON answers to oversized bodies, model folders that link outside the allowed ones, upload retention, UTF-16
// files, and rate limits.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { austenSlice, type GqlResult, gql, gqlRaw, REPO, startServer, type TestServer, tempDir, upload, wsClient } from './harness.ts';

const FOREIGN = 'http://evil.example';
/** As a deployment runs: not `test` (Apollo leaves stack traces out under NODE_ENV=test by itself). */
const DEPLOYED = { NODE_ENV: '', TUNEQL_DEMO: 'false' };
/** Seconds the guarded server caches tokens and re-checks open sockets. */
const TOKEN_CACHE_SECONDS = 1;
/** The open server deletes unused uploads after 0.002 h = 7.2 s (a sweep every 3.6 s). */
const RETENTION_HOURS = 0.002;
/**
 * The open server's rate limits: room for every test before the rate-limit ones (about 80 operations, 10
 * uploads and 2 predictions from this address), which run last and spend the rest.
 */
const LIMITS = { perToken: 10, perAddress: 150, uploads: 20, predict: 5, subscriptions: 2 };

/** The embedded default (loopback, no tokens) with small rate limits and a short upload retention. */
let open: TestServer;
/** Tokens required, introspection off, an allowed origin and host, model folders of its own. */
let guarded: TestServer;
let admin: string;
let modelRoot: string;

/** Runs SQL on a server's embedded database from this process, as another replica or `tuneql token` would. */
async function sql(server: TestServer, text: string, values: unknown[]): Promise<void> {
  // The embedded database answers on the data folder's Unix socket, as it does for `tuneql worker`.
  const db = new pg.Client({ host: join(server.dataDir, 'db'), port: 5432, user: 'postgres', database: 'postgres' });
  await db.connect();
  try {
    await db.query(text, values);
  } finally {
    await db.end();
  }
}

/** A write token written straight to the database (what `tuneql token create` stores: the secret's SHA-256). */
async function seedToken(server: TestServer, name: string): Promise<string> {
  const secret = `tql_${randomBytes(24).toString('base64url')}`;
  const hash = createHash('sha256').update(secret).digest('hex');
  await sql(server, `INSERT INTO api_tokens (name, prefix, hash, scopes) VALUES ($1, $2, $3, '["read", "write"]')`, [
    name,
    secret.slice(0, 10),
    hash,
  ]);
  return secret;
}

beforeAll(async () => {
  modelRoot = tempDir('model-root');
  // linked: a link to another allowed folder; evil: a link to a file outside; escape: a link to a folder outside.
  symlinkSync(join(REPO, 'models/austen-bert-mini'), join(modelRoot, 'linked'));
  mkdirSync(join(modelRoot, 'evil'));
  cpSync(join(REPO, 'models/austen-bert-mini/config.json'), join(modelRoot, 'evil/config.json'));
  symlinkSync('/etc/passwd', join(modelRoot, 'evil/tokenizer.json'));
  symlinkSync('/etc', join(modelRoot, 'escape'));

  const guardedStart = async () => {
    guarded = await startServer({
      workers: 0,
      env: {
        ...DEPLOYED,
        TUNEQL_REQUIRE_TOKENS: 'true',
        TUNEQL_INTROSPECTION: 'false',
        TUNEQL_TOKEN_CACHE_SECONDS: String(TOKEN_CACHE_SECONDS),
        TUNEQL_ALLOWED_ORIGINS: 'https://console.example.com',
        TUNEQL_ALLOWED_HOSTS: 'api.example.com',
        TUNEQL_MODEL_DIRS: `${join(REPO, 'models')}:${modelRoot}`,
      },
    });
    admin = await seedToken(guarded, 'admin');
  };
  [open] = await Promise.all([
    startServer({
      workers: 0,
      env: {
        ...DEPLOYED,
        TUNEQL_UPLOAD_RETENTION_HOURS: String(RETENTION_HOURS),
        TUNEQL_RATE_LIMIT: String(LIMITS.perToken),
        TUNEQL_RATE_LIMIT_PER_ADDRESS: String(LIMITS.perAddress),
        TUNEQL_UPLOAD_RATE_LIMIT: String(LIMITS.uploads),
        TUNEQL_PREDICT_RATE_LIMIT: String(LIMITS.predict),
        TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET: String(LIMITS.subscriptions),
      },
    }),
    guardedStart(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

type Errors = GqlResult<unknown>['errors'];
const codeOf = (errors: Errors) => errors?.[0]?.extensions?.code;
const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** A raw HTTP request (fetch cannot set Host): status, headers and the parsed JSON body (or the text). */
function raw(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, unknown>; json: { errors?: Errors } & Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        let json = {};
        try {
          json = JSON.parse(text);
        } catch {
          // Left empty: the test looks at text.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The answer to a WebSocket upgrade with these headers: 101, or the refusal's status and JSON body. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: { errors?: Errors } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    socket.on('open', () => {
      socket.close();
      resolve({ status: 101, body: {} });
    });
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.on('error', (err) => reject(err));
  });
}

/** A graphql-ws client whose socket sends `headers` on the upgrade (a browser sends its page's Origin). */
function wsClientWith(url: string, headers: Record<string, string>, token?: string): Client {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url: `${url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WithHeaders,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** One operation on `client`: its result, or the errors it was refused with. */
function once<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<GqlResult<T>> {
  return new Promise<GqlResult<T>>((resolve, reject) => {
    let result: GqlResult<T> = { status: 0 };
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = { ...(value as Omit<GqlResult<T>, 'status'>), status: 0 };
        },
        error: (err) => {
          if (Array.isArray(err)) resolve({ errors: err as Errors, status: 0 });
          else reject(err instanceof Error ? err : new Error(`connection closed: ${(err as { code?: number }).code}`));
        },
        complete: () => resolve(result),
      },
    );
  });
}

/** One operation on a connection of its own. */
async function wsRequest<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> {
  const client = wsClient(url, token);
  try {
    return await once<T>(client, query, variables);
  } finally {
    await client.dispose();
  }
}

/** A runChanged subscription held open on `client`; resolves with the close code when the socket closes. */
function holdOpen(url: string, token: string): { closed: Promise<number>; connected: Promise<void>; client: Client } {
  let connected!: () => void;
  const ready = new Promise<void>((r) => (connected = r));
  let closedWith!: (code: number) => void;
  const closed = new Promise<number>((r) => (closedWith = r));
  const client = wsClient(url, token, (code) => closedWith(code));
  client.on('connected', () => connected());
  client.subscribe({ query: 'subscription { runChanged { id } }' }, { next: () => {}, error: () => {}, complete: () => {} });
  return { closed, connected: ready, client };
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

async function createToken(url: string, by: string, extra = '', scope = 'read'): Promise<{ secret: string; id: string }> {
  const { createApiToken } = await gql<{ createApiToken: { secret: string; token: { id: string } } }>(
    url,
    `mutation { createApiToken(input: { name: "t-${randomUUID().slice(0, 8)}", scopes: [${scope.toUpperCase()}]${extra} }) { secret token { id } } }`,
    {},
    by,
  );
  return { secret: createApiToken.secret, id: createApiToken.token.id };
}

// ---------------------------------------------------------------------------------------------------------
// 1. Cross-site access: Host and Origin

describe('Host and Origin', () => {
  it('refuses a foreign Origin on uploads, downloads and GraphQL with 403 ORIGIN_NOT_ALLOWED; no Origin or its own passes', async () => {
    const uploads = join(open.dataDir, 'artifacts', 'uploads');
    const before = existsSync(uploads) ? readdirSync(uploads).length : 0;
    const refusals = [
      await raw(open.url, '/uploads?filename=x.csv', {
        method: 'POST',
        headers: { origin: FOREIGN, 'content-type': 'text/plain' },
        body: 'text,label\na,b\n',
      }),
      await raw(open.url, `/artifacts/${randomUUID()}`, { headers: { origin: FOREIGN } }),
      await raw(open.url, '/graphql', {
        method: 'POST',
        headers: { origin: FOREIGN, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { createApiToken(input: { name: "x", scopes: [WRITE] }) { secret } }' }),
      }),
      await raw(open.url, '/uploads?filename=x.csv', { method: 'POST', headers: { origin: 'null' }, body: 'a' }),
    ];
    for (const r of refusals) {
      expect(r.status).toBe(403);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(codeOf(r.json.errors)).toBe('ORIGIN_NOT_ALLOWED');
      expect(r.json.errors?.[0]?.message).toMatch(/TUNEQL_ALLOWED_ORIGINS/);
    }
    expect(existsSync(uploads) ? readdirSync(uploads).length : 0).toBe(before);

    // The server's own page (any of its loopback names) and a script without an Origin get through.
    const port = new URL(open.url).port;
    for (const origin of [open.url, `http://localhost:${port}`, `http://[::1]:${port}`, undefined]) {
      const r = await raw(open.url, '/uploads?filename=ok.csv', {
        method: 'POST',
        headers: origin ? { origin } : {},
        body: 'text,label\na,b\n',
      });
      expect(r.status, origin).toBe(201);
    }
    // Another local site (another port) is not this server.
    const otherPort = await raw(open.url, '/uploads?filename=x.csv', {
      method: 'POST',
      headers: { origin: 'http://localhost:3000' },
      body: 'a',
    });
    expect(otherPort.status).toBe(403);
  });

  it('refuses a foreign Host (DNS rebinding) on every route with 403 HOST_NOT_ALLOWED', async () => {
    const port = new URL(open.url).port;
    for (const [method, path] of [
      ['POST', '/uploads?filename=x.csv'],
      ['GET', `/artifacts/${randomUUID()}`],
      ['GET', '/graphql?query=%7B__typename%7D'],
    ] as const) {
      const r = await raw(open.url, path, {
        method,
        headers: { host: `rebound.evil.example:${port}`, 'apollo-require-preflight': '1' },
        body: method === 'POST' ? 'a' : undefined,
      });
      expect([r.status, codeOf(r.json.errors)], path).toEqual([403, 'HOST_NOT_ALLOWED']);
      expect(r.json.errors?.[0]?.message).toMatch(/TUNEQL_ALLOWED_HOSTS/);
    }
    // Probes and scrapers reach a server by whatever name their network gives it: these answer any Host.
    for (const path of ['/healthz', '/metrics']) {
      expect((await raw(open.url, path, { headers: { host: `tuneql-api:${port}`, origin: FOREIGN } })).status, path).toBe(200);
    }
    expect((await raw(open.url, '/healthz', { method: 'POST', headers: { host: `tuneql-api:${port}` } })).status).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      const r = await raw(open.url, '/graphql?query=%7B__typename%7D', { headers: { host, 'apollo-require-preflight': '1' } });
      expect([r.status, r.json.data], host).toEqual([200, { __typename: 'Query' }]);
    }
  });

  it('refuses WebSocket upgrades from a foreign Origin or Host; a page of its own runs operations', async () => {
    const port = new URL(open.url).port;
    for (const headers of [
      { origin: FOREIGN },
      { host: `rebound.evil.example:${port}` },
      { origin: `http://127.0.0.1:${Number(port) + 1}` },
    ] as Record<string, string>[]) {
      const r = await upgrade(open.url, headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(['ORIGIN_NOT_ALLOWED', 'HOST_NOT_ALLOWED']).toContain(codeOf(r.body.errors));
    }
    // The attack the issue describes, from the server's own origin, works as it should.
    const own = wsClientWith(open.url, { origin: open.url });
    const r = await once<{ createApiToken: { secret: string } }>(
      own,
      'mutation { createApiToken(input: { name: "console", scopes: [READ] }) { secret } }',
    );
    await own.dispose();
    expect(r.data?.createApiToken.secret).toMatch(/^tql_/);
    expect(await upgrade(open.url, {})).toMatchObject({ status: 101 });
  });

  it('accepts the origins and hosts of TUNEQL_ALLOWED_ORIGINS and TUNEQL_ALLOWED_HOSTS, and only those', async () => {
    const allowed = { origin: 'https://console.example.com', host: 'api.example.com' };
    const up = await raw(guarded.url, '/uploads?filename=ok.csv', {
      method: 'POST',
      headers: { ...allowed, ...bearer(admin) },
      body: 'text,label\na,b\n',
    });
    expect(up.status).toBe(201);
    expect(await upgrade(guarded.url, allowed)).toMatchObject({ status: 101 });
    const client = wsClientWith(guarded.url, allowed, admin);
    expect(await once(client, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    await client.dispose();
    for (const headers of [{ origin: 'https://console.example.com.evil.example' }, { host: 'api.example.com.evil.example' }] as Record<
      string,
      string
    >[]) {
      expect((await upgrade(guarded.url, headers)).status).toBe(403);
      expect((await raw(guarded.url, `/artifacts/${randomUUID()}`, { headers: { ...headers, ...bearer(admin) } })).status).toBe(403);
    }
  });

  it("leaves GraphQL's simple cross-site requests to Apollo's CSRF prevention (400 without a preflight header)", async () => {
    // No Origin at all (a form post from a page that hides it): Apollo refuses text/plain without apollo-require-preflight.
    const r = await raw(open.url, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { createApiToken(input: { name: "csrf", scopes: [WRITE] }) { secret } }' }),
    });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/Cross-Site Request Forgery/);
    expect(r.text).not.toMatch(/tql_/);
    const get = await raw(open.url, '/graphql?query=%7B__typename%7D');
    expect(get.status).toBe(400);
    expect(codeOf(get.json.errors)).toBe('BAD_REQUEST');
  });
});

// ---------------------------------------------------------------------------------------------------------
// 2 and 3. Tokens that stop working close their sockets; cached lookups

describe('tokens and open WebSockets', () => {
  it('closes the sockets of a revoked token with 4403 at once, and refuses it over HTTP at once', async () => {
    const doomed = await createToken(guarded.url, admin);
    const kept = await createToken(guarded.url, admin);
    const a = holdOpen(guarded.url, doomed.secret);
    const b = holdOpen(guarded.url, doomed.secret);
    const other = holdOpen(guarded.url, kept.secret);
    await Promise.all([a.connected, b.connected, other.connected]);
    // Used over HTTP first, so that its lookup is cached.
    expect((await gqlRaw(guarded.url, '{ __typename }', {}, doomed.secret)).status).toBe(200);

    const started = Date.now();
    await gql(
      guarded.url,
      'mutation($id: ID!) { revokeApiToken(input: { id: $id }) { token { id revokedAt } } }',
      { id: doomed.id },
      admin,
    );
    expect(await within(2_000, 'socket a closed', a.closed)).toBe(4403);
    expect(await within(2_000, 'socket b closed', b.closed)).toBe(4403);
    expect(Date.now() - started).toBeLessThan(2_000);
    const refused = await gqlRaw(guarded.url, '{ __typename }', {}, doomed.secret);
    expect([refused.status, codeOf(refused.errors)]).toEqual([401, 'UNAUTHENTICATED']);

    // The other token's socket is untouched.
    expect(await once(other.client, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    await Promise.all([a.client.dispose(), b.client.dispose(), other.client.dispose()]);
  });

  it(`closes the sockets of a token revoked by another process within the ${TOKEN_CACHE_SECONDS} s re-check`, async () => {
    const token = await createToken(guarded.url, admin);
    const held = holdOpen(guarded.url, token.secret);
    await held.connected;
    expect((await gqlRaw(guarded.url, '{ __typename }', {}, token.secret)).status).toBe(200);
    // Another process (a replica, `tuneql token revoke`) writes to the database: this server's cache never hears of it.
    await sql(guarded, 'UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [token.id]);
    const revokedAt = Date.now();
    expect(await within(TOKEN_CACHE_SECONDS * 1000 + 3_000, 'socket closed', held.closed)).toBe(4403);
    await held.client.dispose();
    // HTTP sees it once the cached lookup is older than TOKEN_CACHE_SECONDS.
    const wait = TOKEN_CACHE_SECONDS * 1000 + 100 - (Date.now() - revokedAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    expect((await gqlRaw(guarded.url, '{ __typename }', {}, token.secret)).status).toBe(401);
  });

  it('closes the sockets of a token when it expires, and refuses the next operation on them', async () => {
    const expiresAt = new Date(Date.now() + 4_000).toISOString();
    const token = await createToken(guarded.url, admin, `, expiresAt: "${expiresAt}"`);
    const { apiTokens } = await gql<{ apiTokens: { nodes: { id: string; expiresAt: string | null }[] } }>(
      guarded.url,
      '{ apiTokens { nodes { id expiresAt } } }',
      {},
      admin,
    );
    expect(apiTokens.nodes.find((t) => t.id === token.id)?.expiresAt).toBe(expiresAt);
    const held = holdOpen(guarded.url, token.secret);
    await held.connected;
    expect(await once(held.client, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    expect(await within(4_000 + TOKEN_CACHE_SECONDS * 1000 + 3_000, 'socket closed', held.closed)).toBe(4403);
    await held.client.dispose();
    const http = await gqlRaw(guarded.url, '{ __typename }', {}, token.secret);
    expect([http.status, codeOf(http.errors)]).toEqual([401, 'UNAUTHENTICATED']);
    expect(http.errors?.[0]?.message).toMatch(/expired/);
    // A new socket with it is refused too, and a token cannot be made already expired.
    const client = wsClient(guarded.url, token.secret);
    await expect(once(client, '{ __typename }')).rejects.toThrow(/4403/);
    await client.dispose();
    const past = await gqlRaw(
      guarded.url,
      `mutation { createApiToken(input: { name: "old", scopes: [READ], expiresAt: "2020-01-01T00:00:00.000Z" }) { secret } }`,
      {},
      admin,
    );
    expect(codeOf(past.errors)).toBe('BAD_USER_INPUT');
  });
});

// ---------------------------------------------------------------------------------------------------------
// 4. Coded errors for malformed input, over HTTP and WebSocket

const BAD_IDS: [string, string, Record<string, unknown>, string][] = [
  ['cancelRun', 'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { id } } }', { id: 'not-a-uuid' }, 'RUN_NOT_FOUND'],
  ['resumeRun', 'mutation($id: ID!) { resumeRun(input: { id: $id }) { run { id } } }', { id: 'not-a-uuid' }, 'RUN_NOT_FOUND'],
  ['deleteRun', 'mutation($id: ID!) { deleteRun(input: { id: $id }) { deletedId } }', { id: 'not-a-uuid' }, 'RUN_NOT_FOUND'],
  [
    'revokeApiToken',
    'mutation($id: ID!) { revokeApiToken(input: { id: $id }) { token { id revokedAt } } }',
    { id: 'not-a-uuid' },
    'API_TOKEN_NOT_FOUND',
  ],
  ['runs(filter.modelId)', 'query($id: ID!) { runs(filter: { modelId: $id }) { totalCount } }', { id: 'not-a-uuid' }, 'BAD_USER_INPUT'],
  ['runs(filter.datasetId)', 'query($id: ID!) { runs(filter: { datasetId: $id }) { totalCount } }', { id: "'; drop" }, 'BAD_USER_INPUT'],
  [
    'runs(after)',
    'query($after: String!) { runs(after: $after) { totalCount } }',
    { after: Buffer.from('2026-01-01T00:00:00.000Z|not-a-uuid').toString('base64url') },
    'BAD_USER_INPUT',
  ],
  [
    'predict',
    'mutation($id: ID!) { predict(input: { runId: $id, inputs: [{ text: "x" }] }) { predictions { text } } }',
    { id: 'not-a-uuid' },
    'RUN_NOT_FOUND',
  ],
  [
    'exportRun',
    'mutation($id: ID!) { exportRun(input: { runId: $id, kind: ADAPTER }) { artifact { url } } }',
    { id: 'not-a-uuid' },
    'RUN_NOT_FOUND',
  ],
];

describe('malformed input gets a coded error, never INTERNAL_SERVER_ERROR', () => {
  it.each(BAD_IDS)('%s with an id that is not a UUID', async (_name, query, variables, code) => {
    const http = await gqlRaw(open.url, query, variables);
    const ws = await wsRequest(open.url, query, variables);
    for (const errors of [http.errors, ws.errors]) expect(codeOf(errors)).toBe(code);
    if (code === 'BAD_USER_INPUT') expect(http.errors?.[0]?.extensions?.field).toMatch(/^(filter\.(modelId|datasetId)|after)$/);
    expect(ws.errors?.[0]?.message).toBe(http.errors?.[0]?.message);
  });

  it('runEvents and runChanged with an id that is not a UUID (subscriptions: WebSocket only)', async () => {
    for (const query of ['subscription { runEvents(runId: "nope") { seq } }', 'subscription { runChanged(runId: "nope") { id } }']) {
      const r = await wsRequest(open.url, query);
      expect(codeOf(r.errors), query).toBe('RUN_NOT_FOUND');
      expect(r.errors?.[0]?.message).toMatch(/run nope does not exist/);
    }
  });

  it('createDataset: columns null means the defaults; columns that are not names, and unknown formats, are BAD_USER_INPUT', async () => {
    const create = (input: Record<string, unknown>, transport: 'http' | 'ws') =>
      (transport === 'http' ? gqlRaw : wsRequest)<{ createDataset: { dataset: { id: string; format: string; columns: unknown } } }>(
        open.url,
        'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id format columns } } }',
        { i: input },
      );
    for (const transport of ['http', 'ws'] as const) {
      const up = await upload(open.url, 'austen.jsonl', austenSlice(2));
      const base = { uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' };
      const ok = await create({ ...base, name: `nulls-${transport}`, columns: null, format: null, labels: null }, transport);
      expect(ok.errors).toBeUndefined();
      expect(ok.data?.createDataset.dataset).toMatchObject({ format: 'JSONL', columns: {} });

      const badColumns = await create({ ...base, name: `cols-${transport}`, columns: { text: 5, label: 'label' } }, transport);
      expect(codeOf(badColumns.errors)).toBe('BAD_USER_INPUT');
      expect(badColumns.errors?.[0]?.extensions?.field).toBe('columns.text');
      const xml = await create({ ...base, name: `xml-${transport}`, format: 'xml' }, transport);
      expect(codeOf(xml.errors)).toBe('BAD_USER_INPUT');
      // A DatasetFormat enum: the value is refused before the resolver, over both transports.
      expect(xml.errors?.[0]?.message).toMatch(/"xml" at "i.format"; Value "xml" does not exist in "DatasetFormat" enum/);
    }
    const { datasets } = await gql<{ datasets: { nodes: { name: string }[] } }>(open.url, '{ datasets { nodes { name } } }');
    expect(datasets.nodes.map((d) => d.name).filter((n) => /^(cols|xml)-/.test(n))).toEqual([]);
  });

  it('answers a UTF-16 file with one issue: save it as UTF-8', async () => {
    const text = `text,label\n${'a paragraph,austen\n'.repeat(8)}`;
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const up = await upload(open.url, 'excel.csv', bytes);
    const r = await gqlRaw(open.url, 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }', {
      i: { name: 'utf16', uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' },
    });
    expect(codeOf(r.errors)).toBe('DATASET_INVALID');
    const issues = r.errors?.[0]?.extensions?.issues as { message: string }[];
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/^the file is UTF-16LE text; save it as UTF-8/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// 5. Smaller: stack traces, suggestions, oversized bodies, model folders, upload retention

/** Every key named `stacktrace` anywhere in `value`. */
function stacktraces(value: unknown): unknown[] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'stacktrace' ? [v] : stacktraces(v)));
}

describe('what error responses show', () => {
  it('has no extensions.stacktrace outside development: validation, 401, CSRF, domain errors; HTTP and WebSocket', async () => {
    const answers = [
      (
        await raw(open.url, '/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ nope }' }),
        })
      ).json,
      (await raw(open.url, '/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).json,
      (
        await raw(guarded.url, '/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ models { nodes { id } } }' }),
        })
      ).json,
      await gqlRaw(open.url, 'mutation { cancelRun(input: { id: "x" }) { run { id } } }'),
      await gqlRaw(open.url, '{ run(id: 5) { id } }'),
      await wsRequest(open.url, '{ nope }'),
      await wsRequest(open.url, 'mutation { cancelRun(input: { id: "x" }) { run { id } } }'),
    ];
    for (const answer of answers) {
      expect(answer.errors?.length, JSON.stringify(answer)).toBeGreaterThan(0);
      expect(stacktraces(answer), JSON.stringify(answer)).toEqual([]);
      expect(JSON.stringify(answer)).not.toContain(REPO);
    }
  });

  it('strips "Did you mean" suggestions while introspection is off, on both transports', async () => {
    const query = '{ modelz { id } }';
    const [openHttp, openWs] = [await gqlRaw(open.url, query), await wsRequest(open.url, query)];
    for (const r of [openHttp, openWs]) expect(r.errors?.[0]?.message).toMatch(/Did you mean [^?]*"model"[^?]*"models"[^?]*\?/);
    const [hidden, hiddenWs] = [await gqlRaw(guarded.url, query, {}, admin), await wsRequest(guarded.url, query, {}, admin)];
    for (const r of [hidden, hiddenWs]) {
      expect(codeOf(r.errors)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(r.errors?.[0]?.message).toBe('Cannot query field "modelz" on type "Query".');
    }
    const input = await gqlRaw(
      guarded.url,
      'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
      { i: { nam: 'x', uploadId: 'x', task: 'x' } },
      admin,
    );
    expect(input.errors?.length).toBeGreaterThan(0);
    for (const e of input.errors ?? []) expect(e.message).not.toMatch(/Did you mean/);
  });

  it('answers a 2 MB JSON body with 413 PAYLOAD_TOO_LARGE as JSON, and a malformed one with 400 BAD_REQUEST', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2_000_000) } });
    const r = await raw(open.url, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(r.status).toBe(413);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(codeOf(r.json.errors)).toBe('PAYLOAD_TOO_LARGE');
    expect(r.json.errors?.[0]?.message).toMatch(/TUNEQL_MAX_REQUEST_BYTES/);
    const malformed = await raw(open.url, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect([malformed.status, codeOf(malformed.json.errors)]).toEqual([400, 'BAD_REQUEST']);
    expect(malformed.text).not.toMatch(/<html|<pre>|at .*\.js/i);
  });

  it('answers a 5,000-alias query over WebSocket with QUERY_TOO_COMPLEX and keeps the socket', async () => {
    const query = `{ ${Array.from({ length: 5_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expect(Buffer.byteLength(query)).toBeGreaterThan(80_000);
    let closedWith: number | undefined;
    const client = wsClient(open.url, undefined, (code) => (closedWith = code));
    const refused = await once(client, query);
    expect(codeOf(refused.errors)).toBe('QUERY_TOO_COMPLEX');
    expect(refused.errors?.[0]?.extensions?.limit).toBe('maxQueryBytes');
    expect(await once(client, '{ __typename }')).toMatchObject({ data: { __typename: 'Query' } });
    expect(closedWith).toBeUndefined();
    await client.dispose();
    const http = await gqlRaw(open.url, query);
    expect([http.status, codeOf(http.errors)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
  });
});

describe('importModelFromDirectory', () => {
  const importDir = (path: string) =>
    gqlRaw<{ importModelFromDirectory: { model: { id: string } } }>(
      guarded.url,
      'mutation($n: String!, $p: String!) { importModelFromDirectory(input: { name: $n, path: $p }) { model { id } } }',
      { n: `m-${randomUUID().slice(0, 8)}`, p: path },
      admin,
    );

  it('answers a missing folder exactly as a forbidden one (no existence oracle)', async () => {
    const answers = await Promise.all(
      [
        '/etc',
        '/no/such/folder',
        join(modelRoot, 'missing'),
        join(modelRoot, 'escape'),
        join(REPO, 'models/austen-bert-mini/config.json'),
      ].map(async (path) => ({ path, r: await importDir(path) })),
    );
    for (const { path, r } of answers) {
      expect(codeOf(r.errors), path).toBe('MODEL_PATH_NOT_ALLOWED');
      expect(r.errors?.[0]?.message.replace(path, 'PATH'), path).toBe(answers[0]?.r.errors?.[0]?.message.replace('/etc', 'PATH'));
    }
  });

  it('refuses a folder with a link that leads outside the allowed folders, without echoing the file', async () => {
    const r = await importDir(join(modelRoot, 'evil'));
    expect(codeOf(r.errors)).toBe('MODEL_PATH_NOT_ALLOWED');
    expect(JSON.stringify(r)).not.toMatch(/root:|nologin|\/bin\//);
    const { models } = await gql<{ models: { nodes: { name: string }[] } }>(guarded.url, '{ models { nodes { name } } }', {}, admin);
    expect(models.nodes).toEqual([]);
  });

  it('follows a link to another allowed folder, storing the files themselves', async () => {
    const r = await importDir(join(modelRoot, 'linked'));
    expect(r.errors).toBeUndefined();
    const stored = join(guarded.dataDir, 'artifacts', 'models', r.data?.importModelFromDirectory.model.id as string);
    const files = readdirSync(stored);
    expect(files.sort()).toEqual(['README.md', 'config.json', 'model.safetensors', 'retention.jsonl', 'tokenizer.json']);
    for (const f of files) expect(lstatSync(join(stored, f)).isFile(), f).toBe(true);
  });
});

describe('upload retention', () => {
  it(`deletes uploads nothing was made from after TUNEQL_UPLOAD_RETENTION_HOURS (${RETENTION_HOURS} h here), keeps used ones`, async () => {
    const dir = join(open.dataDir, 'artifacts', 'uploads');
    /** The file an upload added to the uploads folder. */
    const send = async (name: string) => {
      const before = new Set(readdirSync(dir));
      const up = await upload(open.url, name, austenSlice(2));
      const added = readdirSync(dir).filter((f) => !before.has(f));
      expect(added).toHaveLength(1);
      return { id: up.json.id, file: join(dir, added[0] as string) };
    };
    const unused = await send('unused.jsonl');
    const used = await send('used.jsonl');
    await gql(open.url, 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }', {
      i: { name: 'kept', uploadId: used.id, task: 'SEQUENCE_CLASSIFICATION' },
    });
    const end = Date.now() + RETENTION_HOURS * 3_600_000 * 2 + 5_000;
    while (existsSync(unused.file) && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
    expect(existsSync(unused.file), 'the unused upload is deleted').toBe(false);
    const gone = await gqlRaw(open.url, 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }', {
      i: { name: 'late', uploadId: unused.id, task: 'SEQUENCE_CLASSIFICATION' },
    });
    expect(codeOf(gone.errors)).toBe('UPLOAD_NOT_FOUND');
    expect(existsSync(used.file), 'the used upload is kept').toBe(true);
    const again = await gqlRaw(open.url, 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }', {
      i: { name: 'kept-again', uploadId: used.id, task: 'SEQUENCE_CLASSIFICATION' },
    });
    expect(again.errors).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------
// 6. Rate limits (on the open server, last: they spend its allowance)

describe('rate limits', () => {
  const extensionsOf = (r: { errors?: Errors }) => r.errors?.[0]?.extensions;
  /** A fresh token of the open server (created without one, as loopback allows): a count of its own. */
  const freshToken = async () => (await createToken(open.url, '', '', 'write')).secret;

  it(`caps operations open on one socket at ${LIMITS.subscriptions}`, async () => {
    const client = wsClient(open.url, await freshToken());
    const stops: (() => void)[] = [];
    const subscribe = () =>
      new Promise<Errors | 'open'>((resolve) => {
        const stop = client.subscribe(
          { query: 'subscription { runChanged { id } }' },
          { next: () => {}, error: (e) => resolve(e as Errors), complete: () => {} },
        );
        setTimeout(() => resolve('open'), 500);
        stops.push(stop);
      });
    expect(await subscribe()).toBe('open');
    expect(await subscribe()).toBe('open');
    const third = await subscribe();
    expect(third).not.toBe('open');
    expect(extensionsOf({ errors: third as Errors })).toMatchObject({ code: 'RATE_LIMITED', limit: 'TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET' });
    stops[0]?.();
    await new Promise((r) => setTimeout(r, 200));
    expect(await subscribe()).toBe('open');
    await client.dispose();
  });

  it(`limits predict to ${LIMITS.predict} a minute per token, on both transports`, async () => {
    const token = await freshToken();
    const predict = 'mutation($id: ID!) { predict(input: { runId: $id, inputs: [{ text: "x" }] }) { predictions { text } } }';
    let answered = 0;
    let refused: GqlResult<unknown> | undefined;
    while (!refused && answered <= LIMITS.predict) {
      const r = await gqlRaw(open.url, predict, { id: randomUUID() }, token);
      if (codeOf(r.errors) === 'RUN_NOT_FOUND') answered++;
      else refused = r;
    }
    // The malformed-id tests made 2 predictions from this address in this minute, maybe.
    expect(answered).toBeGreaterThanOrEqual(LIMITS.predict - 2);
    expect(answered).toBeLessThanOrEqual(LIMITS.predict);
    const ws = await wsRequest(open.url, predict, { id: randomUUID() }, token);
    for (const r of [refused, ws]) {
      expect(extensionsOf(r ?? {})).toMatchObject({ code: 'RATE_LIMITED', limit: expect.stringMatching(/TUNEQL_PREDICT_RATE_LIMIT/) });
      expect(r?.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it(`limits uploads to ${LIMITS.uploads} a minute with 429 RATE_LIMITED`, async () => {
    const token = await freshToken();
    let accepted = 0;
    let last = await raw(open.url, '/uploads?filename=a.csv', { method: 'POST', headers: bearer(token), body: 'text,label\na,b\n' });
    while (last.status === 201 && accepted <= LIMITS.uploads) {
      accepted++;
      last = await raw(open.url, '/uploads?filename=a.csv', { method: 'POST', headers: bearer(token), body: 'text,label\na,b\n' });
    }
    expect(accepted).toBeLessThanOrEqual(LIMITS.uploads);
    expect(last.status).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(codeOf(last.json.errors)).toBe('RATE_LIMITED');
  });

  it(`limits each token to ${LIMITS.perToken} operations a minute over HTTP and WebSocket together`, async () => {
    const [token, other] = [await freshToken(), await freshToken()];
    for (let i = 0; i < LIMITS.perToken - 1; i++) expect((await gqlRaw(open.url, '{ __typename }', {}, token)).status).toBe(200);
    expect(await wsRequest(open.url, '{ __typename }', {}, token)).toMatchObject({ data: { __typename: 'Query' } });
    const http = await raw(open.url, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(http.status).toBe(429);
    expect(Number(http.headers['retry-after'])).toBeGreaterThan(0);
    expect(http.json.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', per: 'token' });
    expect(extensionsOf(await wsRequest(open.url, '{ __typename }', {}, token))).toMatchObject({ code: 'RATE_LIMITED', per: 'token' });
    const download = await raw(open.url, `/artifacts/${randomUUID()}`, { headers: bearer(token) });
    expect([download.status, codeOf(download.json.errors)]).toEqual([429, 'RATE_LIMITED']);
    // Another token still has its own allowance.
    expect((await gqlRaw(open.url, '{ __typename }', {}, other)).status).toBe(200);
  });

  it(`limits each client address to ${LIMITS.perAddress} operations a minute, with or without a token`, async () => {
    const token = await freshToken();
    let status = 200;
    let sent = 0;
    while (status === 200 && sent <= LIMITS.perAddress) {
      status = (await gqlRaw(open.url, '{ __typename }')).status;
      if (status === 200) sent++;
    }
    expect(status).toBe(429);
    expect(sent).toBeLessThan(LIMITS.perAddress);
    const refused = await gqlRaw(open.url, '{ __typename }', {}, token); // the token has its allowance; the address is spent
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', per: 'address' });
    const ws = await wsRequest(open.url, '{ __typename }');
    expect(extensionsOf(ws)).toMatchObject({ code: 'RATE_LIMITED', per: 'address' });
  });
});
