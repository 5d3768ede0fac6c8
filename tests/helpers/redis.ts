/**
 * A real redis-server for the shared-cache tests (scripts/lib/redis-server.mjs: a free loopback port, persistence
 * off, killed with the test process), plus a client of the test's own for looking at what it holds.
 */
import { spawnSync } from 'node:child_process';
import { createClient } from '@redis/client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RedisServer, realClockEnv, startRedisServer } from '../../scripts/lib/redis-server.mjs';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

const inspector = (port: number, password?: string) =>
  createClient({
    url: `redis://127.0.0.1:${port}/0`,
    ...(password ? { password } : {}),
    disableClientInfo: true,
    maintNotifications: 'disabled',
  });
export type Inspector = ReturnType<typeof inspector>;

export interface RedisUnderTest extends RedisServer {
  /** A client of the test's own, closed with the server. */
  inspect(): Promise<Inspector>;
}

/** `password`: the server requires it (requirepass), and the URL carries it, as a production one may. */
export async function startRedis(options: { password?: string } = {}): Promise<RedisUnderTest> {
  if (spawnSync(REDIS_SERVER, ['--version'], { env: realClockEnv() }).status !== 0) {
    throw new Error(`${REDIS_SERVER} is missing: apt-get install -y redis-server (.ci/run does)`);
  }
  const server = await startRedisServer({ bin: REDIS_SERVER, ...options });
  const inspectors: Inspector[] = [];
  return {
    ...server,
    async inspect() {
      const client = inspector(server.port, options.password);
      client.on('error', () => {});
      await client.connect();
      inspectors.push(client);
      return client;
    },
    async close() {
      for (const client of inspectors.splice(0)) client.destroy();
      await server.close();
    },
  };
}

/**
 * One redis-server for a test file's tests, emptied between them, and the closers a test registers run (last first)
 * after each: `cleanup.push(() => replica.close())`.
 */
export function redisForFile(): { readonly server: RedisUnderTest; cleanup: Array<() => Promise<void>> } {
  let server: RedisUnderTest | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
    await (await server?.inspect())?.flushAll();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the redis-server has not started (use it inside a test)');
      return server;
    },
    cleanup,
  };
}
