import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { json, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { textOf, type Wired, wire } from '../helpers/wire.js';

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
    const reads = ['find_users', 'find_learning_objects', 'list_user_assignments'];
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
      /Unknown tool in STACKONE_TOOLS \(--tools\): delete_everything\. Valid tools: find_users, find_learning_objects, create_user_assignment, list_user_assignments, create_user_completion/,
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
    const hidden = await w.call('create_user_assignment', { id: 'u1', learning_object_external_reference: 'x' });
    expect(hidden.isError).toBe(true);
    expect(up.requests).toHaveLength(0);
  });
});

// Both ways a call can reach the tools: our transports' fast path, and the SDK's handlers (HTTP progress streams).
describe.each(['fast', 'sdk'] as const)('MCP logging (%s path)', (path) => {
  test('retries are logged to the client as warnings; logging/setLevel is honoured', async () => {
    up = await startUpstream(json(200, { data: [] }));
    w = await wire(up.url, { path });
    expect(w.client.getServerCapabilities()?.logging).toBeDefined();
    const messages: Array<{ level: string; data: unknown }> = [];
    w.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      messages.push({ level: n.params.level, data: n.params.data });
    });
    up.enqueue(stackoneError(429, 'Too many requests', {}, { 'retry-after': '0' }));
    await w.call('list_user_assignments', { id: 'u1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      level: 'warning',
      data: expect.stringMatching(/HTTP 429; retrying in 0\.0 s \(attempt 2 of 3\)/),
    });

    await w.client.setLoggingLevel('error');
    up.enqueue(stackoneError(429, 'Too many requests', {}, { 'retry-after': '0' }));
    await w.call('list_user_assignments', { id: 'u1' });
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toHaveLength(1);
  });
});

describe.each(['fast', 'sdk'] as const)('walking pages for the agent (%s path)', (path) => {
  test('max_pages follows next, reports progress after each page, and says how many pages it read', async () => {
    sandbox = await startCheckedSandbox();
    w = await wireSandbox(sandbox, undefined, path);
    const progress: Progress[] = [];
    const result = (await w.client.callTool(
      { name: 'list_user_assignments', arguments: { id: 'emp-1099', page_size: 20, max_pages: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    )) as Awaited<ReturnType<Wired['call']>>;
    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as { data: unknown[]; next: string | null };
    expect(page.data).toHaveLength(60);
    expect(page.next).toBeTruthy();
    expect(progress.map((p) => [p.progress, p.total])).toEqual([
      [1, 3],
      [2, 3],
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
    w = await wire(up.url, { path });
    const result = await w.call('list_user_assignments', { id: 'u1', max_pages: 10 });
    expect(result.isError).toBeFalsy();
    expect(up.requests).toHaveLength(2);
    expect(textOf(result)).toMatch(
      /Stopped after 2 of up to 10 pages: the result reached this server's size budget\. Narrow the query \(filter\.status, filter\.updated_after, fields\)/,
    );
    expect(textOf(result)).toMatch(/\(100 more in the JSON below\.\)/);
    expect((result.structuredContent as { next: string }).next).toBe('c3');
  });

  test('a cancelled walk stops asking for pages', async () => {
    let served = 0;
    up = await startUpstream(async (_req, res) => {
      served++;
      await new Promise((r) => setTimeout(r, 150));
      json(200, { data: [{ id: `a${served}` }], next: `c${served}` })(_req, res);
    });
    w = await wire(up.url, { path });
    const controller = new AbortController();
    const pending = w.call('list_user_assignments', { id: 'u1', max_pages: 10 }, { signal: controller.signal });
    await up.waitForRequests(2);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 500));
    expect(up.requests.length).toBeLessThanOrEqual(3);
  });
});
