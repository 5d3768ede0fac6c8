/**
 * The built binary with MCP_CACHE_URL, over stdio: the store killed (-9) under it mid-run leaves it answering (the
 * client library throws on a lost connection unless the process listens for it), stdout carries only JSON-RPC, the
 * log says so once without the URL; and with the store down from the start it answers, then exits on stdin EOF
 * instead of staying alive for the reconnect timer. A bad MCP_CACHE_URL stops it at start without repeating the URL.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, spawnBin } from '../helpers/bin.js';
import { fakeDirectory, people } from '../helpers/directory.js';
import { freePort, waitForOutput } from '../helpers/http.js';
import { startRedis } from '../helpers/redis.js';
import { startUpstream } from '../helpers/upstream.js';

const KEY = 'sk_cache_bin_0123456789';
const ACCOUNT = 'acct-cache';
const PASSWORD = 'bin-cache-pass';
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
beforeAll(() => assertBuilt());

async function upstream() {
  const fake = fakeDirectory({ [`${KEY} ${ACCOUNT}`]: { users: people(150), courses: [], content: [] } });
  const up = await startUpstream(fake.responder);
  cleanup.push(() => up.close());
  return up;
}

function serve(env: Record<string, string>) {
  const { child, exited, out, err } = spawnBin(env);
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  let id = 1;
  const send = (method: string, params: unknown) => {
    const n = ++id;
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: n, method, params })}\n`);
    return n;
  };
  /** A tools/call, answered: its result as the server sent it. */
  const call = async (name: string, args: Record<string, unknown>) => {
    const n = send('tools/call', { name, arguments: args });
    await waitForOutput(child.stdout, new RegExp(`"id":${n}[,}]`), 10_000).catch(() => undefined);
    const reply = replies().find((r) => r.id === n);
    expect(reply, `no reply to ${name}: ${err()}`).toBeDefined();
    return reply?.result as { isError?: boolean; structuredContent?: unknown };
  };
  const replies = () =>
    out()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: unknown });
  child.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } })}\n`,
  );
  /** Resolves once stderr holds a line matching `pattern`, whether it came before the call or after. */
  const logged = (pattern: RegExp) =>
    pattern.test(err()) ? Promise.resolve(err()) : waitForOutput(child.stderr, pattern, 10_000);
  return { child, exited, call, replies, logged, err };
}

describe('the binary with a shared store', () => {
  test('the store killed (-9) mid-run: the process keeps answering, logs it once, and never the URL', async () => {
    const up = await upstream();
    const redis = await startRedis({ password: PASSWORD });
    cleanup.push(() => redis.close());
    const bin = serve({
      STACKONE_API_KEY: KEY,
      STACKONE_ACCOUNT_ID: ACCOUNT,
      STACKONE_BASE_URL: up.url,
      MCP_CACHE_URL: redis.url,
      STACKONE_LOG_LEVEL: 'debug',
    });
    await bin.logged(/shared cache \(MCP_CACHE_URL\) connected/);
    expect((await bin.call('find_users', { query: 'dana' })).isError).toBeFalsy();
    await redis.kill();
    await bin.logged(/unavailable: this replica uses its own memory/);
    expect((await bin.call('find_users', { query: 'zoe' })).isError).toBeFalsy();
    expect((await bin.call('find_learning_objects', { query: 'gdpr' })).isError).toBeFalsy();
    expect(bin.child.exitCode).toBeNull();
    await redis.restart();
    await bin.logged(/is back: sharing again/);
    expect((await bin.call('find_users', { query: 'dana' })).isError).toBeFalsy();
    bin.child.stdin.end();
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    for (const reply of bin.replies()) expect(reply.jsonrpc).toBe('2.0');
    const logged = bin.err();
    expect(logged.match(/"level":"(warn|error)"/g)).toHaveLength(1);
    // A reason an operator can read, from the bundle too (which renames the client's error classes).
    expect(logged).toMatch(
      /"reason":"(ECONNRESET|ECONNREFUSED|EPIPE|SocketClosedUnexpectedly|SocketTimeout|CommandTimeout)"/,
    );
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(`:${redis.port}`);
    expect(logged).not.toContain('uncaught');
  });

  test('the store down from the start: the process answers, then exits on stdin EOF', async () => {
    const up = await upstream();
    const port = await freePort();
    const bin = serve({
      STACKONE_API_KEY: KEY,
      STACKONE_ACCOUNT_ID: ACCOUNT,
      STACKONE_BASE_URL: up.url,
      MCP_CACHE_URL: `rediss://user:${PASSWORD}@127.0.0.1:${port}/2`,
    });
    expect((await bin.call('find_users', { query: 'dana' })).isError).toBeFalsy();
    await bin.logged(/unreachable at start/);
    bin.child.stdin.end();
    expect(await bin.exited).toEqual({ code: 0, signal: null });
    expect(bin.err()).not.toContain(PASSWORD);
  });

  test('a URL that is not redis:// or rediss:// stops it at start, naming the variable, not the URL', async () => {
    const bin = serve({ STACKONE_API_KEY: KEY, MCP_CACHE_URL: `http://admin:${PASSWORD}@cache:6379` });
    expect((await bin.exited).code).toBe(2);
    expect(bin.err()).toMatch(/MCP_CACHE_URL must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(bin.err()).not.toContain(PASSWORD);
  });
});
