// Request ids, request log lines and latency labels on a small Express app with the real middleware.

import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requestLogging, requestTiming } from './http-observation.ts';
import { createLogger } from './logger.ts';
import { Metrics } from './metrics.ts';

const metrics = new Metrics();
const lines: Record<string, unknown>[] = [];
let url = '';
let close: () => void;

beforeAll(async () => {
  const app = express();
  app.use(
    requestTiming(metrics),
    requestLogging(createLogger({ pretty: false, destination: { write: (s: string) => lines.push(JSON.parse(s)) } })),
  );
  app.get('/artifacts/:id', (req, res) => {
    req.log.info({ artifact: req.params.id }, 'sending');
    res.send('ok');
  });
  // As the server does for browsers: a route on the mount path that passes API clients on to the mount.
  app.get('/graphql', (req, res, next) => {
    if (req.query.browser) return res.redirect(302, '/explorer/');
    next();
  });
  app.use('/graphql', (_req, res) => {
    res.status(400).json({ errors: [] });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(() => close());

it("keeps a caller's sane X-Request-Id, replaces any other, and puts it on every line of the request", async () => {
  const kept = await fetch(`${url}/artifacts/a1`, { headers: { 'x-request-id': 'trace-7f3a.1' } });
  expect(kept.headers.get('x-request-id')).toBe('trace-7f3a.1');
  const replaced = await fetch(`${url}/artifacts/a2`, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
  const fresh = replaced.headers.get('x-request-id');
  expect(fresh).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const generated = await fetch(`${url}/artifacts/a3`);
  expect(generated.headers.get('x-request-id')).not.toBe(fresh);

  expect(lines.filter((l) => l.reqId === 'trace-7f3a.1')).toMatchObject([
    { level: 'info', artifact: 'a1', msg: 'sending' },
    { level: 'info', msg: 'GET /artifacts/a1 200', req: { method: 'GET', url: '/artifacts/a1' }, res: { statusCode: 200 } },
  ]);
  expect(lines.filter((l) => l.reqId === fresh).map((l) => l.msg)).toEqual(['sending', 'GET /artifacts/a2 200']);
  expect(typeof lines.at(-1)?.durationMs).toBe('number');
});

it('labels latency by route pattern or mount path, never by raw URL', async () => {
  await fetch(`${url}/graphql`, { method: 'POST' });
  await fetch(`${url}/graphql?query=%7B__typename%7D`);
  await fetch(`${url}/graphql?browser=1`, { redirect: 'manual' });
  await fetch(`${url}/nowhere/secret-123`);
  const values = (await metrics.httpDuration.get()).values.filter((v) => v.metricName === 'tuneql_http_request_duration_seconds_count');
  const counts = Object.fromEntries(values.map((v) => [`${v.labels.method} ${v.labels.route} ${v.labels.status}`, v.value]));
  expect(counts).toEqual({
    'GET /artifacts/:id 200': 3,
    'POST /graphql 400': 1,
    'GET /graphql 400': 1,
    'GET /graphql 302': 1,
    'GET other 404': 1,
  });
  expect(lines.find((l) => l.msg === 'POST /graphql 400')).toMatchObject({ level: 'warn' });
});
