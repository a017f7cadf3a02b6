// What every HTTP request leaves behind: a request id (the caller's X-Request-Id when it is sane, else a
// new one, echoed in the response), one log line when it completes, and a latency sample by route pattern.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming id is kept only when it is short and plain, so a caller cannot put arbitrary text into every log line. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Probes that an orchestrator and Prometheus send every few seconds are logged at debug, not info, so they do not bury the rest. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** pino-http: a child logger with `reqId` on `req.log`, and one line per completed request. */
export function requestLogging(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    genReqId: requestId,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'reqId', responseTime: 'durationMs' },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return PROBE_PATHS.has(pathOf(req)) ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res, err) => `${req.method} ${pathOf(req)} ${res.statusCode}: ${err.message}`,
    serializers: {
      req: (r: { method: string; url: string; remoteAddress?: string }) => ({
        method: r.method,
        url: r.url,
        remoteAddress: r.remoteAddress,
      }),
      res: (r: { statusCode: number }) => ({ statusCode: r.statusCode }),
    },
  }) as unknown as RequestHandler;
}

/**
 * tuneql_http_request_duration_seconds by method, route pattern and status. The route is the pattern
 * that matched (`/artifacts/:id`, never the id) or the mount path (`/graphql`); anything else, such
 * as the console's static files and unknown paths, is `other`, so raw URLs never become labels.
 */
export function requestTiming(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      // The mount path first: a route that passed the request on (next()) leaves its req.route behind.
      const route = req.baseUrl || (req.route?.path ? String(req.route.path) : 'other');
      end({ method: KNOWN_METHODS.has(req.method) ? req.method : 'other', route, status: String(res.statusCode) });
    });
    next();
  };
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The request's path without its query, from the original URL (Express cuts a mount path off req.url). */
function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  const path = (req.originalUrl ?? req.url ?? '/').split('?')[0] as string;
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
