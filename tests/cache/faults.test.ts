/**
 * The shared store failing, for real: down when the replicas start, killed (-9) mid-run, frozen (SIGSTOP). Each time
 * every call still answers, from the replica's own memory and with its own locks; the outage is one log line per
 * replica, with neither the URL nor its password; and once the store is back the replicas share again. The store's
 * URL carries a password here, as a production one may.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, test } from 'vitest';
import { directoryRequests, fakeDirectory, people, T0 } from '../helpers/directory.js';
import { type RedisUnderTest, startRedis } from '../helpers/redis.js';
import { type Replica, startReplica } from '../helpers/replicas.js';
import { type Recorded, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY } from '../helpers/wire.js';
import { statefulStackOne } from '../helpers/writes.js';

const PASSWORD = 's3cret-cache-pass';
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const clock = { now: T0 + 3_600_000 };
const now = () => clock.now;

interface Setup {
  redis: RedisUnderTest;
  up: Upstream;
  writes: ReturnType<typeof statefulStackOne>;
}

/** A store, and a StackOne with a 320-person directory, 132 courses, and a write side that keeps what is posted. */
async function setup(): Promise<Setup> {
  const redis = await startRedis({ password: PASSWORD });
  cleanup.push(() => redis.close());
  const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: { users: people(320), courses: [], content: [] } });
  const writes = statefulStackOne(now);
  const up = await startUpstream((req: Recorded, res, raw) =>
    /^\/unified\/lms\/users\/[^/]+\/(assignments|completions)$/.test(req.path)
      ? writes.respond(req, res)
      : fake.responder(req, res, raw),
  );
  cleanup.push(() => up.close());
  return { redis, up, writes };
}

async function replica(s: Setup, connected = true, coolOffMs?: number): Promise<Replica> {
  const r = await startReplica(s.redis.url, s.up.url, { now, connected, ...(coolOffMs ? { coolOffMs } : {}) });
  cleanup.push(() => r.close());
  return r;
}

const ids = (result: CallToolResult) =>
  (result.structuredContent as { matches: Array<{ id: string }> }).matches.map((m) => m.id);

async function answers(r: Replica): Promise<void> {
  const found = await r.w.call('find_users', { query: 'dana' });
  expect(found.isError).toBeFalsy();
  expect(ids(found)).toEqual(['u-dana-l', 'u-dana-w']);
}

async function creates(r: Replica, ref: string): Promise<void> {
  const created = await r.w.call('create_user_assignment', { id: 'emp-1', learning_object_external_reference: ref });
  expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
  expect((created.structuredContent as { created?: boolean }).created).not.toBe(false);
}

/** Warnings and errors a replica logged; and a check that no line holds the store's URL or password. */
function warnings(r: Replica, s: Setup): string[] {
  for (const line of r.logs) {
    expect(line).not.toContain(PASSWORD);
    expect(line).not.toContain(`:${s.redis.port}`);
  }
  return r.logs.filter((line) => /"level":"(warn|error)"/.test(line));
}

describe('the shared store failing', () => {
  test('down at start: the replica serves from its own memory, logs it once, and shares once the store answers', async () => {
    const s = await setup();
    await s.redis.kill();
    const a = await replica(s, false);
    await a.logged(/shared cache \(MCP_CACHE_URL\) unreachable at start/);
    await answers(a);
    await answers(a);
    await creates(a, 'sec-101');
    // Its own memory: one walk (4 pages), the repeat from it.
    expect(directoryRequests(s.up.requests)).toHaveLength(4);
    expect(warnings(a, s)).toHaveLength(1);
    expect(warnings(a, s)[0]).toContain('"reason":"ECONNREFUSED"');

    await s.redis.restart();
    await a.logged(/shared cache \(MCP_CACHE_URL\) connected/);
    const b = await replica(s);
    await answers(b);
    expect(directoryRequests(s.up.requests)).toHaveLength(8);
    const c = await replica(s);
    await answers(c);
    expect(directoryRequests(s.up.requests)).toHaveLength(8);
    expect(warnings(a, s)).toHaveLength(1);
  });

  test('killed mid-run: every call still answers, each replica logs it once, and sharing resumes when it returns', async () => {
    const s = await setup();
    const [a, b] = [await replica(s), await replica(s)];
    await answers(a);
    await s.redis.kill();
    await Promise.all([a.logged(/unavailable: this replica uses its own memory/), answers(b), creates(a, 'sec-101')]);
    await answers(a);
    await creates(b, 'sec-102');
    // b could not read a's snapshot: it walked on its own.
    expect(directoryRequests(s.up.requests)).toHaveLength(8);
    expect(s.writes.stored.assignments).toHaveLength(2);
    for (const r of [a, b]) {
      await r.logged(/unavailable/);
      expect(warnings(r, s)).toHaveLength(1);
    }

    await s.redis.restart();
    await Promise.all([a.logged(/is back: sharing again/), b.logged(/is back: sharing again/)]);
    // The store came back empty: the next walk is shared again (learning objects, walked once, read by both).
    const learned = await a.w.call('find_learning_objects', { query: 'elective 7' });
    expect(learned.isError).toBeFalsy();
    const before = s.up.requests.length;
    await b.w.call('find_learning_objects', { query: 'elective 7' });
    expect(s.up.requests.length).toBe(before);
  });

  test('frozen: a call waits a short bound, not for the store; the outage is logged once and the thaw noticed', async () => {
    const s = await setup();
    const a = await replica(s, true, 300);
    s.redis.freeze();
    try {
      // Neither answer could come if a call waited for the frozen store.
      await answers(a);
      await creates(a, 'sec-101');
      expect(warnings(a, s)).toHaveLength(1);
    } finally {
      s.redis.thaw();
    }
    // The socket stayed open through the freeze: it is the first answer from the store after the cool-off (300 ms
    // here) that says it is back.
    for (let i = 0; i < 50 && !a.logs.some((l) => /is back/.test(l)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await a.w.call('find_users', { query: 'zoe' });
    }
    await a.logged(/is back: sharing again/);
    expect(warnings(a, s)).toHaveLength(1);
  });
});
