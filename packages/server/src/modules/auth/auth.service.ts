// API tokens: created with scopes, stored as SHA-256 hashes, checked on every HTTP request and
// WebSocket connection.

import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
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

export class AuthService {
  private readonly dataSource: DataSource;
  private readonly requireTokens: boolean;

  constructor(dataSource: DataSource, requireTokens: boolean) {
    this.dataSource = dataSource;
    this.requireTokens = requireTokens;
  }

  /** Creates a token; the secret is returned once and never stored. Write implies read. */
  async create(name: string, scopes: readonly Scope[]): Promise<{ token: ApiTokenEntity; secret: string }> {
    const unknown = scopes.filter((s) => !SCOPES.includes(s));
    if (unknown.length || !scopes.length) {
      throw new AppError('BAD_USER_INPUT', `scopes must be some of ${SCOPES.join(', ')}; got ${scopes.join(', ') || 'none'}`);
    }
    const secret = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const all = new Set<Scope>(scopes);
    if (all.has('write')) all.add('read');
    const token = await this.dataSource.getRepository(ApiTokenEntity).save({
      name,
      prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
      hash: hashOf(secret),
      scopes: [...all],
    });
    return { token, secret };
  }

  list(): Promise<ApiTokenEntity[]> {
    return this.dataSource.getRepository(ApiTokenEntity).find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string): Promise<boolean> {
    const r = await this.dataSource.getRepository(ApiTokenEntity).update({ id }, { revokedAt: new Date() });
    return (r.affected ?? 0) > 0;
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
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    const token = await repo.findOneBy({ hash: hashOf(secret) });
    if (!token || token.revokedAt) throw new AppError(AuthErrorCode.UNAUTHENTICATED, 'the API token is unknown or revoked');
    // Recorded at most once a minute: a busy client should not turn every read into a write.
    if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > 60_000) {
      await repo.update({ id: token.id }, { lastUsedAt: new Date() });
    }
    return { tokenId: token.id, scopes: new Set(token.scopes as Scope[]) };
  }
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
