/**
 * Replicas sharing a real redis-server (MCP_CACHE_URL): one walk of a tenant's list for all of them, the others
 * waiting for its snapshot with progress of their own; a later replica answering from the store; a dead walker's lock
 * taken over at its expiry; a walk cut short resumed by another replica; one delta after the TTL. Against the fake
 * StackOne directory on loopback, counting its requests.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, test } from 'vitest';
import { tenantKey } from '../../src/stackone/directory.js';
import { directoryRequests, type FakeDirectory, fakeDirectory, people, T0 } from '../helpers/directory.js';
import { redisForFile } from '../helpers/redis.js';
import { type Replica, type ReplicaOptions, startReplica } from '../helpers/replicas.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY } from '../helpers/wire.js';

const file = redisForFile();
const { cleanup } = file;

const clock = { now: T0 + 3_600_000 };
const now = () => clock.now;

async function setup(count = 320): Promise<{ fake: FakeDirectory; up: Upstream }> {
  const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: { users: people(count), courses: [], content: [] } });
  const up = await startUpstream(fake.responder);
  cleanup.push(() => up.close());
  return { fake, up };
}

async function replica(up: Upstream, options: Partial<ReplicaOptions> = {}): Promise<Replica> {
  const r = await startReplica(file.server.url, up.url, { now, ...options });
  cleanup.push(() => r.close());
  return r;
}

const ids = (result: CallToolResult) =>
  (result.structuredContent as { matches: Array<{ id: string }> }).matches.map((m) => m.id);

/** Progress messages a client received, and a wait for one (notifications are checked as they arrive). */
class Heard {
  readonly messages: string[] = [];
  private readonly waiters = new Set<() => void>();
  add(message: string): void {
    this.messages.push(message);
    for (const wake of this.waiters) wake();
  }
  until(pattern: RegExp, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.messages.some((m) => pattern.test(m))) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no progress matched ${pattern}: ${this.messages.join(' | ')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** find_users with its progress messages kept. */
function find(r: Replica, query: string, heard = new Heard()) {
  return r.w.client.callTool(
    { name: 'find_users', arguments: { query } },
    { onprogress: (p) => heard.add(p.message ?? '') },
  ) as Promise<CallToolResult>;
}

describe('one walk for all replicas', () => {
  test('two replicas asked at once: one walks, the other waits for its snapshot and relays its progress', async () => {
    const { fake, up } = await setup();
    const [a, b] = [await replica(up), await replica(up)];
    // The walker's first and second pages are held, so the second replica's question certainly arrives mid-walk.
    const first = fake.hold(1);
    const second = fake.hold(2);
    const walking = find(a, 'dana');
    await up.waitForRequests(1);
    const heardByB = new Heard();
    const waiting = find(b, 'dana', heardByB);
    await heardByB.until(/^Another replica of this server is reading the LMS people: waiting for it$/);
    first.release();
    // The walker's own progress line, relayed from the store to the waiting replica's client.
    await heardByB.until(/^Reading the LMS people: page 1, 100 so far$/);
    second.release();
    const [ra, rb] = await Promise.all([walking, waiting]);
    expect(ids(ra)).toEqual(['u-dana-l', 'u-dana-w']);
    expect(ids(rb)).toEqual(ids(ra));
    // 320 people at 100 a page: one walk of 4 pages, not two.
    expect(directoryRequests(up.requests)).toHaveLength(4);
  });

  test('a replica asked later answers from the store without a request; the store holds digests and gzip only', async () => {
    const { up } = await setup();
    const a = await replica(up);
    const json = JSON.stringify((await find(a, 'dana')).structuredContent);
    expect(directoryRequests(up.requests)).toHaveLength(4);
    const c = await replica(up);
    expect(JSON.stringify((await find(c, 'dana')).structuredContent)).toBe(json);
    expect(directoryRequests(up.requests)).toHaveLength(4);

    const inspect = await file.server.inspect();
    const keys = (await inspect.keys('*')).sort();
    const key = tenantKey(a.w.stackone.baseUrl, { apiKey: API_KEY, accountId: ACCOUNT }, 'users');
    // The snapshot and its version tag; the walk's lock and progress line went with the walk.
    expect(keys).toEqual([key, `${key}:v`]);
    for (const k of keys) {
      expect(k).toMatch(/^lms-directory:v1:[A-Za-z0-9_-]{43}:users(:v)?$/);
      expect(k).not.toContain(API_KEY);
      expect(k).not.toContain(ACCOUNT);
    }
    const ttl = await inspect.pTTL(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    const bytes = await inspect.withTypeMapping({ [RESP_BLOB]: Buffer }).get(key);
    expect(Buffer.isBuffer(bytes) && bytes.subarray(0, 2).toString('hex')).toBe('1f8b');
    expect(String(bytes)).not.toContain('dana');
  });

  test("a walker that died holds the others up until its lock's expiry, then another replica walks", async () => {
    const { up } = await setup(150);
    const a = await replica(up, { walkLockMs: 800 });
    const key = tenantKey(a.w.stackone.baseUrl, { apiKey: API_KEY, accountId: ACCOUNT }, 'users');
    const inspect = await file.server.inspect();
    // What a replica killed mid-walk leaves: its lock, which nobody renews or releases.
    await inspect.set(`${key}:walk`, 'a-dead-replica', { expiration: { type: 'PX', value: 800 } });
    const heard = new Heard();
    const result = find(a, 'dana', heard);
    await heard.until(/waiting for it$/);
    expect(directoryRequests(up.requests)).toHaveLength(0);
    expect(ids(await result)).toEqual(['u-dana-l', 'u-dana-w']);
    expect(directoryRequests(up.requests)).toHaveLength(2);
    expect(await inspect.exists(`${key}:walk`)).toBe(0);
  });

  test('a walk cut short at one replica is resumed by the next, not started over', async () => {
    const { up } = await setup();
    const options = { directory: { maxPages: 2 } };
    const a = await replica(up, options);
    const first = await find(a, 'zoe');
    expect((first.structuredContent as { complete: boolean }).complete).toBe(false);
    expect(directoryRequests(up.requests)).toHaveLength(2);
    const b = await replica(up, options);
    const second = await find(b, 'zoe');
    expect((second.structuredContent as { complete: boolean }).complete).toBe(true);
    expect(ids(second)).toEqual(['u-zoe']);
    const pages = directoryRequests(up.requests);
    expect(pages).toHaveLength(4);
    expect(pages[2]?.query.get('next')).toBeTruthy();
  });

  test('after the TTL, replicas asked at once make one delta between them', async () => {
    const { up } = await setup();
    const [a, b, c] = [await replica(up), await replica(up), await replica(up)];
    await find(a, 'dana');
    await find(b, 'dana');
    expect(directoryRequests(up.requests)).toHaveLength(4);
    clock.now += 301_000;
    try {
      const results = await Promise.all([find(a, 'dana'), find(b, 'dana'), find(c, 'dana')]);
      for (const r of results) expect(ids(r)).toEqual(['u-dana-l', 'u-dana-w']);
      const deltas = directoryRequests(up.requests).slice(4);
      expect(deltas).toHaveLength(1);
      expect(deltas[0]?.query.get('filter[updated_after]')).toBeTruthy();
    } finally {
      clock.now -= 301_000;
    }
  });
});

/** RESP_TYPES.BLOB_STRING, as the test reads the raw bytes (the client's type map key). */
const RESP_BLOB = 36;
