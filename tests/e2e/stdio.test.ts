import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv, spawnBin } from '../helpers/bin.js';
import { waitForOutput } from '../helpers/http.js';
import { CREATED, json, ownRequests, startUpstream, type Upstream } from '../helpers/upstream.js';

const KEY = 'sk_live_e2e_SECRET_KEY_987';
const BASIC = Buffer.from(`${KEY}:`).toString('base64');

let up: Upstream | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
beforeAll(() => assertBuilt());

const spawnRaw = spawnBin;

const INIT = `${JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
})}\n`;

describe('the real binary over stdio', () => {
  test('an SDK client lists the tools and calls each against a loopback StackOne; stdout stays JSON-RPC', async () => {
    up = await startUpstream();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN],
      env: childEnv({
        STACKONE_API_KEY: KEY,
        STACKONE_ACCOUNT_ID: 'acct-e2e',
        STACKONE_BASE_URL: up.url,
        STACKONE_LOG_LEVEL: 'debug',
      }),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d) => {
      stderr += d;
    });
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe('stackone-lms-mcp');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
      const created = (await client.callTool({
        name: 'create_user_assignment',
        arguments: {
          id: 'emp-1001',
          learning_object_external_reference: 'sec-101',
          // The bin reads the machine's clock: a due date a week from it, whatever the day.
          due_date: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          allow_duplicate: true,
        },
      })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      expect(created.structuredContent).toEqual({ summary: expect.any(String), ...CREATED });
      up.enqueue(
        json(200, {
          data: [{ id: 'a1', learning_object_external_reference: 'sec-101', status: { value: 'pending' } }],
        }),
      );
      const listed = (await client.callTool({
        name: 'list_user_assignments',
        arguments: { id: 'emp-1001', filter: { status: 'pending' } },
      })) as CallToolResult;
      expect(listed.isError).toBeFalsy();
      up.enqueue(json(200, { data: [] }));
      const completed = (await client.callTool({
        name: 'create_user_completion',
        arguments: { id: 'emp-1001', learning_object_external_reference: 'sec-101', result: { value: 'Pass' } },
      })) as CallToolResult;
      expect(completed.isError).toBeFalsy();
      const bad = (await client.callTool({
        name: 'create_user_assignment',
        arguments: { id: 'emp-1001' },
      })) as CallToolResult;
      expect(bad.isError).toBe(true);

      expect(ownRequests(up).map((r) => `${r.method} ${r.url}`)).toEqual([
        'POST /unified/lms/users/emp-1001/assignments',
        'GET /unified/lms/users/emp-1001/assignments?filter[status]=pending',
        'GET /unified/lms/users/emp-1001/completions?page_size=100',
        'POST /unified/lms/users/emp-1001/completions',
      ]);
      expect(up.requests.every((r) => r.headers['x-account-id'] === 'acct-e2e')).toBe(true);
      // A non-JSON line on stdout would surface here as a parse error.
      expect(errors).toEqual([]);
      const everything = JSON.stringify([created, listed, completed, bad]) + stderr;
      expect(everything).not.toContain(KEY);
      expect(everything).not.toContain(BASIC);
      expect(stderr).toContain('"tool":"create_user_assignment"');
    } finally {
      await client.close();
    }
  });

  test('exits promptly on stdin EOF, with nothing but JSON-RPC on stdout', async () => {
    const proc = spawnRaw({ STACKONE_API_KEY: KEY, STACKONE_BASE_URL: 'http://127.0.0.1:9' });
    proc.child.stdin.write(INIT);
    await waitForOutput(proc.child.stdout, /"id":1/);
    proc.child.stdin.end();
    const { code } = await proc.exited;
    expect(code).toBe(0);
    const lines = proc.out().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
    expect(proc.err()).not.toContain(KEY);
  });

  test('every line gets the answer JSON-RPC prescribes, and never stops the lines after it', async () => {
    const proc = spawnRaw({ STACKONE_API_KEY: KEY, STACKONE_BASE_URL: 'http://127.0.0.1:9' });
    const line = (value: unknown) => proc.child.stdin.write(`${JSON.stringify(value)}\n`);
    const request = (id: number, method: string, params?: unknown) =>
      line({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    proc.child.stdin.write('null\n');
    request(2, 'ping');
    proc.child.stdin.write(INIT);
    proc.child.stdin.write('42\n[]\nnot json\n');
    request(3, 'tools/call', null);
    // 10 MB of garbage on one line: dropped with a parse error, never buffered without bound.
    proc.child.stdin.write(`${'x'.repeat(10 * 1024 * 1024 + 10)}\n`);
    line({ jsonrpc: '2.0', method: 'notifications/cancelled', params: 7 });
    request(4, 'tools/call', { name: 'nope', arguments: {} });
    request(5, 'tools/list', {});
    await waitForOutput(proc.child.stdout, /"id":5/, 10_000);
    proc.child.stdin.end();
    expect((await proc.exited).code).toBe(0);
    const replies = proc
      .out()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const byId = (id: unknown) => replies.filter((r) => r.id === id);
    expect(byId(2)[0]).toMatchObject({ result: {} });
    expect(byId(1)[0].result.protocolVersion).toBe('2025-06-18');
    expect(byId(3)).toEqual([{ jsonrpc: '2.0', id: 3, error: { code: -32600, message: expect.any(String) } }]);
    expect(byId(4)[0].error).toMatchObject({ code: -32602, message: expect.stringMatching(/nope not found/) });
    expect(byId(5)[0].result.tools).toHaveLength(TOOLS.length);
    // null, 42, [] are invalid requests and `not json` / the long line are parse errors, all with id null;
    // the malformed notification gets no answer at all.
    const anonymous = byId(null).map((r) => r.error.code);
    expect(anonymous).toEqual([-32600, -32600, -32600, -32700, -32700]);
    expect(replies).toHaveLength(5 + 5);
  });

  test('on stdin EOF, a call still in flight is answered before the process exits', async () => {
    up = await startUpstream(async (req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      json(200, { data: [] })(req, res);
    });
    const proc = spawnRaw({ STACKONE_API_KEY: KEY, STACKONE_ACCOUNT_ID: 'a', STACKONE_BASE_URL: up.url });
    proc.child.stdin.write(INIT);
    proc.child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_user_assignments', arguments: { id: 'u1' } } })}\n`,
    );
    proc.child.stdin.end();
    expect((await proc.exited).code).toBe(0);
    const answer = proc
      .out()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((m) => m.id === 2);
    expect(answer?.result.content[0].text).toMatch(/No assignments for user u1/);
    expect(up.requests).toHaveLength(1);
  });

  test('exits promptly on SIGTERM', async () => {
    const proc = spawnRaw({ STACKONE_API_KEY: KEY });
    proc.child.stdin.write(INIT);
    await waitForOutput(proc.child.stdout, /"id":1/);
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(0);
  });

  test('without STACKONE_API_KEY it starts, warns on stderr, and tool calls say how to set it', async () => {
    const proc = spawnRaw({});
    proc.child.stdin.write(INIT);
    proc.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    proc.child.stdin.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_user_assignments', arguments: { id: 'u1' } } })}\n`,
    );
    await waitForOutput(proc.child.stdout, /"id":2/);
    proc.child.stdin.end();
    await proc.exited;
    const reply = proc
      .out()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((m) => m.id === 2);
    expect(reply.result.isError).toBe(true);
    expect(reply.result.content[0].text).toMatch(/STACKONE_API_KEY/);
    expect(proc.err()).toMatch(/STACKONE_API_KEY is not set/);
  });

  test('bad configuration refuses to start with the fix on stderr and nothing on stdout', async () => {
    const proc = spawnRaw({ STACKONE_TIMEOUT_MS: 'soon' });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.out()).toBe('');
    expect(proc.err()).toMatch(/STACKONE_TIMEOUT_MS must be a whole number/);
  });

  test('the key is refused as a flag', async () => {
    const proc = spawnRaw({}, ['--api-key', KEY]);
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.err()).toMatch(/STACKONE_API_KEY/);
    expect(proc.err()).not.toContain(KEY);
  });
});
