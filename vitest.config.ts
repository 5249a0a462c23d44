import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

// `npm test` runs the suite twice: on SQLite files and on PGlite (PostgreSQL in-process, no server).
// TEST_DATABASE=sqlite|pglite|postgres://… runs it once, on that backend (.ci/run adds a server).
const chosen = process.env.TEST_DATABASE;

export default defineConfig({
  resolve: {
    // graphql ships both ESM and CJS entry points; without this alias vitest can load it twice
    // and schema objects from one copy are rejected by the other ("another module or realm").
    alias: { graphql: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Browser tests need Chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    reporters: ['default', './test/summary-reporter.ts'],
    setupFiles: ['./test/support/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    projects: chosen
      ? undefined
      : [
          { extends: true, test: { name: 'sqlite', env: { TEST_DATABASE: 'sqlite' } } },
          // One process runs many files, so PGlite engines (seconds to start) serve them all.
          {
            extends: true,
            test: {
              name: 'pglite',
              // Model-based fuzzing runs 15 sequences here (60 on SQLite).
              env: { TEST_DATABASE: 'pglite', FUZZ_RUNS: '15' },
              // Files that never open the backend under test (child processes on SQLite files or
              // on a PostgreSQL server, the schema printout, SQLite's own migrations, the isolation
              // matrix's copies of a seeded SQLite file, the benchmark's SQLite limit server) would
              // only run twice.
              exclude: [
                ...configDefaults.exclude,
                'test/browser/**',
                'test/ops-cli.test.ts',
                'test/ops-codegen.test.ts',
                'test/schema.test.ts',
                'test/migrations.test.ts',
                'test/cli-and-server.test.ts',
                'test/readme.test.ts',
                'test/architecture.test.ts',
                'test/docs.test.ts',
                'test/pagination.test.ts',
                'test/limits-derived.test.ts',
                'test/multiprocess.test.ts',
                'test/isolation.test.ts',
                'test/bench-limit-parity.test.ts',
              ],
              isolate: false,
            },
          },
        ],
  },
});
