/**
 * Creates serialised across replicas by the store's lock: two identical creates at two replicas make one record,
 * against a StackOne that takes WRITE_MS to write. And the lock itself across two connections: one holder at a time,
 * a wait that runs out or is cancelled runs nothing, a dead holder's lock is taken at its expiry.
 */
import { createHash } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, test } from 'vitest';
import { LockWaitError } from '../../src/locks.js';
import { frozenClock } from '../helpers/clock.js';
import { type RedisUnderTest, redisForFile } from '../helpers/redis.js';
import { type Replica, startReplica } from '../helpers/replicas.js';
import { startUpstream } from '../helpers/upstream.js';
import { expectOneRecord, statefulStackOne } from '../helpers/writes.js';

const file = redisForFile();
const { cleanup } = file;

const now = frozenClock();

async function replicas(upstreamUrl: string, n: number, createLockMs?: number): Promise<Replica[]> {
  const started: Replica[] = [];
  for (let i = 0; i < n; i++) {
    const r = await startReplica(file.server.url, upstreamUrl, { now, ...(createLockMs ? { createLockMs } : {}) });
    cleanup.push(() => r.close());
    started.push(r);
  }
  return started;
}

describe('identical creates at two replicas', () => {
  test.each([
    ['create_user_assignment', { learning_object_external_reference: 'sec-101' }, 'assignments'],
    [
      'create_user_completion',
      { learning_object_external_reference: 'sec-101', result: { value: 'Pass' } },
      'completions',
    ],
  ] as const)('%s: one record, and the second replica names it', async (tool, args, kind) => {
    const fake = statefulStackOne(now);
    const up = await startUpstream(fake.respond);
    cleanup.push(() => up.close());
    const [a, b] = await replicas(up.url, 2);
    const results = (await Promise.all(
      [a, b].map((r) => r?.w.call(tool, { id: 'emp-1', ...args })),
    )) as CallToolResult[];
    expectOneRecord(results, fake.stored[kind]);
    expect(up.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('the store lock', () => {
  const signal = () => new AbortController().signal;

  test('two replicas: one holder at a time, whichever asks second waits for the first to finish', async () => {
    const [a, b] = await replicas('http://127.0.0.1:9', 2);
    let running = 0;
    const order: string[] = [];
    let release: () => void = () => {};
    const [entered, enter] = signalled();
    const first = a?.shared.locks.withLock('k', { waitMs: 5_000, signal: signal() }, async () => {
      running++;
      order.push('a+');
      enter();
      await new Promise<void>((r) => {
        release = r;
      });
      order.push('a-');
      running--;
    });
    // The first holds the store's lock: the second replica finds it held, polls, and runs only after the release.
    await entered;
    const inspect = await file.server.inspect();
    const key = `lms-lock:v1:${createHash('sha256').update('k').digest('base64url')}`;
    expect(await inspect.exists(key)).toBe(1);
    const before = await setCalls(inspect, 0);
    const second = b?.shared.locks.withLock('k', { waitMs: 5_000, signal: signal() }, async () => {
      expect(running).toBe(0);
      order.push('b');
    });
    // The second replica's attempts show in the server's command stats: wait until it has tried twice.
    await setCalls(inspect, before + 2);
    expect(order).toEqual(['a+']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['a+', 'a-', 'b']);
    expect(await inspect.exists(key)).toBe(0);
  });

  test('a wait that runs out, or is cancelled, runs nothing; a dead holder is taken over at its expiry', async () => {
    const [a] = await replicas('http://127.0.0.1:9', 1, 600);
    const inspect = await file.server.inspect();
    const key = `lms-lock:v1:${createHash('sha256').update('dead').digest('base64url')}`;
    // A replica that died mid-create: its lock stays until its expiry, nobody renews or releases it.
    await inspect.set(key, 'a-dead-replica', { expiration: { type: 'PX', value: 600 } });
    let ran = 0;
    const work = async () => {
      ran++;
    };
    await expect(a?.shared.locks.withLock('dead', { waitMs: 100, signal: signal() }, work)).rejects.toBeInstanceOf(
      LockWaitError,
    );
    const cancel = new AbortController();
    const cancelled = a?.shared.locks.withLock('dead', { waitMs: 5_000, signal: cancel.signal }, work);
    cancel.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    expect(ran).toBe(0);
    await a?.shared.locks.withLock('dead', { waitMs: 5_000, signal: signal() }, work);
    expect(ran).toBe(1);
    expect(await inspect.exists(key)).toBe(0);
  });

  test("only the holder's token renews or releases: a late holder cannot touch its successor's lock", async () => {
    const [a] = await replicas('http://127.0.0.1:9', 1);
    const cache = a?.shared.cache;
    if (!cache) throw new Error('no replica');
    const inspect = await file.server.inspect();
    expect(await cache.claim('t', 'first', 150)).toBe('mine');
    expect(await cache.claim('t', 'second', 5_000)).toBe('held');
    expect(await cache.renew('t', 'second', 5_000)).toBe(false);
    await cache.release('t', 'second');
    expect(await inspect.get('t')).toBe('first');
    // The first holder stalls past its expiry; the second takes the lock; the first's late calls change nothing.
    while ((await inspect.exists('t')) === 1) await new Promise((r) => setTimeout(r, 20));
    expect(await cache.claim('t', 'second', 5_000)).toBe('mine');
    expect(await cache.renew('t', 'first', 5_000)).toBe(false);
    await cache.release('t', 'first');
    expect(await inspect.get('t')).toBe('second');
    expect(await cache.renew('t', 'second', 9_000)).toBe(true);
    expect(await inspect.pTTL('t')).toBeGreaterThan(5_000);
    await cache.release('t', 'second');
    expect(await inspect.exists('t')).toBe(0);
  });

  test('a holder renews its lock while it works, past the expiry', async () => {
    const [a, b] = await replicas('http://127.0.0.1:9', 2, 300);
    const inspect = await file.server.inspect();
    const key = `lms-lock:v1:${createHash('sha256').update('long').digest('base64url')}`;
    let overlap = false;
    let inside = false;
    const [entered, enter] = signalled();
    const long = a?.shared.locks.withLock('long', { waitMs: 5_000, signal: signal() }, async () => {
      inside = true;
      enter();
      // Three expiries' worth of work: without renewal the other replica would get in.
      await new Promise((r) => setTimeout(r, 900));
      inside = false;
    });
    await entered;
    expect(await inspect.exists(key)).toBe(1);
    await b?.shared.locks.withLock('long', { waitMs: 5_000, signal: signal() }, async () => {
      overlap = inside;
    });
    await long;
    expect(overlap).toBe(false);
  });
});

/** A promise and the function that resolves it. */
function signalled(): [Promise<void>, () => void] {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return [promise, resolve];
}

/**
 * The server's count of SET commands (the lock attempts are SET NX) once it reaches `atLeast`: an event the test can
 * observe without sleeping for a guessed time.
 */
async function setCalls(inspect: Awaited<ReturnType<RedisUnderTest['inspect']>>, atLeast: number): Promise<number> {
  for (;;) {
    const stats = await inspect.info('commandstats');
    const calls = Number(/cmdstat_set:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    if (calls >= atLeast) return calls;
    await new Promise((r) => setImmediate(r));
  }
}
