import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type DataDirLock, lockDataDir } from './data-dir-lock';
import { EmbeddedPostgresServer } from './embedded-server';

export interface EmbeddedPostgres {
  /** postgres:// URL the `pg` driver connects to. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder for the data files; `memory://` keeps everything in memory. */
  dataDir: string;
  /** Client connections the server accepts (each waits its turn on the one backend). */
  maxConnections?: number;
  /** See `EmbeddedServerOptions.statementTimeoutMs`. */
  statementTimeoutMs?: number;
  /** See `EmbeddedServerOptions.idleInTransactionTimeoutMs`. */
  idleInTransactionTimeoutMs?: number;
  host?: string;
  port?: number;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served over a local TCP socket
 * so the service keeps using the `pg` driver and the same migrations. A data
 * folder is locked to this process (`lockDataDir`) until `stop()`.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  let lock: DataDirLock | undefined;
  if (!options.dataDir.startsWith('memory://')) {
    mkdirSync(options.dataDir, { recursive: true });
    lock = lockDataDir(options.dataDir);
  }
  try {
    const db = await PGlite.create(options.dataDir);
    const host = options.host ?? '127.0.0.1';
    // The one backend, served to several connections in turns (embedded-server.ts).
    const server = new EmbeddedPostgresServer({
      db,
      host,
      port: options.port ?? 0,
      maxConnections: options.maxConnections ?? 10,
      statementTimeoutMs: options.statementTimeoutMs ?? 5000,
      idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 10_000,
    });
    const address = await server.start();
    return {
      url: `postgres://postgres@${address}/postgres?sslmode=disable`,
      async stop() {
        try {
          await server.stop();
          await db.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
