import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src`, import.meta.url));

/**
 * Unit tests sit beside the code (`*.spec.ts`); end-to-end tests live in
 * `test/` and share one freshly created database per run. SWC compiles the
 * TypeScript because Nest's dependency injection needs decorator metadata,
 * which esbuild does not emit.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@app/problem': lib('problem'),
      '@app/auth': lib('auth'),
      '@app/sessions': lib('sessions'),
      '@app/database': lib('database'),
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
