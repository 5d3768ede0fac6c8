/**
 * A real redis-server for the shared-cache tests (scripts/lib/redis-server.mjs: a free loopback port, persistence
 * off, killed with the test process), plus a client of the test's own for looking at what it holds.
 */
import { spawnSync } from 'node:child_process';
import { createClient } from '@redis/client';
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
