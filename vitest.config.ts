import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';
import { realClockEnv } from './scripts/lib/redis-server.mjs';

// The browser tests need Debian's Chromium. .ci/run installs it and sets CI, so there they always run (and fail
// loudly if it is missing); on a machine without it, `npm test` leaves them out and says so.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browser = existsSync(chromium) || Boolean(process.env.CI);
if (!browser) {
  process.stderr.write(`tests/browser/ left out: no ${chromium} (apt-get install -y chromium to run them)\n`);
}

// The shared-cache tests start Debian's redis-server (tests/helpers/redis.ts); the same rule as for Chromium.
// Asked without libfaketime (scripts/ci/year-ahead.sh), with which redis-server hangs at start.
const redis =
  spawnSync(process.env.REDIS_SERVER ?? 'redis-server', ['--version'], { env: realClockEnv() }).status === 0 ||
  Boolean(process.env.CI);
if (!redis)
  process.stderr.write('tests/cache/ left out: no redis-server (apt-get install -y redis-server to run them)\n');

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      ...(browser ? [] : ['tests/browser/**']),
      ...(redis ? [] : ['tests/cache/**']),
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
