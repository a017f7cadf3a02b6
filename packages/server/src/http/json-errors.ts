// The last Express handler: errors from body parsing and routes answered as coded JSON (never Express's HTML
// page, which also carries a stack trace outside production).

import type { ErrorRequestHandler } from 'express';
import { logger } from '../ops/logger.ts';
import { HttpErrorCode, sendError } from './http.errors.ts';

interface BodyParserError {
  type?: string;
  status?: number;
  length?: number;
  limit?: number;
  message?: string;
}

export const jsonErrors: ErrorRequestHandler = (err: BodyParserError, _req, res, next) => {
  if (res.headersSent) return next(err);
  switch (err.type) {
    case 'entity.too.large':
      return sendError(
        res,
        413,
        HttpErrorCode.PAYLOAD_TOO_LARGE,
        `the request body${err.length ? ` of ${err.length} bytes` : ''} is over the limit of ${err.limit} bytes (TUNEQL_MAX_REQUEST_BYTES); send large files to POST /uploads`,
        { limit: err.limit },
      );
    case 'entity.parse.failed':
      return sendError(res, 400, HttpErrorCode.BAD_REQUEST, `the request body is not valid JSON: ${err.message}`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return sendError(res, 415, HttpErrorCode.BAD_REQUEST, `${err.message}; send UTF-8 JSON`);
  }
  const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
  if (status < 500) return sendError(res, status, HttpErrorCode.BAD_REQUEST, err.message ?? 'bad request');
  logger().error({ err }, 'unexpected error in an HTTP route');
  sendError(res, 500, HttpErrorCode.INTERNAL_SERVER_ERROR, 'internal error; the server log has the details');
};
