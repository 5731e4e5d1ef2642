import type { TestProject } from 'vitest/node';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@session-service/database';
import { canConnect, DEFAULT_ADMIN_URL, runSql, withDatabase } from './test-database';

/**
 * Gives the run its own, freshly created database on the PostgreSQL at
 * DATABASE_URL (default: the local server), dropped at the end. With no
 * PostgreSQL reachable, a developer's run falls back to the embedded
 * PostgreSQL and says so; CI (CI=true) refuses the fallback and fails.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const adminUrl = process.env.DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const display = new URL(adminUrl);
  const where = `${display.hostname}:${display.port || 5432}`;

  if (await canConnect(adminUrl)) {
    const database = `sessions_test_${Date.now()}_${process.pid}`;
    await runSql(adminUrl, `CREATE DATABASE ${database}`);
    project.provide('testDatabaseUrl', withDatabase(adminUrl, database));
    project.provide('testDatabaseEmbedded', false);
    console.log(`Test database: ${database} on PostgreSQL at ${where} (dropped after the run)`);
    return () => runSql(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }

  if (process.env.CI === 'true') {
    throw new Error(
      `No PostgreSQL reachable at ${where}. CI=true refuses the embedded fallback: start PostgreSQL or set DATABASE_URL.`,
    );
  }
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: 'memory://',
    maxConnections: 40,
  });
  project.provide('testDatabaseUrl', embedded.url);
  project.provide('testDatabaseEmbedded', true);
  console.log(
    `No PostgreSQL reachable at ${where}: running the suite on the embedded PostgreSQL (PGlite, in memory).`,
  );
  return () => embedded.stop();
}
