// The WebSockets each API token has open, so that a token that stops working closes them: at once when it is
// revoked in this process, and within one sweep (TUNEQL_TOKEN_CACHE_SECONDS) when it expires or is revoked on
// another replica.

import type { WebSocket } from 'ws';
import type { AuthService } from '../modules/auth/auth.service.ts';
import { logger } from '../ops/logger.ts';

/** graphql-ws's Forbidden: the client library does not reconnect after it. */
export const WS_TOKEN_REFUSED = 4403;

export class TokenSockets {
  private readonly byToken = new Map<string, Set<WebSocket>>();
  private readonly auth: AuthService;
  private readonly timer: NodeJS.Timeout;
  private readonly offRevoke: () => void;
  private sweeping = false;

  constructor(auth: AuthService, sweepSeconds: number) {
    this.auth = auth;
    this.offRevoke = auth.onRevoke((id) => this.close(id, 'the API token was revoked'));
    this.timer = setInterval(() => void this.sweep(), Math.max(1, sweepSeconds) * 1000);
    this.timer.unref();
  }

  add(tokenId: string, socket: WebSocket): void {
    const sockets = this.byToken.get(tokenId) ?? new Set<WebSocket>();
    this.byToken.set(tokenId, sockets);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (!sockets.size && this.byToken.get(tokenId) === sockets) this.byToken.delete(tokenId);
    });
  }

  close(tokenId: string, reason: string): void {
    for (const socket of this.byToken.get(tokenId) ?? []) socket.close(WS_TOKEN_REFUSED, reason);
    this.byToken.delete(tokenId);
  }

  /** Closes the sockets of tokens the database says are revoked, expired or gone. */
  private async sweep(): Promise<void> {
    if (this.sweeping || !this.byToken.size) return;
    this.sweeping = true;
    try {
      for (const id of await this.auth.unusable([...this.byToken.keys()])) this.close(id, 'the API token was revoked or has expired');
    } catch (err) {
      logger().error({ err }, 're-checking the tokens of open WebSockets failed');
    } finally {
      this.sweeping = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.offRevoke();
  }
}
