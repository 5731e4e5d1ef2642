import { randomBytes } from 'node:crypto';
import { startEmbeddedPostgres } from '@session-service/database';
import { runSql, testDatabaseUrl, withDatabase } from './test-database';

export interface FreshDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * An empty database of the test's own, beside the run's shared one: on the
 * PostgreSQL server a new database (dropped by `drop`); on the embedded
 * project an in-memory embedded PostgreSQL of its own (PGlite has a single
 * database), stopped by `drop`.
 */
export async function freshDatabase(label: string): Promise<FreshDatabase> {
  if (process.env.TEST_DATABASE_EMBEDDED === 'true') {
    const embedded = await startEmbeddedPostgres({ dataDir: 'memory://', maxConnections: 20 });
    return { url: embedded.url, drop: () => embedded.stop() };
  }
  const admin = withDatabase(testDatabaseUrl(), 'postgres');
  const name = `sessions_${label}_${randomBytes(4).toString('hex')}`;
  await runSql(admin, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(testDatabaseUrl(), name),
    drop: () => runSql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
