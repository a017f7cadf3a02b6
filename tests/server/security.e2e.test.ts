// The API's defences, against real servers on loopback: tokens (scopes, revocation, hashed storage) on
// GraphQL, uploads, downloads and graphql-ws; the loopback default without tokens and the refusal to
// listen on the network without them; the same query limits over HTTP and WebSocket; upload size and
// name checks; and model archives that try to escape the data folder or smuggle in links.

import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '../../packages/server/src/config/settings.ts';
import { DEFAULT_QUERY_LIMITS } from '../../packages/server/src/graphql/limits.ts';
import { austenSlice, type GqlResult, gql, gqlRaw, REPO, startServer, type TestServer, tempDir, upload, wsClient } from './harness.ts';

const run = promisify(execFile);
const MAIN = join(REPO, 'packages/server/src/cli/main.ts');
const MAX_UPLOAD = 12_000_000;

/** Tokens required, introspection off, a 12 MB upload limit: a server exposed to a network. */
let guarded: TestServer;
/** Nothing set but the data folder: the embedded default on loopback. */
let open: TestServer;
let admin: string;
let reader: string;
let revoked: string;
let datasetId: string;
let modelId: string;

beforeAll(async () => {
  const dataDir = tempDir('security');
  const start = async () => {
    // The first token comes from the command line, which opens the embedded database itself.
    const { stdout } = await run(process.execPath, [MAIN, 'token', 'create', 'admin', '--scope', 'write'], {
      cwd: REPO,
      env: { ...process.env, TUNEQL_DATA: dataDir },
    });
    admin = stdout.trim();
    guarded = await startServer({
      dataDir,
      workers: 0,
      env: {
        TUNEQL_REQUIRE_TOKENS: 'true',
        TUNEQL_INTROSPECTION: 'false',
        TUNEQL_MAX_UPLOAD_BYTES: String(MAX_UPLOAD),
        TUNEQL_DEMO: 'false',
      },
    });
  };
  [open] = await Promise.all([startServer({ workers: 0, env: { TUNEQL_DEMO: 'false' } }), start()]);
}, 90_000);

afterAll(async () => {
  await Promise.all([guarded?.stop(), open?.stop()]);
});

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** Every file under `dir` whose bytes contain `needle`, relative to `dir`. */
function filesContaining(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => readFileSync(file).includes(bytes))
    .map((file) => file.slice(dir.length + 1));
}

/** Every path under `dir` that ends in `name`. */
function filesNamed(dir: string, name: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => p.endsWith(name));
}

function listing(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Runs one operation over graphql-ws: its data, or the errors the server answered the subscribe with. */
function wsRequest<T>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> {
  const client = wsClient(url, token);
  return new Promise<GqlResult<T>>((resolve, reject) => {
    let result: GqlResult<T> = { status: 0 };
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          result = { ...(value as Omit<GqlResult<T>, 'status'>), status: 0 };
        },
        error: (err) => {
          if (Array.isArray(err)) resolve({ errors: err as GqlResult<T>['errors'], status: 0 });
          else reject(err instanceof Error ? err : new Error(`connection closed: ${(err as { code?: number }).code}`));
        },
        complete: () => resolve(result),
      },
    );
  }).finally(() => client.dispose());
}

/** The close code of a graphql-ws connection opened with `token`. */
function wsCloseCode(url: string, token?: string): Promise<number> {
  const client = wsClient(url, token);
  return new Promise<number>((resolve, reject) => {
    client.subscribe(
      { query: '{ __typename }' },
      {
        next: () => reject(new Error('the connection was accepted')),
        // A refused connection ends the subscription with the close event.
        error: (err) => resolve((err as { code: number }).code),
        complete: () => reject(new Error('the connection was accepted')),
      },
    );
  }).finally(() => client.dispose());
}

// ---------------------------------------------------------------------------------------------------------
// Tokens

describe('API tokens', () => {
  it('refuses requests without a token, and with an unknown one, with 401 UNAUTHENTICATED', async () => {
    for (const token of [undefined, 'tql_not-a-real-token', `Basic ${Buffer.from('a:b').toString('base64')}`]) {
      const r = await gqlRaw(guarded.url, '{ models { nodes { id } } }', {}, token);
      expect(r.status).toBe(401);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(r.data).toBeUndefined();
    }
  });

  it('lets a write token create tokens; a read token reads but cannot write', async () => {
    const created = await gql<{ createApiToken: { secret: string; token: { prefix: string; scopes: string[] } } }>(
      guarded.url,
      'mutation { createApiToken(input: { name: "reader", scopes: [READ] }) { secret token { prefix scopes } } }',
      {},
      admin,
    );
    reader = created.createApiToken.secret;
    expect(created.createApiToken.token.scopes).toEqual(['READ']);
    expect(reader.startsWith(created.createApiToken.token.prefix)).toBe(true);

    const { models } = await gql<{ models: { nodes: unknown[] } }>(guarded.url, '{ models { nodes { id } } }', {}, reader);
    expect(models.nodes).toEqual([]);

    const up = await upload(guarded.url, 'austen.jsonl', austenSlice(3), admin);
    expect(up.status).toBe(201);
    const writes: [string, string, Record<string, unknown>][] = [
      [
        'createDataset',
        'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id rowCount } } }',
        { i: { name: 'austen', uploadId: up.json.id, task: 'SEQUENCE_CLASSIFICATION' } },
      ],
      ['createApiToken', 'mutation { createApiToken(input: { name: "sneaky", scopes: [WRITE] }) { secret } }', {}],
      ['exportRun', 'mutation($id: ID!) { exportRun(input: { runId: $id, kind: ADAPTER }) { artifact { url } } }', { id: randomUUID() }],
      ['apiTokens', '{ apiTokens { nodes { id } } }', {}],
    ];
    for (const [field, query, variables] of writes) {
      const r = await gqlRaw<Record<string, unknown>>(guarded.url, query, variables, reader);
      expect(r.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
      expect(r.errors?.[0]?.path).toEqual([field]);
      expect(r.errors?.[0]?.message).toMatch(/'write' scope/);
    }

    // The same operations with the write token get past the check: a dataset, a token, and a run that does not exist.
    const [[, createQuery, createVariables], , [, exportQuery, exportVariables]] = writes as [
      (typeof writes)[number],
      (typeof writes)[number],
      (typeof writes)[number],
    ];
    const dataset = await gqlRaw<{ createDataset: { dataset: { id: string; rowCount: number } } }>(
      guarded.url,
      createQuery,
      createVariables,
      admin,
    );
    expect(dataset.errors).toBeUndefined();
    expect(dataset.data?.createDataset.dataset.rowCount).toBe(18);
    datasetId = dataset.data?.createDataset.dataset.id as string;
    const exported = await gqlRaw(guarded.url, exportQuery, exportVariables, admin);
    expect(exported.errors?.[0]?.extensions?.code).toBe('RUN_NOT_FOUND');

    const { tokens } = await gql<{ tokens: { nodes: { name: string }[] } }>(
      guarded.url,
      '{ tokens: apiTokens { nodes { name } } }',
      {},
      admin,
    );
    expect(tokens.nodes.map((t) => t.name)).toEqual(['admin', 'reader']);
  });

  it('refuses a revoked token everywhere', async () => {
    const { createApiToken } = await gql<{ createApiToken: { secret: string; token: { id: string } } }>(
      guarded.url,
      'mutation { createApiToken(input: { name: "doomed", scopes: [WRITE] }) { secret token { id } } }',
      {},
      admin,
    );
    revoked = createApiToken.secret;
    expect((await gqlRaw(guarded.url, '{ models { nodes { id } } }', {}, revoked)).status).toBe(200);
    const { revokeApiToken } = await gql<{ revokeApiToken: { token: { id: string; revokedAt: string | null } | null } }>(
      guarded.url,
      'mutation($id: ID!) { revokeApiToken(input: { id: $id }) { token { id revokedAt } } }',
      { id: createApiToken.token.id },
      admin,
    );
    expect(revokeApiToken.token).toEqual({ id: createApiToken.token.id, revokedAt: expect.any(String) });

    const r = await gqlRaw(guarded.url, '{ models { nodes { id } } }', {}, revoked);
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.errors?.[0]?.message).toMatch(/revoked/);
    const up = await upload(guarded.url, 'x.csv', 'text,label\na,b\n', revoked);
    expect([up.status, (up.json.errors as { extensions: { code: string } }[])[0]?.extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
    const download = await fetch(`${guarded.url}/artifacts/${randomUUID()}`, { headers: bearer(revoked) });
    expect(download.status).toBe(401);
    expect(await wsCloseCode(guarded.url, revoked)).toBe(4403);

    const { apiTokens } = await gql<{ apiTokens: { nodes: { name: string; revokedAt: string | null }[] } }>(
      guarded.url,
      '{ apiTokens { nodes { name revokedAt } } }',
      {},
      admin,
    );
    expect(apiTokens.nodes.find((t) => t.name === 'doomed')?.revokedAt).toEqual(expect.any(String));
  });

  it('stores tokens hashed: the API shows a prefix and the database files never hold a secret', async () => {
    const r = await gqlRaw<{ apiTokens: { nodes: { name: string; prefix: string }[] } }>(
      guarded.url,
      '{ apiTokens { nodes { name prefix } } }',
      {},
      admin,
    );
    const listed = JSON.stringify(r.data);
    for (const secret of [admin, reader, revoked]) {
      expect(secret).toMatch(/^tql_[\w-]{32}$/);
      expect(listed).not.toContain(secret);
    }
    const prefixes = Object.fromEntries(r.data?.apiTokens.nodes.map((t) => [t.name, t.prefix]) ?? []);
    expect(prefixes).toEqual({ admin: admin.slice(0, 10), reader: reader.slice(0, 10), doomed: revoked.slice(0, 10) });

    const db = join(guarded.dataDir, 'db');
    for (const secret of [admin, reader, revoked]) expect(filesContaining(db, secret)).toEqual([]);
    // The search does find what is there: the admin token's SHA-256, written when the command line closed the database.
    expect(filesContaining(db, createHash('sha256').update(admin).digest('hex')).length).toBeGreaterThan(0);
  });

  it('guards uploads (write) and downloads (read) with the same tokens', async () => {
    const uploads = join(guarded.dataDir, 'artifacts', 'uploads');
    const before = listing(uploads);
    const none = await upload(guarded.url, 'x.csv', 'text,label\na,b\n');
    expect([none.status, (none.json.errors as { extensions: { code: string } }[])[0]?.extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
    const read = await upload(guarded.url, 'x.csv', 'text,label\na,b\n', reader);
    expect([read.status, (read.json.errors as { extensions: { code: string } }[])[0]?.extensions.code]).toEqual([403, 'FORBIDDEN']);
    expect(listing(uploads)).toEqual(before);

    const id = randomUUID();
    const anonymous = await fetch(`${guarded.url}/artifacts/${id}`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    // A read token passes the check and learns only that there is no such artifact.
    const missing = await fetch(`${guarded.url}/artifacts/${id}`, { headers: bearer(reader) });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'ARTIFACT_NOT_FOUND',
    );
    const malformed = await fetch(`${guarded.url}/artifacts/not-a-uuid`, { headers: bearer(reader) });
    expect(malformed.status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The loopback default and the network

describe('without tokens', () => {
  it('serves everything on loopback by default', async () => {
    const { models } = await gql<{ models: { nodes: unknown[] } }>(open.url, '{ models { nodes { id } } }');
    expect(models.nodes).toEqual([]);
    const { createApiToken } = await gql<{ createApiToken: { token: { scopes: string[] } } }>(
      open.url,
      'mutation { createApiToken(input: { name: "local", scopes: [WRITE] }) { token { scopes } } }',
    );
    expect(createApiToken.token.scopes.sort()).toEqual(['READ', 'WRITE']);
    expect((await upload(open.url, 'x.csv', 'text,label\na,b\n')).status).toBe(201);
    expect(await wsRequest(open.url, '{ __typename }')).toEqual({ data: { __typename: 'Query' }, status: 0 });
  });

  it('requires tokens by default off loopback, and refuses to listen on the network with them turned off', () => {
    for (const host of [undefined, '127.0.0.1', '127.1.2.3', 'localhost', '::1']) {
      const s = readSettings(host ? { TUNEQL_HOST: host } : {});
      expect([s.host, s.requireTokens]).toEqual([host ?? '127.0.0.1', false]);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.5']) {
      expect(readSettings({ TUNEQL_HOST: host }).requireTokens, host).toBe(true);
      expect(readSettings({ TUNEQL_HOST: host, TUNEQL_REQUIRE_TOKENS: 'true' }).requireTokens, host).toBe(true);
      expect(() => readSettings({ TUNEQL_HOST: host, TUNEQL_REQUIRE_TOKENS: 'false' }), host).toThrow(SettingsError);
      expect(() => readSettings({ TUNEQL_HOST: host, TUNEQL_REQUIRE_TOKENS: 'false' }), host).toThrow(/TUNEQL_REQUIRE_TOKENS=true/);
      expect(() => readSettings({ TUNEQL_HOST: host }, { requireTokens: false }), host).toThrow(SettingsError);
    }
  });

  it('exits with the reason when told to listen on 0.0.0.0 with tokens off', async () => {
    const failed = await run(process.execPath, [MAIN, 'serve'], {
      cwd: REPO,
      env: {
        ...process.env,
        TUNEQL_DATA: tempDir('network'),
        TUNEQL_HOST: '0.0.0.0',
        TUNEQL_PORT: '0',
        TUNEQL_REQUIRE_TOKENS: 'false',
        TUNEQL_DEMO: 'false',
      },
      timeout: 30_000,
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).not.toBe(0);
    expect(failed?.stderr).toMatch(/listening on 0\.0\.0\.0 without API tokens/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Query limits, the same on both transports

/**
 * The schema has no cycles, so only introspection nests this deep. At depth 12 this is the deepest query graphql
 * accepts (its MaxIntrospectionDepthRule allows two nested `fields` lists; `ofType` does not count here), so
 * anything deeper also breaks that rule: the limits must answer first, as they do for any oversized operation.
 */
const DEPTH_12 =
  '{ __schema { directives { args { type { fields { args { type { fields { args { type { enumValues { name } } } } } } } } } } } }';
const DEPTH_13 =
  '{ __type(name: "Query") { fields { args { type { fields { args { type { fields { args { type { inputFields { type { name } } } } } } } } } } } } }';

/** Depth 13 again, through three nested fragments. */
const DEEP_FRAGMENTS = `
  { __type(name: "Run") { ...A } }
  fragment A on __Type { fields { type { fields { type { ...B } } } } }
  fragment B on __Type { fields { type { fields { type { ...C } } } } }
  fragment C on __Type { fields { type { fields { name } } } }`;

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const COST = 'query Page($n: Int!) { runs(first: $n) { edges { node { id name status } } } }';
const { maxDepth, maxAliases, maxCost, maxQueryBytes } = DEFAULT_QUERY_LIMITS;
const padded = `# ${'x'.repeat(maxQueryBytes)}\n{ __typename }`;

interface LimitCase {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** extensions.limit and .value of the refusal; undefined: the query must succeed. */
  refused?: { limit: string; value: number };
}

const LIMITS: LimitCase[] = [
  { name: `depth ${maxDepth + 1}`, query: DEPTH_13, refused: { limit: 'maxDepth', value: maxDepth + 1 } },
  { name: `depth ${maxDepth + 1} through fragments`, query: DEEP_FRAGMENTS, refused: { limit: 'maxDepth', value: maxDepth + 1 } },
  { name: `depth ${maxDepth}`, query: DEPTH_12 },
  { name: `${maxAliases + 1} aliases`, query: aliases(maxAliases + 1), refused: { limit: 'maxAliases', value: maxAliases + 1 } },
  { name: `${maxAliases} aliases`, query: aliases(maxAliases) },
  {
    name: `${Buffer.byteLength(padded)} bytes of query text`,
    query: padded,
    refused: { limit: 'maxQueryBytes', value: Buffer.byteLength(padded) },
  },
  // Each run costs 5 (edges, node and 3 fields), so a page of maxCost runs costs 1 + 5 × maxCost.
  {
    name: `runs(first: $n) with n = ${maxCost}`,
    query: COST,
    variables: { n: maxCost },
    refused: { limit: 'maxCost', value: 1 + 5 * maxCost },
  },
  { name: 'runs(first: $n) with n = 20', query: COST, variables: { n: 20 } },
];

describe('query limits over HTTP and graphql-ws', () => {
  it.each(LIMITS)('$name', async ({ query, variables, refused }) => {
    const http = await gqlRaw(open.url, query, variables);
    const ws = await wsRequest(open.url, query, variables);
    if (!refused) {
      expect(http.errors).toBeUndefined();
      expect(http.status).toBe(200);
      expect(ws.errors).toBeUndefined();
      expect(ws.data).toEqual(http.data);
      return;
    }
    expect(http.status).toBe(400);
    expect(http.data).toBeUndefined();
    for (const errors of [http.errors, ws.errors]) {
      expect(errors).toHaveLength(1);
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', ...refused });
    }
    expect(ws.errors?.[0]?.message).toBe(http.errors?.[0]?.message);
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED on both', async () => {
    const http = await gqlRaw(open.url, '{ models { nodes { id } }');
    const ws = await wsRequest(open.url, '{ models { nodes { id } }');
    expect(http.status).toBe(400);
    expect(http.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(ws.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(ws.errors?.[0]?.message).toBe(http.errors?.[0]?.message);
  });

  it('refuses introspection with INTROSPECTION_DISABLED when it is off, on both transports', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Run") { name } }', DEPTH_13]) {
      const http = await gqlRaw(guarded.url, query, {}, reader);
      const ws = await wsRequest(guarded.url, query, {}, reader);
      expect(http.status, query).toBe(400);
      expect(http.errors?.[0]?.extensions?.code, query).toBe('INTROSPECTION_DISABLED');
      expect(ws.errors?.[0]?.extensions?.code, query).toBe('INTROSPECTION_DISABLED');
    }
    // __typename is not introspection; and on the default server introspection works.
    expect(await gql(guarded.url, '{ __typename }', {}, reader)).toEqual({ __typename: 'Query' });
    const { __schema } = await gql<{ __schema: { queryType: { name: string } } }>(open.url, '{ __schema { queryType { name } } }');
    expect(__schema.queryType.name).toBe('Query');
  });
});

// ---------------------------------------------------------------------------------------------------------
// Uploads

/** Streams `total` bytes in chunks without a content-length, as a client that does not know the size would. */
function streamUpload(url: string, filename: string, total: number, token: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/uploads?filename=${filename}`, {
      method: 'POST',
      headers: { ...bearer(token), 'transfer-encoding': 'chunked' },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const json = JSON.parse(body) as { errors?: { extensions: { code: string } }[] };
        resolve({ status: res.statusCode ?? 0, code: json.errors?.[0]?.extensions.code });
      });
    });
    // The server stops reading and closes the connection once the limit is passed.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(256 * 1024, 120);
    let sent = 0;
    const pump = () => {
      while (sent < total && !answered) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('uploads', () => {
  it(`answers 413 UPLOAD_TOO_LARGE over ${MAX_UPLOAD} bytes and keeps nothing`, async () => {
    const uploads = join(guarded.dataDir, 'artifacts', 'uploads');
    const before = listing(uploads);
    const declared = await upload(guarded.url, 'big.csv', new Uint8Array(MAX_UPLOAD + 1), admin);
    expect(declared.status).toBe(413);
    expect((declared.json.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe('UPLOAD_TOO_LARGE');
    const streamed = await streamUpload(guarded.url, 'big.csv', MAX_UPLOAD + 256 * 1024, admin);
    expect(streamed).toEqual({ status: 413, code: 'UPLOAD_TOO_LARGE' });
    expect(listing(uploads)).toEqual(before);
    // Exactly at the limit is fine.
    const fits = await upload(guarded.url, 'fits.bin', new Uint8Array(MAX_UPLOAD), admin);
    expect([fits.status, fits.json.bytes]).toEqual([201, MAX_UPLOAD]);
  });

  it('answers 400 to a bad file name and writes nothing', async () => {
    const uploads = join(guarded.dataDir, 'artifacts', 'uploads');
    const before = listing(uploads);
    for (const name of ['../evil.csv', 'a/b.csv', '.hidden', '', 'x'.repeat(201), 'naïve.csv']) {
      const r = await upload(guarded.url, name, 'text,label\na,b\n', admin);
      expect(r.status, name).toBe(400);
      expect((r.json.errors as { extensions: { code: string } }[])[0]?.extensions.code, name).toBe('BAD_USER_INPUT');
    }
    const missing = await fetch(`${guarded.url}/uploads`, { method: 'POST', headers: bearer(admin), body: 'text,label\n' });
    expect(missing.status).toBe(400);
    expect(listing(uploads)).toEqual(before);
    expect(existsSync(join(guarded.dataDir, 'artifacts', 'evil.csv'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Model archives

interface TarEntry {
  name: string;
  /** 0 file, 1 hard link, 2 symbolic link, 5 folder. */
  type?: '0' | '1' | '2' | '5';
  data?: string;
  linkname?: string;
}

/** A gzip-compressed ustar archive written byte by byte, so it can hold what tar itself would refuse to write. */
function tarball(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { name, type = '0', data = '', linkname = '' } of entries) {
    const body = Buffer.from(data);
    const header = Buffer.alloc(512);
    const octal = (at: number, width: number, value: number) =>
      header.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, width, 'latin1');
    header.write(name, 0, 100, 'latin1');
    octal(100, 8, type === '5' ? 0o755 : 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, body.length);
    octal(136, 12, 0);
    header.write(' '.repeat(8), 148, 8, 'latin1');
    header.write(type, 156, 1, 'latin1');
    header.write(linkname, 157, 100, 'latin1');
    header.write('ustar\x0000', 257, 8, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

async function importArchive(name: string, archive: Uint8Array) {
  const up = await upload(guarded.url, `${name}.tar.gz`, archive, admin);
  expect(up.status).toBe(201);
  return gqlRaw<{ importModelFromUpload: { model: { id: string; parameterCount: number; modelType: string; source: string } } }>(
    guarded.url,
    'mutation($name: String!, $id: ID!) { importModelFromUpload(input: { name: $name, uploadId: $id }) { model { id parameterCount modelType source } } }',
    { name, id: up.json.id },
    admin,
  );
}

describe('model archives through the API', () => {
  const marker = `evil-${randomUUID()}`;
  const config = { name: 'config.json', data: readFileSync(join(REPO, 'models/austen-bert-mini/config.json'), 'utf8') };
  const BAD: { name: string; entries: TarEntry[]; reason: string }[] = [
    { name: 'dotdot', entries: [config, { name: `../${marker}`, data: 'escaped' }], reason: 'ARCHIVE_PATH_ESCAPE' },
    {
      name: 'deep-dotdot',
      entries: [config, { name: `model/${'../'.repeat(8)}${marker}`, data: 'escaped' }],
      reason: 'ARCHIVE_PATH_ESCAPE',
    },
    { name: 'absolute', entries: [config, { name: `/tmp/${marker}`, data: 'escaped' }], reason: 'ARCHIVE_PATH_ESCAPE' },
    { name: 'symlink', entries: [config, { name: 'model.safetensors', type: '2', linkname: '/etc/passwd' }], reason: 'ARCHIVE_LINK' },
    {
      name: 'symlink-out',
      entries: [
        { name: 'm', type: '2', linkname: '../../..' },
        { name: `m/${marker}`, data: 'escaped' },
      ],
      reason: 'ARCHIVE_LINK',
    },
    { name: 'hardlink', entries: [config, { name: 'tokenizer.json', type: '1', linkname: '/etc/passwd' }], reason: 'ARCHIVE_LINK' },
  ];

  it.each(BAD)('refuses $name with MODEL_INVALID ($reason) and creates nothing', async ({ name, entries, reason }) => {
    const models = join(guarded.dataDir, 'artifacts', 'models');
    const before = listing(models);
    const r = await importArchive(name, tarball(entries));
    expect(r.errors?.[0]?.extensions?.code).toBe('MODEL_INVALID');
    expect(r.errors?.[0]?.extensions?.reason).toBe(reason);
    expect(r.data).toBeNull();

    const { models: registered } = await gql<{ models: { nodes: { name: string }[] } }>(
      guarded.url,
      '{ models { nodes { name } } }',
      {},
      reader,
    );
    expect(registered.nodes.map((m) => m.name)).not.toContain(name);
    expect(listing(models)).toEqual(before);
    expect(listing(join(guarded.dataDir, 'artifacts', 'tmp'))).toEqual([]);
    // Nothing named like the escaping entry exists inside the data folder, beside it, or at /tmp or /.
    expect(filesNamed(guarded.dataDir, marker)).toEqual([]);
    for (const dir of [dirname(guarded.dataDir), '/tmp', '/']) expect(existsSync(join(dir, marker)), dir).toBe(false);
  });

  it('imports server folders only inside TUNEQL_MODEL_DIRS (the project models/ by default)', async () => {
    const importDir = (name: string, path: string) =>
      gqlRaw<{ importModelFromDirectory: { model: { parameterCount: number } } }>(
        guarded.url,
        'mutation($n: String!, $p: String!) { importModelFromDirectory(input: { name: $n, path: $p }) { model { parameterCount } } }',
        { n: name, p: path },
        admin,
      );
    for (const path of ['/etc', join(REPO, 'models/austen-bert-mini/../..'), guarded.dataDir]) {
      const r = await importDir('outside', path);
      expect(r.errors?.[0]?.extensions?.code, path).toBe('MODEL_PATH_NOT_ALLOWED');
    }
    const ok = await importDir('gpt2-from-folder', join(REPO, 'models/austen-gpt2-mini'));
    expect(ok.errors).toBeUndefined();
    expect(ok.data?.importModelFromDirectory.model.parameterCount).toBeGreaterThan(600_000);
  });

  it('imports a tar czf of models/austen-bert-mini', async () => {
    const file = join(tempDir('archive'), 'austen-bert-mini.tar.gz');
    await run('tar', ['czf', file, '-C', join(REPO, 'models'), 'austen-bert-mini']);
    const r = await importArchive('austen-upload', readFileSync(file));
    expect(r.errors).toBeUndefined();
    const model = r.data?.importModelFromUpload?.model;
    expect(model).toMatchObject({ parameterCount: 2_395_005, modelType: 'bert', source: 'upload:austen-upload.tar.gz' });
    modelId = model?.id as string;
    const stored = listing(join(guarded.dataDir, 'artifacts', 'models', modelId));
    expect(stored).toEqual(['README.md', 'config.json', 'model.safetensors', 'retention.jsonl', 'tokenizer.json']);
    expect(listing(join(guarded.dataDir, 'artifacts', 'tmp'))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// WebSocket authentication (after the archive tests, which import the model a run needs)

describe('graphql-ws', () => {
  it('closes a connection without a valid token with 4403', async () => {
    expect(await wsCloseCode(guarded.url)).toBe(4403);
    expect(await wsCloseCode(guarded.url, 'tql_not-a-real-token')).toBe(4403);
  });

  it('accepts a read token: runChanged delivers a run the write token queues, and writes stay forbidden', async () => {
    expect(modelId, 'the archive tests import the model this run needs').toBeDefined();
    const forbidden = await wsRequest(
      guarded.url,
      'mutation { createApiToken(input: { name: "ws", scopes: [READ] }) { secret } }',
      {},
      reader,
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    let connected!: () => void;
    const ready = new Promise<void>((r) => (connected = r));
    const client = wsClient(guarded.url, reader);
    client.on('connected', () => connected());
    const seen: { id: string; status: string }[] = [];
    let queuedSeen!: () => void;
    const queued = new Promise<void>((r) => (queuedSeen = r));
    const cancelled = new Promise<void>((resolve, reject) => {
      client.subscribe<{ runChanged: { id: string; status: string } }>(
        { query: 'subscription { runChanged { id status } }' },
        {
          next: ({ data, errors }) => {
            if (errors?.length) reject(new Error(JSON.stringify(errors)));
            if (data) seen.push(data.runChanged);
            if (data?.runChanged.status === 'QUEUED') queuedSeen();
            if (data?.runChanged.status === 'CANCELLED') resolve();
          },
          error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
          complete: () => reject(new Error('the subscription ended')),
        },
      );
    });
    await ready;
    // The server subscribes to the status feed just after the connection is acknowledged.
    await new Promise((r) => setTimeout(r, 300));
    const {
      createRun: { run: createRun },
    } = await gql<{ createRun: { run: { id: string } } }>(
      guarded.url,
      'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
      { i: { modelId, datasetId, strategy: 'lora', hyperparameters: { maxSteps: 1, batchSize: 4 } } },
      admin,
    );
    // Changes close together may arrive as one (the run's latest state), so the cancel waits for QUEUED.
    await queued;
    await gql(guarded.url, 'mutation($id: ID!) { cancelRun(input: { id: $id }) { run { id } } }', { id: createRun.id }, admin);
    await cancelled;
    await client.dispose();
    expect(seen).toEqual([
      { id: createRun.id, status: 'QUEUED' },
      { id: createRun.id, status: 'CANCELLED' },
    ]);
  });
});
