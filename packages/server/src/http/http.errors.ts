// What the HTTP layer itself refuses (before a request reaches GraphQL or a route), and the one JSON shape
// every refusal takes: { errors: [{ message, extensions: { code, ... } }] }, as GraphQL errors have.

import type { Response } from 'express';

export const HttpErrorCode = {
  /** The Origin header names a site that is not this server's and not in TUNEQL_ALLOWED_ORIGINS. */
  ORIGIN_NOT_ALLOWED: 'ORIGIN_NOT_ALLOWED',
  /** The Host header names a host that is not this server's and not in TUNEQL_ALLOWED_HOSTS (DNS rebinding). */
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  /** A request body over TUNEQL_MAX_REQUEST_BYTES. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A body that is not what the route reads (malformed JSON, an unsupported encoding). */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Over a rate limit; extensions.retryAfterSeconds says when to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

export function sendError(res: Response, status: number, code: string, message: string, extensions: Record<string, unknown> = {}): void {
  res.status(status).json({ errors: [{ message, extensions: { ...extensions, code } }] });
}
