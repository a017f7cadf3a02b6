// OriginPolicy: which Host and Origin headers a server bound to loopback, to every interface, or behind a proxy
// with an allow-list accepts.

import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { OriginPolicy } from './origin-guard.ts';

const policy = (host: string, allowed: { hosts?: string[]; origins?: string[] } = {}) =>
  new OriginPolicy({ host, allowedHosts: allowed.hosts ?? [], allowedOrigins: allowed.origins ?? [] }, () => 4000);
const code = (p: OriginPolicy, headers: Record<string, string>) => p.check(headers)?.code;

describe('OriginPolicy', () => {
  it('on loopback accepts its loopback names on any port, and refuses other hosts', () => {
    const p = policy('127.0.0.1');
    for (const host of ['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST', '[::1]:4000', 'localhost:8080']) {
      expect(code(p, { host }), host).toBeUndefined();
    }
    for (const host of ['evil.example:4000', 'localhost.evil.example', '127.0.0.2:4000', 'a@localhost', 'localhost/x']) {
      expect(code(p, { host }), host).toBe('HOST_NOT_ALLOWED');
    }
  });

  it('accepts an Origin that is the page it serves (same host and port), or absent; refuses others', () => {
    const p = policy('127.0.0.1');
    for (const [origin, host] of [
      ['http://127.0.0.1:4000', '127.0.0.1:4000'],
      ['http://localhost:4000', '127.0.0.1:4000'],
      ['http://[::1]:4000', 'localhost:4000'],
    ]) {
      expect(code(p, { origin: origin as string, host: host as string }), origin).toBeUndefined();
    }
    expect(code(p, { host: '127.0.0.1:4000' })).toBeUndefined();
    for (const origin of [
      'http://localhost:3000',
      'https://evil.example',
      'null',
      'file://',
      'chrome-extension://abc',
      'http://127.0.0.1',
    ]) {
      expect(code(p, { origin, host: '127.0.0.1:4000' }), origin).toBe('ORIGIN_NOT_ALLOWED');
    }
  });

  it('bound to every interface accepts this machine’s name and addresses', () => {
    const p = policy('0.0.0.0');
    expect(code(p, { host: `${hostname()}:4000` })).toBeUndefined();
    expect(code(p, { host: '127.0.0.1:4000' })).toBeUndefined();
    expect(code(p, { host: 'evil.example:4000' })).toBe('HOST_NOT_ALLOWED');
  });

  it('takes allow-lists: names with or without a port, origins exactly, and * for any', () => {
    const p = policy('0.0.0.0', { hosts: ['api.example.com', 'internal:8443'], origins: ['https://console.example.com'] });
    expect(code(p, { host: 'api.example.com' })).toBeUndefined();
    expect(code(p, { host: 'api.example.com:443' })).toBeUndefined();
    expect(code(p, { host: 'internal:8443' })).toBeUndefined();
    expect(code(p, { host: 'internal:9000' })).toBe('HOST_NOT_ALLOWED');
    // Behind a proxy the page's origin is the public name the Host header carries.
    expect(code(p, { host: 'api.example.com', origin: 'https://api.example.com' })).toBeUndefined();
    expect(code(p, { host: 'api.example.com', origin: 'https://console.example.com' })).toBeUndefined();
    expect(code(p, { host: 'api.example.com', origin: 'https://console.example.com:444' })).toBe('ORIGIN_NOT_ALLOWED');
    const any = policy('127.0.0.1', { hosts: ['*'], origins: ['*'] });
    expect(code(any, { host: 'whatever.example', origin: 'https://else.example' })).toBeUndefined();
  });
});
