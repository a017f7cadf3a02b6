// The database: any PostgreSQL through DATABASE_URL, or the embedded PGlite (PostgreSQL compiled to
// WASM) in the data folder, served on a Unix socket so that TypeORM, pg-boss, LISTEN clients and
// `tuneql worker` processes all connect to it as to any PostgreSQL server.

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { servePglite } from './pglite-server.ts';

export interface Database {
  dataSource: DataSource;
  /** How other clients (pg-boss, the LISTEN connection) reach the same database. */
  connection: ClientConfig;
  /** Whether this process serves the embedded database. */
  embedded: boolean;
  close(): Promise<void>;
}

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

const SOCKET_PORT = 5432;

function socketDir(dataDir: string): string {
  return join(dataDir, 'db');
}

function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function urlConfig(url: string): ClientConfig {
  return { connectionString: url };
}

async function openDataSource(connection: ClientConfig, poolSize: number): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    ...(connection.connectionString
      ? { url: connection.connectionString }
      : { host: connection.host, port: connection.port, username: connection.user, database: connection.database }),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'tuneql_migrations',
    migrationsRun: true,
    synchronize: false,
    logging: ['error'],
    poolSize,
  });
  await dataSource.initialize();
  return dataSource;
}

/**
 * Opens the database. With `serveEmbedded`, and no DATABASE_URL, this process starts the embedded
 * database (one process per data folder); without it, it connects to the one a `tuneql serve` runs.
 */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string; serveEmbedded: boolean }): Promise<Database> {
  if (options.databaseUrl) {
    const connection = urlConfig(options.databaseUrl);
    const dataSource = await openDataSource(connection, 10).catch((err: unknown) => {
      throw new DatabaseError(`cannot use DATABASE_URL: ${(err as Error).message}`);
    });
    return { dataSource, connection, embedded: false, close: () => dataSource.destroy() };
  }
  const dir = socketDir(options.dataDir);
  const socket = join(dir, `.s.PGSQL.${SOCKET_PORT}`);
  const connection: ClientConfig = { host: dir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' };
  if (!options.serveEmbedded) {
    if (!(await socketAlive(socket))) {
      throw new DatabaseError(
        `no database: nothing serves ${socket}; start 'tuneql serve' with the same data folder first, or set DATABASE_URL`,
      );
    }
    const dataSource = await openDataSource(connection, 4);
    return { dataSource, connection, embedded: false, close: () => dataSource.destroy() };
  }
  if (await socketAlive(socket)) {
    throw new DatabaseError(`${options.dataDir} is in use by another 'tuneql serve'; stop it or choose another data folder (TUNEQL_DATA)`);
  }
  mkdirSync(dir, { recursive: true });
  if (existsSync(socket)) rmSync(socket); // left by a process that did not stop cleanly
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create(join(dir, 'pgdata'));
  const server = await servePglite(pglite, socket);
  try {
    const dataSource = await openDataSource(connection, 8);
    return {
      dataSource,
      connection,
      embedded: true,
      async close() {
        await dataSource.destroy();
        await server.close();
        await pglite.close();
      },
    };
  } catch (err) {
    await server.close();
    await pglite.close();
    throw err;
  }
}
