import { defineConfig } from 'vitest/config';

// The Electron-only suite: run by e2e/run-electron-e2e.mjs (npm run test:e2e), which skips it
// when there is no Electron binary. Each test launches the real app: one file, one at a time.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
