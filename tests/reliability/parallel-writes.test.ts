/**
 * Two identical creates at the same moment, as a model's parallel tool calls make them, against a StackOne that
 * takes 500 ms to write: one record, and the second call names it. Over stdio (the real binary, one client, two calls
 * in flight) and over HTTP (two clients), for assignments and completions, with and without if_not_exists.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { LockWaitError, MemoryLocks } from '../../src/locks.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { frozenClock } from '../helpers/clock.js';
import { type HttpServerUnderTest, httpClient, startHttp } from '../helpers/http.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { expectOneRecord, statefulStackOne, WRITE_MS } from '../helpers/writes.js';

const KEY = 'sk_parallel_writes_0001';
const ACCOUNT = 'acct-par';

const CASES = [
  ['create_user_assignment', { learning_object_external_reference: 'sec-101' }, 'assignments'],
  ['create_user_assignment', { learning_object_external_reference: 'sec-101', if_not_exists: true }, 'assignments'],
  [
    'create_user_completion',
    { learning_object_external_reference: 'sec-101', result: { value: 'Pass' } },
    'completions',
  ],
] as const;

let up: Upstream | undefined;
let srv: HttpServerUnderTest | undefined;
afterEach(async () => {
  await srv?.close();
  await up?.close();
  srv = undefined;
  up = undefined;
});
beforeAll(() => assertBuilt());

describe.each(CASES)('two identical %s calls at once (%j)', (tool, args, kind) => {
  test('over stdio: one client, two calls in flight against the real binary', async () => {
    const fake = statefulStackOne();
    up = await startUpstream(fake.respond);
    const client = new Client({ name: 'parallel', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN],
        env: childEnv({ STACKONE_API_KEY: KEY, STACKONE_ACCOUNT_ID: ACCOUNT, STACKONE_BASE_URL: up.url }),
        stderr: 'pipe',
      }),
    );
    try {
      const call = () =>
        client.callTool({ name: tool, arguments: { id: 'emp-1', ...args } }) as Promise<CallToolResult>;
      expectOneRecord(await Promise.all([call(), call()]), fake.stored[kind]);
      expect(up.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  test('over HTTP: two clients', async () => {
    // The server and the fake share a clock: a completion's day is what makes a second one a repeat.
    const now = frozenClock();
    const fake = statefulStackOne(now);
    up = await startUpstream(fake.respond);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: ACCOUNT, now });
    const [a, b] = await Promise.all([httpClient(srv.url), httpClient(srv.url)]);
    try {
      const results = (await Promise.all(
        [a, b].map((c) => c.call(tool, { id: 'emp-1', ...args })),
      )) as CallToolResult[];
      expectOneRecord(results, fake.stored[kind]);
    } finally {
      await a?.client.close();
      await b?.client.close();
    }
  });
});

test('different people, or different learning objects, are not held up by each other', async () => {
  const fake = statefulStackOne();
  up = await startUpstream(fake.respond);
  srv = await startHttp(up.url, { apiKey: KEY, accountId: ACCOUNT });
  const c = await httpClient(srv.url);
  try {
    const started = Date.now();
    await Promise.all([
      c.call('create_user_assignment', { id: 'emp-1', learning_object_external_reference: 'sec-101' }),
      c.call('create_user_assignment', { id: 'emp-2', learning_object_external_reference: 'sec-101' }),
      c.call('create_user_assignment', { id: 'emp-1', learning_object_external_reference: 'gdpr-1' }),
    ]);
    expect(fake.stored.assignments).toHaveLength(3);
    // One write's time, not three in a row.
    expect(Date.now() - started).toBeLessThan(3 * WRITE_MS);
  } finally {
    await c.client.close();
  }
});

describe('MemoryLocks', () => {
  const signal = () => new AbortController().signal;

  test('holders of one key run in arrival order, one at a time; a failure releases the next', async () => {
    const locks = new MemoryLocks();
    const order: string[] = [];
    let running = 0;
    const job = (name: string, fail = false) =>
      locks.withLock('k', { waitMs: 5_000, signal: signal() }, async () => {
        running++;
        expect(running).toBe(1);
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 10));
        order.push(`${name}-`);
        running--;
        if (fail) throw new Error(name);
      });
    const results = await Promise.allSettled([job('a'), job('b', true), job('c')]);
    expect(order).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(locks.held).toBe(0);
  });

  test('a waiter gives up after waitMs, or when its call is cancelled, having run nothing; the holder is unaffected', async () => {
    const locks = new MemoryLocks();
    let finish: () => void = () => {};
    const holder = locks.withLock(
      'k',
      { waitMs: 1_000, signal: signal() },
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    let ran = false;
    const late = locks.withLock('k', { waitMs: 20, signal: signal() }, async () => {
      ran = true;
    });
    await expect(late).rejects.toBeInstanceOf(LockWaitError);
    const cancel = new AbortController();
    const cancelled = locks.withLock('k', { waitMs: 1_000, signal: cancel.signal }, async () => {
      ran = true;
    });
    cancel.abort(new Error('cancelled'));
    await expect(cancelled).rejects.toThrow('cancelled');
    // The next real holder still waits for the first, though every waiter between them gave up.
    let nextRan = false;
    const next = locks.withLock('k', { waitMs: 1_000, signal: signal() }, async () => {
      nextRan = true;
      return 'next';
    });
    await new Promise(setImmediate);
    expect(nextRan).toBe(false);
    finish();
    await holder;
    await expect(next).resolves.toBe('next');
    expect(ran).toBe(false);
    await new Promise(setImmediate);
    expect(locks.held).toBe(0);
  });

  test('a call cancelled before it asks runs nothing, even with nobody ahead of it', async () => {
    const locks = new MemoryLocks();
    const cancel = new AbortController();
    cancel.abort(new Error('cancelled'));
    let ran = false;
    const late = locks.withLock('k', { waitMs: 1_000, signal: cancel.signal }, async () => {
      ran = true;
    });
    await expect(late).rejects.toThrow('cancelled');
    expect(ran).toBe(false);
    expect(locks.held).toBe(0);
    await expect(locks.withLock('k', { waitMs: 1_000, signal: signal() }, async () => 'next')).resolves.toBe('next');
  });
});
