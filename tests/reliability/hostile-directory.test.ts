/**
 * A provider (or a tenant who controls their own LMS data) serving a hostile directory: megabyte names, a cursor
 * that never ends or comes back, more data than a walk's share. Memory is bounded in bytes: per field, per walk and
 * across the store; the real server, started with a small heap, keeps answering other tenants.
 */
import { spawn } from 'node:child_process';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { StackOneClient } from '../../src/stackone/client.js';
import { Directory, MAX_FIELD_CHARS, MemoryDirectoryStore } from '../../src/stackone/directory.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { frozenClock } from '../helpers/clock.js';
import { httpClient, waitForOutput } from '../helpers/http.js';
import { json, type Recorded, startUpstream, type Upstream } from '../helpers/upstream.js';
import { textOf, wire } from '../helpers/wire.js';

const MB = 1024 * 1024;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** A users list whose pages each hold `perPage` people named with `nameBytes` characters, cursors counting up. */
function endlessPeople(nameBytes: number, perPage: number, repeatAfter?: number) {
  const name = 'N'.repeat(nameBytes);
  return (req: Recorded, res: ServerResponse) => {
    if (req.path !== '/unified/lms/users') return json(200, { data: [], next: null })(req, res);
    const page = Number(req.query.get('next') ?? 0);
    const next = repeatAfter !== undefined && page >= repeatAfter ? String(repeatAfter) : String(page + 1);
    const data = Array.from({ length: perPage }, (_, i) => ({ id: `u-${page}-${i}`, name, email: `p${page}-${i}@x` }));
    return json(200, { data, next })(req, res);
  };
}

async function wired(responder: (req: Recorded, res: ServerResponse) => void, directory?: Directory) {
  const up = await startUpstream(responder);
  cleanup.push(() => up.close());
  const now = frozenClock();
  const w = await wire(up.url, { now, deps: { directory: directory ?? new Directory({ now }) } });
  cleanup.push(() => w.close());
  return { up, w };
}

describe('one lookup cannot fill memory', () => {
  test('a name of a megabyte is cut on arrival, before it is kept or indexed', async () => {
    const up = await startUpstream((req, res) => {
      if (req.path !== '/unified/lms/users') return json(200, { data: [], next: null })(req, res);
      return json(200, { data: [{ id: 'u1', name: `Dana ${'x'.repeat(MB)}`, email: 'dana@x' }], next: null })(req, res);
    });
    cleanup.push(() => up.close());
    const now = frozenClock();
    const stackone = new StackOneClient({ baseUrl: new URL(up.url), now, timeoutMs: 5_000, userAgent: 't' });
    cleanup.push(() => stackone.close());
    const view = await new Directory({ now }).read('users', {
      stackone,
      credentials: { apiKey: 'k', accountId: 'a' },
      signal: new AbortController().signal,
    });
    const kept = view.records[0]?.name as string;
    expect(kept.length).toBe(MAX_FIELD_CHARS + 1);
    expect(kept.endsWith('…')).toBe(true);
  });

  test("a cursor that comes back ends the walk as StackOne's error, not as 'searched the first 20,000'", async () => {
    const { up, w } = await wired(endlessPeople(10, 100, 3));
    const result = await w.call('find_users', { query: 'nobody' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/gave a cursor an earlier page had given, so the list would never end/);
    expect(up.requests.filter((r) => r.path === '/unified/lms/users').length).toBeLessThanOrEqual(5);
  });

  test('a walk past its share of the memory bound stops there and says so; asking again continues', async () => {
    const now = frozenClock();
    const directory = new Directory({ now, maxWalkBytes: 200_000 });
    const { w } = await wired(endlessPeople(500, 100), directory);
    const result = await w.call('find_users', { query: 'nobody' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/not read to its end \(this lookup's share of its memory limit\)/);
    expect(textOf(result)).toMatch(/Call find_users again to read further/);
  });

  test('the store counts every entry, so snapshots with no records are evicted too', async () => {
    const store = new MemoryDirectoryStore(20_000);
    for (let i = 0; i < 100; i++) {
      await store.put(`k${i}`, { records: [], walkedAt: 0, syncedAt: 0, complete: true });
    }
    expect(store.size).toBeLessThanOrEqual(20_000);
    expect(await store.get('k0')).toBeUndefined();
    expect(await store.get('k99')).toBeDefined();
  });
});

describe('the real server with a small heap', () => {
  let up: Upstream;

  test('a tenant serving an endless directory of megabyte names does not take the process down for the others', async () => {
    assertBuilt();
    // Tenant "evil" gets pages of five 1 MB names for ever; tenant "good" a normal company.
    up = await startUpstream((req, res) => {
      if (req.headers['x-account-id'] === 'evil') return endlessPeople(MB, 5)(req, res);
      if (req.path === '/unified/lms/users') {
        return json(200, { data: [{ id: 'g1', name: 'Grace Hopper', email: 'grace@good' }], next: null })(req, res);
      }
      return json(200, { data: [], next: null })(req, res);
    });
    cleanup.push(() => up.close());
    const child = spawn(process.execPath, ['--max-old-space-size=96', BIN, '--transport', 'http', '--port', '0'], {
      env: childEnv({ STACKONE_API_KEY: 'sk_heap_test', STACKONE_BASE_URL: up.url }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exited = false;
    child.on('exit', () => {
      exited = true;
    });
    cleanup.push(() => {
      if (!exited) child.kill('SIGKILL');
    });
    child.stdout.resume();
    const started = await waitForOutput(child.stderr, /"listening".*\n/);
    const url = (JSON.parse(started.split('\n').find((l) => l.includes('"listening"')) ?? '{}').url as string).replace(
      /\/mcp$/,
      '',
    );
    const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const evil = await httpClient(url, { authorization: basic('sk_evil'), 'x-account-id': 'evil' });
    const good = await httpClient(url, { authorization: basic('sk_good'), 'x-account-id': 'good' });
    cleanup.push(() => good.client.close());
    const evilCall = evil.call('find_users', { query: 'nobody' }).catch((e: unknown) => e);
    // Let the walk hold far more than the heap: 40 pages of 5 MB names were kept whole before.
    await up.waitForRequests(40, 30_000);
    for (let i = 0; i < 3; i++) {
      const answer = await good.call('find_users', { query: 'grace' });
      expect(answer.isError).toBeFalsy();
      expect(textOf(answer as never)).toMatch(/Grace Hopper/);
    }
    await evil.client.close();
    await evilCall;
    expect(exited).toBe(false);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  }, 90_000);
});
