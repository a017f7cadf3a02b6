// Request rates per API token and per client address (GraphQL operations over HTTP and WebSocket, downloads,
// uploads, predict) and the number of predict calls running at once. Counted in memory by
// rate-limiter-flexible: each replica counts on its own.

import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitSettings } from '../config/settings.ts';
import { AppError } from '../graphql/errors.ts';
import { HttpErrorCode, sendError } from './http.errors.ts';

/** Who is asking, for counting: the address the connection comes from and (a hash of) the token it sends. */
export interface ClientKey {
  address: string;
  /** SHA-256 of the bearer secret, whether or not it is valid; undefined without one. */
  token: string | undefined;
}

export function clientKey(address: string | undefined, authorization: unknown): ClientKey {
  const secret = typeof authorization === 'string' ? authorization.replace(/^Bearer\s+/i, '').trim() : '';
  return {
    address: address ?? 'unknown',
    token: secret ? createHash('sha256').update(secret).digest('hex').slice(0, 32) : undefined,
  };
}

export type RateKind = 'operations' | 'uploads' | 'predict';

/** A limit of `perMinute` for each token and each address; 0 turns it off. */
class PerMinute {
  private readonly byToken: RateLimiterMemory | undefined;
  private readonly byAddress: RateLimiterMemory | undefined;
  private readonly setting: string;

  constructor(perToken: number, perAddress: number, setting: string) {
    this.setting = setting;
    this.byToken = perToken > 0 ? new RateLimiterMemory({ keyPrefix: 'token', points: perToken, duration: 60 }) : undefined;
    this.byAddress = perAddress > 0 ? new RateLimiterMemory({ keyPrefix: 'address', points: perAddress, duration: 60 }) : undefined;
  }

  /** Counts one request; throws a RATE_LIMITED AppError when either count is over its limit. */
  async consume(client: ClientKey): Promise<void> {
    let per: 'address' | 'token' = 'address';
    try {
      if (this.byAddress) await this.byAddress.consume(client.address);
      per = 'token';
      if (this.byToken && client.token) await this.byToken.consume(client.token);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterSeconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new AppError(
        HttpErrorCode.RATE_LIMITED,
        `too many requests from this ${per === 'token' ? 'API token' : 'address'}: over the limit of ${this.setting}; try again in ${retryAfterSeconds} s`,
        { retryAfterSeconds, limit: this.setting, per },
      );
    }
  }
}

export class RateLimits {
  readonly settings: RateLimitSettings;
  private readonly limits: Record<RateKind, PerMinute>;
  private runningPredicts = 0;

  constructor(settings: RateLimitSettings) {
    this.settings = settings;
    const { perToken, perAddress, uploads, predict } = settings;
    this.limits = {
      operations: new PerMinute(
        perToken,
        perAddress,
        `${perToken || 'unlimited'} per minute per token and ${perAddress || 'unlimited'} per address (TUNEQL_RATE_LIMIT, TUNEQL_RATE_LIMIT_PER_ADDRESS)`,
      ),
      uploads: new PerMinute(uploads, uploads, `${uploads} uploads per minute (TUNEQL_UPLOAD_RATE_LIMIT)`),
      predict: new PerMinute(predict, predict, `${predict} predictions per minute (TUNEQL_PREDICT_RATE_LIMIT)`),
    };
  }

  consume(kind: RateKind, client: ClientKey): Promise<void> {
    return this.limits[kind].consume(client);
  }

  /** Runs `work` unless TUNEQL_MAX_CONCURRENT_PREDICTS predictions are already running (then RATE_LIMITED). */
  async predicting<T>(work: () => Promise<T>): Promise<T> {
    const done = this.startPredicting();
    try {
      return await work();
    } finally {
      done();
    }
  }

  /**
   * Takes one of the TUNEQL_MAX_CONCURRENT_PREDICTS places (RATE_LIMITED when none is free) for work that outlives
   * a call, such as a streamed generation; the returned function gives it back (only the first call counts).
   */
  startPredicting(): () => void {
    const max = this.settings.concurrentPredicts;
    if (this.runningPredicts >= max) {
      throw new AppError(
        HttpErrorCode.RATE_LIMITED,
        `${max} predictions are running on this server (TUNEQL_MAX_CONCURRENT_PREDICTS); try again when one has finished`,
        { retryAfterSeconds: 1, limit: 'TUNEQL_MAX_CONCURRENT_PREDICTS' },
      );
    }
    this.runningPredicts++;
    let held = true;
    return () => {
      if (held) this.runningPredicts--;
      held = false;
    };
  }

  /**
   * For a graphql-ws operation: the error that refuses it when its socket already has subscriptionsPerSocket
   * operations open (`inFlight` counts it too, as graphql-ws does) or the client is over its operations limit.
   */
  async socketOperation(client: ClientKey | undefined, inFlight: number): Promise<GraphQLError | undefined> {
    const max = this.settings.subscriptionsPerSocket;
    if (inFlight > max) {
      return new GraphQLError(
        `this connection has ${max} operations open (TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET); complete one, or open another connection`,
        { extensions: { code: HttpErrorCode.RATE_LIMITED, limit: 'TUNEQL_MAX_SUBSCRIPTIONS_PER_SOCKET' } },
      );
    }
    try {
      await this.consume('operations', client ?? clientKey(undefined, undefined));
      return undefined;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return new GraphQLError(err.message, { extensions: { ...err.details, code: err.code } });
    }
  }

  /** Express middleware: 429 with Retry-After and a coded JSON error over the `kind` limit. */
  middleware(kind: RateKind): RequestHandler {
    return (req, res, next) => {
      this.consume(kind, clientKey(req.socket.remoteAddress, req.headers.authorization)).then(
        () => next(),
        (err: unknown) => {
          if (!(err instanceof AppError)) return next(err);
          const retry = Number(err.details?.retryAfterSeconds ?? 1);
          res.setHeader('retry-after', String(retry));
          sendError(res, 429, err.code, err.message, err.details);
        },
      );
    };
  }
}
