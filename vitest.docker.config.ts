import { defineConfig } from 'vitest/config';

/**
 * The tests that need a Docker engine (`npm run test:docker`; .ci/run starts one first): the
 * Testcontainers module against the project's image. Not part of `npm test`, which needs no Docker.
 */
const hostNetwork = (process.env.PIM_DOCKER_NETWORK ?? 'host') === 'host';

export default defineConfig({
  test: {
    include: ['test/docker/**/*.docker-test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    env: {
      // Ryuk, Testcontainers' reaper, is an image from Docker Hub; the tests stop what they start.
      TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? 'true',
      // An engine without a bridge network (the sandbox): Testcontainers cannot find the host through
      // the bridge's gateway, and the containers run with host networking (PIM_DOCKER_NETWORK).
      ...(hostNetwork ? { TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? '127.0.0.1', PIM_DOCKER_NETWORK: 'host' } : {}),
    },
  },
});
