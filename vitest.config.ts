import { defineConfig } from 'vitest/config';

// Two projects so a run says what it costs: `unit` holds the pure tests
// (*.unit.test.ts: no database, no servers; `npm run test:unit` finishes in seconds
// and starts no Postgres), `db` everything else, with the global setup that starts
// an embedded Postgres. `npm test` runs both.
export default defineConfig({
  test: {
    // Integration tests start servers, pg-boss and child processes.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default', './test/helpers/summaryReporter.ts'] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.unit.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'db',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.unit.test.ts', '**/node_modules/**'],
          globalSetup: ['test/helpers/globalSetup.ts'],
        },
      },
    ],
  },
});
