// Wake-ups for subscribers: PostgreSQL LISTEN/NOTIFY carries them between processes and replicas;
// an in-process emitter carries them inside one process (the embedded database's socket does not
// deliver notifications between connections, so with PGlite other processes are caught by polling).

import { EventEmitter } from 'node:events';
import pg from 'pg';
import { logger } from '../ops/logger.ts';

/** The channels, one per kind of change; the payload is a run id. */
export const Topic = {
  RUN_EVENTS: 'tuneql_run_events',
  RUN_STATUS: 'tuneql_run_status',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

export class Notifier {
  private readonly local = new EventEmitter();
  private client: pg.Client | undefined;

  constructor() {
    this.local.setMaxListeners(0);
  }

  /** Starts listening on a dedicated connection (skipped for the embedded database). */
  async listen(connection: pg.ClientConfig | undefined): Promise<void> {
    if (!connection) return;
    const client = new pg.Client(connection);
    await client.connect();
    client.on('notification', (n) => {
      if (n.payload) this.local.emit(n.channel, n.payload);
    });
    client.on('error', (err) => logger().error({ err }, `notification connection failed: ${err.message}`));
    for (const topic of Object.values(Topic)) await client.query(`LISTEN ${topic}`);
    this.client = client;
  }

  /** Tells this process's subscribers now; the database's NOTIFY tells the others. */
  publishLocal(topic: Topic, runId: string): void {
    this.local.emit(topic, runId);
  }

  on(topic: Topic, listener: (runId: string) => void): () => void {
    this.local.on(topic, listener);
    return () => this.local.off(topic, listener);
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }
}
