import { spawn } from 'node:child_process';
import type { Progress } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { json, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { type Era, textOf, type Wired, type WirePath, wire } from '../helpers/wire.js';

let up: Upstream | undefined;
let w: Wired | undefined;
let sandbox: CheckedSandbox | undefined;
afterEach(async () => {
  await w?.close();
  await up?.close();
  sandbox?.assertContract();
  await sandbox?.close();
  w = undefined;
  up = undefined;
  sandbox = undefined;
});

async function binTools(args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], env: childEnv(env) });
  const client = new Client({ name: 'controls', version: '1' });
  await client.connect(transport);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

async function startFails(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise((r) => child.on('exit', r));
  return { code, stderr };
}

describe('operator controls', () => {
  test('--read-only and STACKONE_READ_ONLY register only the reads: both lookups and the list', async () => {
    assertBuilt();
    const reads = TOOLS.filter((t) => t.access === 'read').map((t) => t.name);
    expect(reads).toContain('find_users');
    expect(reads).not.toContain('create_user_assignment');
    expect(await binTools(['--read-only'])).toEqual(reads);
    expect(await binTools([], { STACKONE_READ_ONLY: '1' })).toEqual(reads);
    expect(await binTools(['--read-only', '--tools', 'find_users'])).toEqual(['find_users']);
  });

  test('--tools and STACKONE_TOOLS register only the named tools; an unknown name fails at start', async () => {
    assertBuilt();
    expect(await binTools(['--tools', 'create_user_completion,list_user_assignments'])).toEqual([
      'list_user_assignments',
      'create_user_completion',
    ]);
    expect(await binTools([], { STACKONE_TOOLS: 'create_user_assignment' })).toEqual(['create_user_assignment']);
    expect(await binTools(['--tools', 'find_learning_objects,create_user_assignment'])).toEqual([
      'find_learning_objects',
      'create_user_assignment',
    ]);
    const bad = await startFails(['--tools', 'list_user_assignments,delete_everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      `Unknown tool in --tools: delete_everything. Valid tools: ${TOOLS.map((t) => t.name).join(', ')}.`,
    );
    const conflict = await startFails(['--read-only', '--tools', 'create_user_assignment']);
    expect(conflict.code).toBe(2);
  });

  test('STACKONE_ALLOWED_ACCOUNT_IDS: any other account is refused before it reaches StackOne', async () => {
    up = await startUpstream(json(200, { data: [] }));
    w = await wire(up.url, { deps: { allowedAccountIds: ['acct-42', 'acct-43'] } });
    expect((await w.call('list_user_assignments', { id: 'u1' })).isError).toBeFalsy();
    expect((await w.call('list_user_assignments', { id: 'u1', account_id: 'acct-43' })).isError).toBeFalsy();
    const refused = await w.call('create_user_assignment', {
      id: 'u1',
      account_id: 'acct-99',
      learning_object_external_reference: 'x',
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /Account "acct-99" is not allowed on this server \(STACKONE_ALLOWED_ACCOUNT_IDS: acct-42, acct-43\)/,
    );
    expect(up.requests.map((r) => r.headers['x-account-id'])).toEqual(['acct-42', 'acct-43']);
    const bad = await startFails([], { STACKONE_ACCOUNT_ID: 'acct-1', STACKONE_ALLOWED_ACCOUNT_IDS: 'acct-2' });
    expect(bad.stderr).toMatch(/not in STACKONE_ALLOWED_ACCOUNT_IDS/);
  });

  test('the registry keeps the order and subset asked for', async () => {
    up = await startUpstream();
    w = await wire(up.url, { deps: { tools: TOOLS.filter((t) => t.name === 'list_user_assignments') } });
    expect((await w.client.listTools()).tools.map((t) => t.name)).toEqual(['list_user_assignments']);
    // A tool the server does not offer is a protocol error (-32602), as the specification lists it.
    await expect(
      w.call('create_user_assignment', { id: 'u1', learning_object_external_reference: 'x' }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/create_user_assignment not found/) });
    expect(up.requests).toHaveLength(0);
  });
});

/** Every way a call reaches the tools: both transports, both protocol eras. */
const WIRINGS: Array<[WirePath, Era]> = [
  ['stdio', 'legacy'],
  ['stdio', 'modern'],
  ['http', 'legacy'],
  ['http', 'modern'],
];

describe.each(WIRINGS)('MCP logging (%s, %s era)', (path, era) => {
  test('retries are logged to the client as warnings, filtered by the level the client asked for', async () => {
    up = await startUpstream(json(200, { data: [] }));
    w = await wire(up.url, { path, era });
    const messages: Array<{ level: string; data: unknown }> = [];
    w.client.setNotificationHandler('notifications/message', (n) => {
      messages.push({ level: n.params.level, data: n.params.data });
    });
    // 2025 era: the connection's logging/setLevel; 2026-07-28: the level travels in each request's _meta.
    const at = async (level: 'info' | 'error') => {
      if (era === 'legacy') await w?.client.setLoggingLevel(level);
      up?.enqueue(stackoneError(429, 'Too many requests', {}, { 'retry-after': '0' }));
      const meta = era === 'modern' ? { _meta: { [LOG_LEVEL_META_KEY]: level } } : {};
      // A notification travels before its request's result on the same stream, so it has arrived by now.
      await w?.client.callTool({ name: 'list_user_assignments', arguments: { id: 'u1' }, ...meta });
    };
    await at('info');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      level: 'warning',
      data: expect.stringMatching(/HTTP 429; retrying in 0\.0 s \(attempt 2 of 3\)/),
    });
    // Over stateless 2025-era HTTP each request gets a fresh server, so a logging/setLevel reaches only itself.
    if (path === 'http' && era === 'legacy') return;
    await at('error');
    expect(messages).toHaveLength(1);
  });
});

describe.each(WIRINGS)('walking pages for the agent (%s, %s era)', (path, era) => {
  test('max_pages follows next, reports progress after each page, and says how many pages it read', async () => {
    sandbox = await startCheckedSandbox();
    w = await wireSandbox(sandbox, undefined, path, era);
    const progress: Progress[] = [];
    const result = await w.client.callTool(
      { name: 'list_user_assignments', arguments: { id: 'emp-1099', page_size: 20, max_pages: 3 } },
      { onprogress: (p) => progress.push(p) },
    );
    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as { data: unknown[]; next: string | null };
    expect(page.data).toHaveLength(60);
    expect(page.next).toBeTruthy();
    // max_pages is a cap, not a total: the total comes with the page that ends the walk.
    expect(progress.map((p) => [p.progress, p.total])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 3],
    ]);
    expect(textOf(result)).toMatch(/^60 assignments for user emp-1099 across 3 pages:/);
    expect(textOf(result)).toMatch(/Read 3 pages \(the max_pages asked for\); more remain\./);
    expect(textOf(result)).toContain(`next: "${page.next}"`);

    const rest = await w.call('list_user_assignments', {
      id: 'emp-1099',
      page_size: 20,
      max_pages: 10,
      next: page.next,
    });
    const tail = rest.structuredContent as { data: unknown[]; next: string | null };
    expect(tail.data).toHaveLength(5);
    expect(tail.next).toBeNull();
    expect(textOf(rest)).not.toMatch(/more remain/);
  });

  test('a walk that ends before max_pages says its real total with its last page, not max_pages', async () => {
    sandbox = await startCheckedSandbox();
    w = await wireSandbox(sandbox, undefined, path, era);
    const progress: Progress[] = [];
    const result = await w.client.callTool(
      { name: 'list_user_assignments', arguments: { id: 'emp-1099', page_size: 50, max_pages: 10 } },
      { onprogress: (p) => progress.push(p) },
    );
    expect((result.structuredContent as { data: unknown[] }).data).toHaveLength(65);
    expect(progress.map((p) => [p.progress, p.total])).toEqual([
      [1, undefined],
      [2, 2],
    ]);
    expect(progress[1]?.message).toBe('Read page 2 of up to 10 (65 assignments)');
  });

  test('max_pages stops at the size budget and says how to narrow the query', async () => {
    const big = (next: string | null) =>
      json(200, {
        data: Array.from({ length: 100 }, (_, i) => ({
          id: `a${i}`,
          learning_object_external_reference: `course-${i}`,
          status: { value: 'pending' },
          unified_custom_fields: { notes: 'x'.repeat(1500) },
        })),
        next,
      });
    up = await startUpstream(big(null));
    up.enqueue(big('c2'), big('c3'), big('c4'));
    w = await wire(up.url, { path, era });
    const result = await w.call('list_user_assignments', { id: 'u1', max_pages: 10 });
    expect(result.isError).toBeFalsy();
    // Assignment pages only: the titles are joined from the course and content lists, read once and cached.
    expect(up.requests.filter((r) => r.path.endsWith('/assignments'))).toHaveLength(2);
    expect(textOf(result)).toMatch(
      /Stopped after 2 of up to 10 pages: the result reached this server's size budget\. Narrow the query \(filter\.status, filter\.updated_after, fields\)/,
    );
    expect(textOf(result)).toMatch(/\(100 more in the JSON below\.\)/);
    expect((result.structuredContent as { next: string }).next).toBe('c3');
  });
});

// 2025-era HTTP is stateless: notifications/cancelled arrives in a POST of its own, at a server that is not running
// the call. There a client stops a call by closing its request instead (tests/e2e/http.test.ts).
describe.each(WIRINGS.filter(([path, era]) => !(path === 'http' && era === 'legacy')))(
  'cancelling a walk (%s, %s era)',
  (path, era) => {
    test('a cancelled walk stops asking for pages', async () => {
      let served = 0;
      up = await startUpstream(async (_req, res) => {
        served++;
        await new Promise((r) => setTimeout(r, 150));
        json(200, { data: [{ id: `a${served}` }], next: `c${served}` })(_req, res);
      });
      w = await wire(up.url, { path, era });
      const controller = new AbortController();
      const pending = w.call('list_user_assignments', { id: 'u1', max_pages: 10 }, { signal: controller.signal });
      await up.waitForRequests(2);
      controller.abort();
      await expect(pending).rejects.toThrow();
      // The abort reaches the wire: the page request in flight is dropped, and no further page is asked for.
      await up.waitForSocketsClosed(1);
      expect(up.requests.length).toBeLessThanOrEqual(3);
    });
  },
);
