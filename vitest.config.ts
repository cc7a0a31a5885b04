import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real listeners and child processes; a 2-core CI box needs room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Every Graph body a test receives is checked against openapi.yaml (test/support/conformance.ts).
    setupFiles: ['test/support/conformance-setup.ts'],
  },
});
