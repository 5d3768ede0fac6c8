import { defineConfig } from 'vitest/config';

// The MCP Inspector web UI test: run by scripts/inspector/smoke.sh, which installs the Inspector it drives.
export default defineConfig({
  test: {
    include: ['tests/inspector/**/*.inspector.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
