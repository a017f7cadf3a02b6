// What every resolver receives: the services and the authenticated caller.

import type { Services } from '../services.ts';
import type { Caller } from '../modules/auth/auth.service.ts';

export interface RequestContext {
  services: Services;
  caller: Caller;
  /** Aborts when the request or subscription ends. */
  signal?: AbortSignal;
}
