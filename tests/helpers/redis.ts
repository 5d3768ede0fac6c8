/**
 * A real redis-server (Debian's package) for the shared-cache tests: on a free loopback port, persistence off, its
 * data in a temp dir, killed with the test process whatever happens. It can be killed (-9), restarted on the same
 * port (the store coming back, empty), frozen (SIGSTOP: a store that stops answering) and thawed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { freePort } from './http.js';

const inspector = (port: number, password?: string) =>
  createClient({
    url: `redis://127.0.0.1:${port}/0`,
    ...(password ? { password } : {}),
    disableClientInfo: true,
    maintNotifications: 'disabled',
  });
export type Inspector = ReturnType<typeof inspector>;

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** Whether this machine has redis-server (vitest.config.ts leaves tests/cache/ out when not, outside CI). */
export function hasRedis(): boolean {
  return spawnSync(REDIS_SERVER, ['--version']).status === 0;
}

export interface RedisUnderTest {
  /** redis://[:password@]127.0.0.1:port/0 */
  url: string;
  port: number;
  /** A client of the test's own, for looking at what the server holds. */
  inspect(): Promise<Inspector>;
  /** SIGKILL: the store lost mid-run. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence): the store coming back. */
  restart(): Promise<void>;
  /** SIGSTOP and SIGCONT: a store that stops answering but keeps its connections open. */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** `password`: the server requires it (requirepass), and the URL carries it, as a production one may. */
export async function startRedis(options: { password?: string } = {}): Promise<RedisUnderTest> {
  if (!hasRedis()) throw new Error(`${REDIS_SERVER} is missing: apt-get install -y redis-server (.ci/run does)`);
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const inspectors: Inspector[] = [];
  const killNow = () => child?.kill('SIGKILL');
  process.once('exit', killNow);

  const launch = (on: number) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const proc = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(on),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--logfile',
          '',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      const onExit = (code: number | null) =>
        reject(new Error(`redis-server exited (${code}) before it was ready: ${out}`));
      proc.once('exit', onExit);
      proc.once('error', reject);
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          proc.off('exit', onExit);
          resolve(proc);
        }
      });
    });

  // A port free a moment ago may be taken by the time redis-server binds it: try another.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }

  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  return {
    url: `redis://${options.password ? `:${options.password}@` : ''}127.0.0.1:${port}/0`,
    port,
    async inspect() {
      const client = inspector(port, options.password);
      client.on('error', () => {});
      await client.connect();
      inspectors.push(client);
      return client;
    },
    async kill() {
      if (!child) return;
      const proc = child;
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async restart() {
      child = await launch(port);
    },
    freeze() {
      child?.kill('SIGSTOP');
    },
    thaw() {
      child?.kill('SIGCONT');
    },
    async close() {
      for (const client of inspectors.splice(0)) client.destroy();
      if (child) {
        const proc = child;
        proc.kill('SIGCONT');
        proc.kill('SIGKILL');
        await exited(proc);
      }
      process.off('exit', killNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
