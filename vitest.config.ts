import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// The browser tests need Debian's Chromium. .ci/run installs it and sets CI, so there they always run (and fail
// loudly if it is missing); on a machine without it, `npm test` leaves them out and says so.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browser = existsSync(chromium) || Boolean(process.env.CI);
if (!browser) {
  process.stderr.write(`tests/browser/ left out: no ${chromium} (apt-get install -y chromium to run them)\n`);
}

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(browser ? [] : ['tests/browser/**'])],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
