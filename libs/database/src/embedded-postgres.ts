import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  /** postgres:// URL the `pg` driver connects to. */
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Folder for the data files; `memory://` keeps everything in memory. */
  dataDir: string;
  /** Connections the socket server multiplexes onto the single PGlite backend. */
  maxConnections?: number;
  host?: string;
  port?: number;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served over a local TCP socket
 * so the service keeps using the `pg` driver and the same migrations.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  if (!options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    // PGlite has one backend; the server queues statements from several clients onto it.
    maxConnections: options.maxConnections ?? 10,
  });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
