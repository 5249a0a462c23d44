import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the pages end to end in headless Chromium, kept out of `npm test` so the
// main suite runs on machines without a browser.
export default defineConfig({
  resolve: {
    // As in vitest.config.ts: one copy of graphql.
    alias: { graphql: fileURLToPath(new URL('./node_modules/graphql/index.js', import.meta.url)) },
  },
  test: {
    include: ['test/browser/**/*.browser.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
