/**
 * The shared store through hiccups that are not outages: this process busy past a command's bound, one failed
 * command, a lost reply, a connection gone silent, a frozen store at shutdown, many readers at once, an older
 * snapshot written late. Each once let a replica drop the shared lock or the shared snapshot while the store was up
 * (found by a review, each reproduced against a real redis-server before it was fixed).
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { describe, expect, test } from 'vitest';
import { SharedDirectoryStore } from '../../src/cache/directory-store.js';
import { acquire, SharedCache, UNAVAILABLE } from '../../src/cache/shared.js';
import { createLogger } from '../../src/log.js';
import { type DirectorySnapshot, MemoryDirectoryStore } from '../../src/stackone/directory.js';
import { frozenClock } from '../helpers/clock.js';
import { redisForFile, startRedis } from '../helpers/redis.js';

const file = redisForFile();
const { cleanup } = file;
const now = frozenClock();

/** A SharedCache on `url` that has connected, and the lines it logged. */
async function connected(url: string, options: { coolOffMs?: number } = {}) {
  const lines: string[] = [];
  const cache = new SharedCache(new URL(url), { logger: createLogger('debug', (l) => lines.push(l), now), ...options });
  cleanup.push(() => cache.close());
  await until(() => cache.available);
  return { cache, lines, warnings: () => lines.filter((l) => /"level":"warn"/.test(l)) };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** This process busy for `ms` without yielding, as packing a large snapshot is. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** Starts a cool-off the way any failed command does: a command the store refuses. */
async function coolOff(cache: SharedCache): Promise<void> {
  expect(await cache.run((c) => c.sendCommand(['NO-SUCH-COMMAND']))).toBe(UNAVAILABLE);
}

const signal = () => new AbortController().signal;

describe('the shared store through hiccups', () => {
  test('a reply that arrived while this process was busy past the bound counts: no outage, no warning', async () => {
    const { cache, warnings } = await connected(file.server.url);
    const pending = cache.run((c) => c.ping());
    busy(400);
    expect(await pending).toBe('PONG');
    expect(cache.available).toBe(true);
    expect(warnings()).toEqual([]);
  });

  test('after one failed command, a lock is still claimed and released in the store, not skipped', async () => {
    const { cache } = await connected(file.server.url);
    const inspect = await file.server.inspect();
    await coolOff(cache);
    // An ordinary command waits out the cool-off; a lock's does not.
    expect(await cache.run((c) => c.ping())).toBe(UNAVAILABLE);
    const got = await acquire(cache, 'lock-a', { ttlMs: 15_000, signal: signal(), waitMs: 0 });
    expect(got.kind).toBe('lease');
    expect(await inspect.exists('lock-a')).toBe(1);
    await coolOff(cache);
    if (got.kind === 'lease') await got.lease.release();
    expect(await inspect.exists('lock-a')).toBe(0);
  });

  test('a claim asked again with the same token is ours: a lost reply does not leave us waiting on our own lock', async () => {
    const { cache } = await connected(file.server.url);
    expect(await cache.claim('lock-b', 'token-1', 15_000)).toBe('mine');
    expect(await cache.claim('lock-b', 'token-1', 15_000)).toBe('mine');
    expect(await cache.claim('lock-b', 'token-2', 15_000)).toBe('held');
  });

  test('close() ends while the store is frozen with an unanswered command', async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.close());
    const { cache } = await connected(redis.url);
    redis.freeze();
    try {
      expect(await cache.run((c) => c.get('x'))).toBe(UNAVAILABLE);
      // Before, this waited for the frozen store's reply for as long as it stayed frozen.
      await cache.close();
      expect(cache.connected).toBe(false);
    } finally {
      redis.thaw();
    }
  });

  test('a connection gone silent (the store moved without a reset) is replaced, and sharing comes back', async () => {
    // A proxy that, once told, drops everything on the connections it has and forwards new ones.
    const silenced = new Set<Socket>();
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = createConnection(file.server.port, '127.0.0.1');
      sockets.push(client, upstream);
      client.on('data', (chunk) => silenced.has(client) || upstream.write(chunk));
      upstream.on('data', (chunk) => silenced.has(client) || client.write(chunk));
      for (const s of [client, upstream]) s.on('error', () => {});
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });
    const { port } = proxy.address() as { port: number };
    const { cache, lines } = await connected(`redis://127.0.0.1:${port}/0`, { coolOffMs: 50 });
    for (const s of sockets) silenced.add(s);
    // Lock commands are tried through the cool-off, so each is one more timeout on the silent connection.
    await until(async () => (await cache.claim('lock-c', 'token', 1_000)) !== UNAVAILABLE);
    expect(await cache.run((c) => c.ping())).toBe('PONG');
    expect(lines.some((l) => l.includes('is back'))).toBe(true);
  });

  test('twenty readers at once at a fresh replica fetch the snapshot from the store once', async () => {
    const writer = new SharedDirectoryStore((await connected(file.server.url)).cache, { keepMs: 60_000 });
    await writer.put('dir-1', snapshot(2_000, 1_000));
    const reader = new SharedDirectoryStore((await connected(file.server.url)).cache, { keepMs: 60_000 });
    const inspect = await file.server.inspect();
    await inspect.configResetStat();
    const read = await Promise.all(Array.from({ length: 20 }, () => reader.get('dir-1')));
    expect(read.every((s) => s?.records.length === 2_000)).toBe(true);
    const gets = Number(/cmdstat_get:calls=(\d+)/.exec(await inspect.info('commandstats'))?.[1]);
    // Twenty looks at the version tag, one download.
    expect(gets).toBe(21);
  });

  test('an older snapshot written late does not replace a newer one', async () => {
    const store = new SharedDirectoryStore((await connected(file.server.url)).cache, { keepMs: 60_000 });
    await store.put('dir-2', snapshot(3, 2_000));
    await store.put('dir-2', snapshot(2, 1_000));
    const fresh = new SharedDirectoryStore((await connected(file.server.url)).cache, { keepMs: 60_000 });
    expect((await fresh.get('dir-2'))?.syncedAt).toBe(2_000);
  });

  test("this replica's copy, newer than the store's, is the one a read answers with", async () => {
    const writer = new SharedDirectoryStore((await connected(file.server.url)).cache, { keepMs: 60_000 });
    await writer.put('dir-3', snapshot(2, 1_000));
    const memory = new MemoryDirectoryStore();
    await memory.put('dir-3', snapshot(3, 2_000));
    const reader = new SharedDirectoryStore((await connected(file.server.url)).cache, { keepMs: 60_000, memory });
    expect((await reader.get('dir-3'))?.syncedAt).toBe(2_000);
  });
});

function snapshot(people: number, syncedAt: number): DirectorySnapshot {
  return {
    records: Array.from({ length: people }, (_, i) => ({ id: `u-${i}`, name: `Person ${i}`, email: `p${i}@x.test` })),
    walkedAt: syncedAt,
    syncedAt,
    complete: true,
  };
}
