// API tokens: created with scopes, stored as SHA-256 hashes, checked on every HTTP request and
// WebSocket connection.

import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CREATED_KEY, type KeysetSource, queryKeyset } from '../../graphql/connection.ts';
import { AppError } from '../../graphql/errors.ts';
import { ApiTokenEntity } from './api-token.entity.ts';
import { AuthErrorCode } from './auth.errors.ts';

export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the token (null when tokens are not required and none was sent) and what it may do. */
export interface Caller {
  tokenId: string | null;
  scopes: ReadonlySet<Scope>;
}

const TOKEN_PREFIX = 'tql_';

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What a cached lookup keeps of a token. */
interface TokenState {
  id: string;
  scopes: Scope[];
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AuthService {
  private readonly dataSource: DataSource;
  private readonly requireTokens: boolean;
  private readonly cacheMs: number;
  /** Token lookups by hash, each kept cacheMs; a revocation here drops the token's entry at once. */
  private readonly cache = new Map<string, { state: TokenState; until: number }>();
  /** The same entries by token id, for the re-check of a socket's token. */
  private readonly cacheById = new Map<string, { state: TokenState; until: number }>();
  private readonly revokeListeners = new Set<(tokenId: string) => void>();

  /** `cacheSeconds`: how long a token lookup is reused (TUNEQL_TOKEN_CACHE_SECONDS); 0 reads the database every time. */
  constructor(dataSource: DataSource, requireTokens: boolean, cacheSeconds = 0) {
    this.dataSource = dataSource;
    this.requireTokens = requireTokens;
    this.cacheMs = cacheSeconds * 1000;
  }

  /** Creates a token; the secret is returned once and never stored. Write implies read. */
  async create(name: string, scopes: readonly Scope[], expiresAt?: Date | null): Promise<{ token: ApiTokenEntity; secret: string }> {
    const unknown = scopes.filter((s) => !SCOPES.includes(s));
    if (unknown.length || !scopes.length) {
      throw new AppError('BAD_USER_INPUT', `scopes must be some of ${SCOPES.join(', ')}; got ${scopes.join(', ') || 'none'}`);
    }
    if (expiresAt && !(expiresAt.getTime() > Date.now())) {
      throw new AppError('BAD_USER_INPUT', `expiresAt ${expiresAt.toISOString()} is not in the future; give a later time, or none`, {
        field: 'expiresAt',
      });
    }
    const secret = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const all = new Set<Scope>(scopes);
    if (all.has('write')) all.add('read');
    const token = await this.dataSource.getRepository(ApiTokenEntity).save({
      name,
      prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
      hash: hashOf(secret),
      scopes: [...all],
      expiresAt: expiresAt ?? null,
    });
    return { token, secret };
  }

  /** Every token oldest first, to read a page at a time. */
  listing(): KeysetSource<ApiTokenEntity> {
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    return queryKeyset({ name: 'apiTokens', alias: 't', query: () => repo.createQueryBuilder('t'), key: CREATED_KEY, order: 'ASC' });
  }

  /** The token with `id`, or null. */
  find(id: string): Promise<ApiTokenEntity | null> {
    return UUID.test(id) ? this.dataSource.getRepository(ApiTokenEntity).findOneBy({ id }) : Promise.resolve(null);
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.dataSource.getRepository(ApiTokenEntity).find({ order: { createdAt: 'ASC' } });
  }

  /** Revokes the token: refused from now on here, within TUNEQL_TOKEN_CACHE_SECONDS on other replicas. */
  async revoke(id: string): Promise<boolean> {
    if (!UUID.test(id)) {
      throw new AppError(AuthErrorCode.API_TOKEN_NOT_FOUND, `API token ${id} does not exist; apiTokens lists their ids`, {
        argument: 'id',
      });
    }
    const r = await this.dataSource.getRepository(ApiTokenEntity).update({ id }, { revokedAt: new Date() });
    for (const [hash, entry] of this.cache) if (entry.state.id === id) this.cache.delete(hash);
    this.cacheById.delete(id);
    for (const listener of this.revokeListeners) listener(id);
    return (r.affected ?? 0) > 0;
  }

  /** Calls `listener` with the id of each token revoked in this process; returns the unsubscribe. */
  onRevoke(listener: (tokenId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  /**
   * The caller behind an Authorization header value (or graphql-ws connection parameter). Without a
   * token: full access when tokens are not required (loopback), otherwise UNAUTHENTICATED.
   */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const secret = authorization?.replace(/^Bearer\s+/i, '').trim();
    if (!secret) {
      if (this.requireTokens) {
        throw new AppError(
          AuthErrorCode.UNAUTHENTICATED,
          'an API token is required: send "Authorization: Bearer <token>" (create one with tuneql token create)',
        );
      }
      return { tokenId: null, scopes: new Set(SCOPES) };
    }
    const token = await this.lookup(hashOf(secret));
    refuseUnusable(token);
    return { tokenId: token.id, scopes: new Set(token.scopes) };
  }

  /**
   * Throws UNAUTHENTICATED when the caller's token has been revoked or has expired since it authenticated
   * (each WebSocket operation asks; the answer may be up to TUNEQL_TOKEN_CACHE_SECONDS old for a revocation
   * on another replica).
   */
  async recheck(caller: Caller): Promise<void> {
    if (caller.tokenId === null) return;
    const cached = this.cacheById.get(caller.tokenId);
    const state = cached && cached.until > Date.now() ? cached.state : (await this.states([caller.tokenId])).get(caller.tokenId);
    refuseUnusable(state);
  }

  /** Of `ids`, those revoked, expired or deleted, read from the database (no cache): what open sockets must close. */
  async unusable(ids: readonly string[]): Promise<string[]> {
    if (!ids.length) return [];
    const states = await this.states(ids);
    return ids.filter((id) => {
      const s = states.get(id);
      return !s || s.revokedAt !== null || (s.expiresAt !== null && s.expiresAt.getTime() <= Date.now());
    });
  }

  private async states(ids: readonly string[]): Promise<Map<string, TokenState>> {
    const rows = await this.dataSource.getRepository(ApiTokenEntity).createQueryBuilder('t').where('t.id IN (:...ids)', { ids }).getMany();
    return new Map(rows.map((t) => [t.id, stateOf(t)]));
  }

  private async lookup(hash: string): Promise<TokenState | undefined> {
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.state;
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    const token = await repo.findOneBy({ hash });
    // Unknown secrets are not cached: a token just created on another replica works at once.
    if (!token) {
      this.cache.delete(hash);
      return undefined;
    }
    const state = stateOf(token);
    if (this.cacheMs > 0) {
      if (this.cache.size > 10_000) {
        this.cache.clear();
        this.cacheById.clear();
      }
      const entry = { state, until: now + this.cacheMs };
      this.cache.set(hash, entry);
      this.cacheById.set(state.id, entry);
    }
    // Recorded at most once a minute: a busy client should not turn every read into a write.
    if (!state.revokedAt && (!state.lastUsedAt || now - state.lastUsedAt.getTime() > 60_000)) {
      state.lastUsedAt = new Date(now);
      await repo.update({ id: token.id }, { lastUsedAt: state.lastUsedAt });
    }
    return state;
  }
}

function stateOf(t: ApiTokenEntity): TokenState {
  return { id: t.id, scopes: t.scopes as Scope[], revokedAt: t.revokedAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt };
}

function refuseUnusable(token: TokenState | undefined): asserts token is TokenState {
  if (!token || token.revokedAt) throw new AppError(AuthErrorCode.UNAUTHENTICATED, 'the API token is unknown or revoked');
  if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) {
    throw new AppError(
      AuthErrorCode.UNAUTHENTICATED,
      `the API token expired at ${token.expiresAt.toISOString()}; create a new one (tuneql token create)`,
    );
  }
}

/** The message for a request whose token could not be checked because something it needs is down (the database). */
export function unavailableMessage(err: unknown): string {
  return `the API token could not be checked now (${(err as Error).message}); retry shortly`;
}

/** Throws FORBIDDEN unless the caller holds `scope`. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) {
    throw new AppError(
      AuthErrorCode.FORBIDDEN,
      `this needs an API token with the '${scope}' scope; the one sent has ${[...caller.scopes].join(', ') || 'none'}`,
    );
  }
}
