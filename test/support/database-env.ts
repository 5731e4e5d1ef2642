import { beforeEach, inject } from 'vitest';
import embedded from './embedded-exclusions.json';

/**
 * Setup file of both end-to-end projects: each project's global setup
 * provides its own database (the server's or the embedded one), and a spec
 * finds it in TEST_DATABASE_URL (TEST_DATABASE_EMBEDDED=true on the embedded
 * one). On the embedded one, the tests listed in embedded-exclusions.json
 * (they need a PostgreSQL server) are skipped with their reason.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseUrl: string;
    testDatabaseEmbedded: boolean;
  }
}

process.env.TEST_DATABASE_URL = inject('testDatabaseUrl');
process.env.TEST_DATABASE_EMBEDDED = String(inject('testDatabaseEmbedded'));

interface Exclusion {
  spec: string;
  test?: string;
  reason: string;
}

if (inject('testDatabaseEmbedded')) {
  const tests = (embedded.exclusions as Exclusion[]).filter((e) => e.test !== undefined);
  beforeEach((context) => {
    // The test's own name and the names of the describe blocks around it.
    const names = new Set<string>([context.task.name]);
    for (let suite = context.task.suite; suite; suite = suite.suite) names.add(suite.name);
    const excluded = tests.find(
      (e) => context.task.file.filepath.endsWith(e.spec) && names.has(e.test!),
    );
    if (excluded) context.skip(`needs a PostgreSQL server: ${excluded.reason}`);
  });
}
