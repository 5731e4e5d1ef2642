import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
      '@app/problem': lib('problem'),
      '@app/auth': lib('auth'),
      '@app/sessions': lib('sessions'),
      '@app/database': lib('database'),
      '@app/sessions-client': lib('sessions-client'),
    },
  },
  test: {
    globals: true,
    // The JSON report lets .ci/run print a one-line pass/fail count.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          globalSetup: ['./test/support/global-setup.ts'],
          include: ['test/**/*.e2e-spec.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // One database for the run: spec files take turns.
          fileParallelism: false,
        },
      },
    ],
  },
});
