import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real processes and bind real ports: run files one at a time
    // on these 2-core machines so timings and port use stay predictable.
    fileParallelism: false,
    testTimeout: 60_000,
    // Real peers on a shared 2-core machine: a test that loses a timing race once is run once
    // more. A real defect fails both times; the first failure is still printed.
    retry: 1,
    hookTimeout: 60_000,
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default'],
  },
});
