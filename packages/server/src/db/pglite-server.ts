// Serves an embedded PGlite database on a Unix socket to any number of PostgreSQL clients.
// PGlite is one backend, so clients must take turns, and a turn must be a whole protocol exchange:
// everything up to a Sync or a simple Query (an extended-protocol Parse/Bind/Execute from one client
// interleaved with another's would run against the wrong unnamed statement), and, once a client opens
// a transaction, every exchange until it ends. @electric-sql/pglite-socket queues single messages,
// which interleaves exchanges; this server queues exchanges.

import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Message types that end an exchange: Sync, simple Query, Terminate, and the password reply. */
const EXCHANGE_END = new Set(['S', 'Q', 'X', 'p']);

/** A FIFO lock over the database: one holder at a time. */
class Turns {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function when the caller's turn comes. */
  take(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const turn = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return turn;
  }
}

class Connection {
  private buffer = Buffer.alloc(0);
  private started = false;
  private pending: Buffer[] = [];
  private release: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly socket: Socket;
  private readonly db: PGlite;
  private readonly turns: Turns;

  constructor(socket: Socket, db: PGlite, turns: Turns) {
    this.socket = socket;
    this.db = db;
    this.turns = turns;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.chain = this.chain.then(() => this.closed());
    });
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSS_REQUEST) {
          this.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.socket.end();
          return;
        }
        this.started = true;
        this.exchange([Buffer.from(message)]);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) return;
      const message = Buffer.from(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      this.pending.push(message);
      if (EXCHANGE_END.has(String.fromCharCode(message[0] as number))) {
        const messages = this.pending;
        this.pending = [];
        this.exchange(messages);
      }
    }
  }

  private exchange(messages: Buffer[]): void {
    this.chain = this.chain.then(async () => {
      this.release ??= await this.turns.take();
      try {
        for (const m of messages) {
          await this.db.execProtocolRawStream(new Uint8Array(m), {
            onRawData: (data) => {
              if (!this.socket.destroyed) this.socket.write(data);
            },
          });
        }
      } catch {
        this.socket.destroy();
      }
      // Inside a transaction the turn is kept: no one else may run in the middle of it.
      if (!this.db.isInTransaction()) this.releaseTurn();
    });
  }

  private releaseTurn(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  private async closed(): Promise<void> {
    if (this.release && this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
    this.releaseTurn();
  }
}

export async function servePglite(db: PGlite, socketPath: string): Promise<{ close(): Promise<void> }> {
  const turns = new Turns();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Connection(socket, db, turns);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
