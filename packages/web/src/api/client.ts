// The console's only way to the server: GraphQL over fetch, subscriptions over graphql-ws, and the two plain
// HTTP routes for files (POST /uploads, GET /artifacts/:id), all on the origin that served the page.
import { type Client, createClient } from 'graphql-ws';
import type { TypedDocumentString } from '../gql/graphql.ts';

const TOKEN_KEY = 'tuneql.token';

/** The API token saved in this browser ('' when none); sent as `Authorization: Bearer <token>`. */
export function savedToken(): string {
  if (typeof window === 'undefined') return '';
  return window.localStorage.getItem(TOKEN_KEY) ?? '';
}

export function saveToken(token: string): void {
  if (token) window.localStorage.setItem(TOKEN_KEY, token);
  else window.localStorage.removeItem(TOKEN_KEY);
}

function authHeaders(): Record<string, string> {
  const token = savedToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export interface GraphQLErrorItem {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** What the server refused, with every error it sent (each carries `extensions.code`). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly errors: readonly GraphQLErrorItem[];
  readonly status: number;
  constructor(errors: readonly GraphQLErrorItem[], status: number) {
    super(errors.map((e) => e.message).join('; ') || `the server answered ${status}`);
    this.errors = errors;
    this.status = status;
  }
  get code(): string | undefined {
    const code = this.errors[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
  get extensions(): Record<string, unknown> {
    return this.errors[0]?.extensions ?? {};
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Sends one query or mutation; resolves to its data or rejects with an ApiError. */
export async function request<R, V>(document: TypedDocumentString<R, V>, variables?: V, signal?: AbortSignal): Promise<R> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authHeaders() },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    signal,
  });
  let body: { data?: R | null; errors?: GraphQLErrorItem[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiError(
      [{ message: `the server answered ${res.status} ${res.statusText} without a GraphQL body`, extensions: { code: 'HTTP_ERROR' } }],
      res.status,
    );
  }
  if (body.errors?.length || !body.data) throw new ApiError(body.errors ?? [], res.status);
  return body.data;
}

export interface Uploaded {
  id: string;
  filename: string;
  bytes: number;
  sha256: string;
}

/** POST /uploads with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function uploadFile(file: Blob, filename: string, onProgress?: (loaded: number, total: number) => void): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/uploads?filename=${encodeURIComponent(filename)}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () =>
      reject(new ApiError([{ message: `uploading ${filename} failed: the connection broke`, extensions: { code: 'UPLOAD_FAILED' } }], 0));
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // reported below
      }
      if (xhr.status === 201) {
        onProgress?.(file.size, file.size);
        resolve(body as unknown as Uploaded);
      } else {
        const errors = (body.errors as GraphQLErrorItem[] | undefined) ?? [
          { message: `uploading ${filename}: the server answered ${xhr.status}` },
        ];
        reject(new ApiError(errors, xhr.status));
      }
    };
    xhr.send(file);
  });
}

/** A download link for an artifact: a plain link when no token is needed, otherwise a fetched blob. */
export async function downloadArtifact(url: string, filename: string): Promise<void> {
  const res = await fetch(url, { headers: authHeaders() });
  if (!res.ok) throw new ApiError([{ message: `downloading ${filename}: the server answered ${res.status}` }], res.status);
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

let wsClient: Client | undefined;

function subscriptions(): Client {
  if (!wsClient) {
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;
    // Reconnects for as long as the page is open; each subscription is sent again with its variables read
    // anew (see `subscribe`), so a stream that resumes from a cursor neither skips nor repeats.
    wsClient = createClient({
      url,
      lazy: true,
      retryAttempts: Number.POSITIVE_INFINITY,
      keepAlive: 15_000,
      connectionParams: () => authHeaders(),
    });
  }
  return wsClient;
}

export interface SubscriptionHandlers<R> {
  next: (data: R) => void;
  /** The server ended the stream (a finished run's events). */
  complete?: () => void;
  /** The server refused the subscription (GraphQL errors, or a connection it will not accept). */
  error?: (err: ApiError) => void;
  /** The connection dropped; it is being re-established. */
  disconnected?: () => void;
  /** The connection is (back) up. */
  connected?: () => void;
}

/**
 * Subscribes for as long as the returned function is not called. When the connection drops, graphql-ws
 * reconnects and sends the subscription again, serializing `variables()` anew each time: runEvents then
 * resumes from the last seq the page holds (afterSeq), with no gap and no duplicate.
 */
export function subscribe<R, V extends Record<string, unknown>>(
  document: TypedDocumentString<R, V>,
  variables: () => V,
  handlers: SubscriptionHandlers<R>,
): () => void {
  const client = subscriptions();
  const payload = {
    query: document.toString(),
    // A getter: graphql-ws stringifies the payload on every (re)subscribe.
    get variables() {
      return variables();
    },
  };
  const offClosed = client.on('closed', () => handlers.disconnected?.());
  const offConnected = client.on('connected', () => handlers.connected?.());
  const cancel = client.subscribe<R>(payload, {
    next: (result) => {
      if (result.errors?.length) handlers.error?.(new ApiError(result.errors as GraphQLErrorItem[], 200));
      else if (result.data) handlers.next(result.data as R);
    },
    complete: () => handlers.complete?.(),
    error: (err) => {
      const errors: GraphQLErrorItem[] = Array.isArray(err)
        ? (err as GraphQLErrorItem[])
        : [
            {
              message: `the subscription connection closed: ${(err as { reason?: string }).reason || (err as Error).message || 'no reason given'}`,
              extensions: { code: 'CONNECTION_CLOSED' },
            },
          ];
      handlers.error?.(new ApiError(errors, 0));
    },
  });
  return () => {
    offClosed();
    offConnected();
    cancel();
  };
}

/** A GraphQL request as a tool sends it (the explorer): the server's whole answer, errors included, with the saved token unless `headers` has another. */
export async function sendRaw(
  body: { query: string; variables?: unknown; operationName?: string | null },
  headers: Record<string, string> = {},
): Promise<unknown> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...authHeaders(),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return res.json();
}

/** A subscription as a tool sends it (the explorer): each result as the server sent it, until the returned function is called. */
export function subscribeRaw(
  body: { query: string; variables?: unknown; operationName?: string | null },
  sink: { next: (result: unknown) => void; error: (err: unknown) => void; complete: () => void },
): () => void {
  return subscriptions().subscribe(
    { query: body.query, variables: body.variables as Record<string, unknown> | undefined, operationName: body.operationName ?? undefined },
    sink,
  );
}
