// The `tuneql` commands that drive a running server (the demo run, sweeps) reach it as any client does:
// GraphQL over HTTP for queries and mutations, graphql-ws for subscriptions, an API token when it needs one.

import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** A server's answer that carried errors: the first error's code (extensions.code) and field, when given. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: string | undefined;
  readonly field: string | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.extensions = extensions;
    this.code = typeof extensions.code === 'string' ? extensions.code : undefined;
    this.field = typeof extensions.field === 'string' ? extensions.field : undefined;
  }

  /** `CODE: message (field x)`, as a user reads it. */
  describe(): string {
    return `${this.code ? `${this.code}: ` : ''}${this.message}${this.field ? ` (field ${this.field})` : ''}`;
  }
}

export interface ApiOptions {
  /** The server's base address, e.g. http://127.0.0.1:4000 (its GraphQL endpoint is `${url}/graphql`). */
  url: string;
  /** An API token (`tuneql token create`), sent as a bearer token; unset: none (an open server). */
  token?: string;
}

export async function gql<T>(api: ApiOptions, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(api.token ? { authorization: `Bearer ${api.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(
      `cannot reach the server at ${api.url} (${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message})`,
    );
  }
  let body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError(`${api.url}/graphql answered ${res.status} ${res.statusText}, not GraphQL; is it a TuneQL server?`);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions);
  return body.data as T;
}

/** A graphql-ws client for the server, with the token as its connection parameter. */
export function wsClient(api: ApiOptions): Client {
  return createClient({
    url: `${api.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: api.token ? { authorization: `Bearer ${api.token}` } : {},
  });
}

/** Calls `onData` with each result of a subscription until the server completes it; a GraphQL error rejects. */
export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>, onData: (data: T) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          const first = result.errors?.[0];
          if (first) reject(new ApiError(first.message, (first.extensions ?? {}) as Record<string, unknown>));
          else if (result.data) onData(result.data);
        },
        error: (err) =>
          reject(err instanceof Error ? err : new ApiError(Array.isArray(err) ? String(err[0]?.message) : 'the subscription failed')),
        complete: resolve,
      },
    );
  });
}
