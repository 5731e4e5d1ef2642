import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import embedded from './test/support/embedded-exclusions.json' with { type: 'json' };

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src`, import.meta.url));

/**
 * Unit tests sit beside the code (`*.spec.ts`); end-to-end tests live in
 * `test/` and share one freshly created database per run. Nest's dependency
 * injection needs legacy decorators with their type metadata, which Vite's
 * Oxc transformer emits when asked.
 */
export default defineConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    alias: {
      '@session-service/problem': lib('problem'),
      '@session-service/auth': lib('auth'),
      '@session-service/sessions': lib('sessions'),
      '@session-service/database': lib('database'),
      '@session-service/sessions-client': lib('sessions-client'),
      '@session-service/ops': lib('ops'),
      '@session-service/gateway': lib('gateway'),
      '@session-service/signals': lib('signals'),
    },
  },
  test: {
    globals: true,
    // The JSON report lets .ci/run print a one-line pass/fail count.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/*.spec.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          globalSetup: ['./test/support/global-setup.ts'],
          setupFiles: ['./test/support/database-env.ts'],
          include: ['test/**/*.e2e-spec.ts'],
          // Specs of the embedded PostgreSQL itself run in e2e-embedded only.
          exclude: ['test/embedded-*.e2e-spec.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // One database for the run: spec files take turns.
          fileParallelism: false,
          // The projects take turns too (unit, then e2e, then e2e-embedded).
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          // The same specs on the embedded PostgreSQL, the service's default.
          name: 'e2e-embedded',
          globalSetup: ['./test/support/global-setup-embedded.ts'],
          setupFiles: ['./test/support/database-env.ts'],
          include: ['test/**/*.e2e-spec.ts'],
          // Whole specs listed without a test name (single tests are skipped by database-env.ts).
          exclude: embedded.exclusions
            .filter((e: { test?: string }) => e.test === undefined)
            .map((e: { spec: string }) => e.spec),
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
