import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Generous: the machines are shared and slow down without warning; a test's outcome must not depend on it.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // Two cores: two files at a time keeps PGlite start-ups and PostgreSQL from starving each other.
    maxWorkers: 2,
  },
});
