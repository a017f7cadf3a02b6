// What every resolver receives: the services and the authenticated caller.

import type { ClientKey, RateLimits } from '../http/rate-limits.ts';
import type { Caller } from '../modules/auth/auth.service.ts';
import type { Services } from '../services.ts';

export interface RequestContext {
  services: Services;
  caller: Caller;
  /** Aborts when the request or subscription ends. */
  signal?: AbortSignal;
  /** Who is asking, as the rate limits count it. */
  client: ClientKey;
  rateLimits: RateLimits;
}
