import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '@session-service/database';
import { loadConfig } from '../../apps/session-service/src/config/app.config';
import { embeddedPostgresOptions } from '../../apps/session-service/src/database-url.provider';
import { TEST_JWT_SECRET } from './tokens';
import embedded from './embedded-exclusions.json';

/**
 * The end-to-end suite a second time, on the embedded PostgreSQL the service
 * runs on by default: started by the same function, on a data folder of its
 * own (deleted afterwards), with the options the service would give it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sessions-embedded-'));
  // Started from a default configuration, as the service starts its own with no DATABASE_URL.
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    EMBEDDED_DB_DIR: join(dataDir, 'pglite'),
  });
  const server = await startEmbeddedPostgres(embeddedPostgresOptions(config));
  project.provide('testDatabaseUrl', server.url);
  project.provide('testDatabaseEmbedded', true);
  const excluded = (embedded.exclusions as { spec: string; test?: string; reason: string }[])
    .map((e) => `\n  - ${e.spec}${e.test ? ` > "${e.test}"` : ' (whole spec)'}: ${e.reason}`)
    .join('');
  console.log(
    `Embedded PostgreSQL (PGlite) in ${dataDir}; specs that need a PostgreSQL server ` +
      `(test/support/embedded-exclusions.json): ${excluded || 'none'}`,
  );
  return async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
