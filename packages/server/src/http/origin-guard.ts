// Which sites may talk to the server: the Host header must name this server (or an allowed host), against
// DNS rebinding, and a browser's Origin must be this server's own (or an allowed origin), against cross-site
// requests, on every route and on WebSocket upgrades. Requests without an Origin (curl, scripts) pass.

import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import type { RequestHandler } from 'express';
import type { VerifyClientCallbackAsync } from 'ws';
import type { ServerSettings } from '../config/settings.ts';
import { isLoopback } from '../config/settings.ts';
import { HttpErrorCode, sendError } from './http.errors.ts';

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/** `[::1]` for an IPv6 address, lower case otherwise: as URL.hostname writes a host. */
function bracketed(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/** Host and port of a Host header value or an origin's authority; undefined when it does not parse. */
function parseAuthority(value: string, scheme = 'http:'): { host: string; port: string } | undefined {
  try {
    const url = new URL(`${scheme}//${value}`);
    if (url.username || url.password || url.pathname !== '/' || url.search) return undefined;
    return { host: url.hostname.toLowerCase(), port: url.port };
  } catch {
    return undefined;
  }
}

export interface Refusal {
  status: 403;
  code: HttpErrorCode;
  message: string;
}

export class OriginPolicy {
  private readonly names: Set<string>;
  private readonly allowedHosts: readonly string[];
  private readonly allowedOrigins: readonly string[];
  private readonly port: () => number;

  /** `port` is read per request: with TUNEQL_PORT=0 it is known only once the server listens. */
  constructor(settings: Pick<ServerSettings, 'host' | 'allowedHosts' | 'allowedOrigins'>, port: () => number) {
    this.port = port;
    this.allowedHosts = settings.allowedHosts.map((h) => h.toLowerCase());
    this.allowedOrigins = settings.allowedOrigins.map((o) => o.replace(/\/+$/, '').toLowerCase());
    const names = new Set([bracketed(settings.host)]);
    const loopbackNames = ['localhost', '127.0.0.1', '[::1]'];
    if (isLoopback(settings.host)) for (const n of loopbackNames) names.add(n);
    if (WILDCARD.has(settings.host)) {
      // Bound to every interface: any of this machine's addresses, and its name, reach it.
      for (const n of loopbackNames) names.add(n);
      names.add(hostname().toLowerCase());
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) names.add(bracketed(a.address.split('%')[0] ?? ''));
    }
    this.names = names;
  }

  /** The server's own host names, for messages and tests. */
  ownHosts(): string[] {
    return [...this.names];
  }

  private hostAllowed(host: string, port: string): boolean {
    if (this.allowedHosts.includes('*') || this.names.has(host)) return true;
    return this.allowedHosts.some((entry) => entry === host || (port !== '' && entry === `${host}:${port}`));
  }

  /** Why a request with these headers is refused, or undefined when it may go on. */
  check(headers: IncomingMessage['headers']): Refusal | undefined {
    const hostHeader = headers.host;
    // HTTP/1.1 clients always send Host; only an old or hand-written client leaves it out, and a browser cannot.
    if (hostHeader !== undefined) {
      const host = parseAuthority(hostHeader);
      if (!host || !this.hostAllowed(host.host, host.port)) {
        return {
          status: 403,
          code: HttpErrorCode.HOST_NOT_ALLOWED,
          message: `Host '${hostHeader}' is not this server's name; add it to TUNEQL_ALLOWED_HOSTS if clients reach the server by that name (it answers to ${this.ownHosts().join(', ')})`,
        };
      }
    }
    const origin = headers.origin;
    if (origin === undefined || this.originAllowed(origin, hostHeader)) return undefined;
    return {
      status: 403,
      code: HttpErrorCode.ORIGIN_NOT_ALLOWED,
      message: `requests from the web page at ${origin} are not allowed; add that origin to TUNEQL_ALLOWED_ORIGINS if it should reach this server`,
    };
  }

  private originAllowed(origin: string, hostHeader: string | undefined): boolean {
    const normalized = origin.toLowerCase();
    if (this.allowedOrigins.includes('*') || this.allowedOrigins.includes(normalized)) return true;
    // `null` (sandboxed frames, file: pages) and anything but http(s) never match a site of ours.
    const match = /^(https?:)\/\/(.+)$/.exec(normalized);
    if (!match?.[1] || !match[2]) return false;
    const authority = parseAuthority(match[2], match[1]);
    if (!authority) return false;
    // Same origin: the page was loaded from the address the request is sent to (which passed the Host check).
    if (hostHeader !== undefined && match[2] === hostHeader.toLowerCase()) return true;
    const port = authority.port || (match[1] === 'https:' ? '443' : '80');
    return this.names.has(authority.host) && port === String(this.port());
  }
}

/**
 * Express middleware: 403 with a coded JSON error for a foreign Host or Origin. GET requests to `probePaths`
 * pass: health probes and metric scrapers reach a server by whatever name their network gives it, and those
 * routes hold no user data.
 */
export function originGuard(policy: OriginPolicy, probePaths: readonly string[] = []): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' && probePaths.includes(req.path)) return next();
    const refused = policy.check(req.headers);
    if (!refused) return next();
    sendError(res, refused.status, refused.code, refused.message);
  };
}

/** ws's verifyClient: the same refusal for a WebSocket upgrade, as a 403 with the coded JSON error. */
export function verifyUpgrade(policy: OriginPolicy): VerifyClientCallbackAsync {
  return ({ req }, done) => {
    const refused = policy.check(req.headers);
    if (!refused) return done(true);
    const body = JSON.stringify({ errors: [{ message: refused.message, extensions: { code: refused.code } }] });
    done(false, refused.status, body, { 'Content-Type': 'application/json' });
  };
}
