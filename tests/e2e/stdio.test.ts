import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { CREATED, json, startUpstream, type Upstream } from '../helpers/upstream.js';

const KEY = 'sk_live_e2e_SECRET_KEY_987';
const BASIC = Buffer.from(`${KEY}:`).toString('base64');

let up: Upstream | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});
beforeAll(() => assertBuilt());

function spawnRaw(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}

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
      expect(tools.map((t) => t.name)).toEqual([
        'create_user_assignment',
        'list_user_assignments',
        'create_user_completion',
      ]);
      const created = (await client.callTool({
        name: 'create_user_assignment',
        arguments: {
          id: 'emp-1001',
          learning_object_external_reference: 'sec-101',
          due_date: '2026-11-27T17:00:00Z',
          allow_duplicate: true,
        },
      })) as CallToolResult;
      expect(created.isError).toBeFalsy();
      expect(created.structuredContent).toEqual(CREATED);
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

      expect(up.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'POST /unified/lms/users/emp-1001/assignments',
        'GET /unified/lms/users/emp-1001/assignments?filter[status]=pending',
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
    await new Promise((r) => setTimeout(r, 300));
    proc.child.stdin.end();
    const { code } = await proc.exited;
    expect(code).toBe(0);
    const lines = proc.out().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
    expect(proc.err()).not.toContain(KEY);
  });

  test('malformed params get -32602 and what to send; a garbage line is skipped and the next request answered', async () => {
    const proc = spawnRaw({ STACKONE_API_KEY: KEY, STACKONE_BASE_URL: 'http://127.0.0.1:9' });
    const send = (id: number, method: string, params: unknown) =>
      proc.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    proc.child.stdin.write(INIT);
    send(2, 'tools/call', {});
    send(3, 'logging/setLevel', { level: 'loud' });
    proc.child.stdin.write('not json\n');
    send(4, 'tools/list', {});
    const deadline = Date.now() + 5_000;
    while (proc.out().split('\n').filter(Boolean).length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    proc.child.stdin.end();
    await proc.exited;
    const replies = new Map(
      proc
        .out()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .map((m) => [m.id, m]),
    );
    expect(replies.get(2)?.error).toEqual({
      code: -32602,
      message: 'Invalid params: params.name must be the name of a tool from tools/list (a string)',
    });
    expect(replies.get(3)?.error.code).toBe(-32602);
    expect(replies.get(3)?.error.message).toMatch(/params\.level must be one of debug, info/);
    expect(replies.get(4)?.result.tools).toHaveLength(3);
  });

  test('exits promptly on SIGTERM', async () => {
    const proc = spawnRaw({ STACKONE_API_KEY: KEY });
    proc.child.stdin.write(INIT);
    await new Promise((r) => setTimeout(r, 300));
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
    const deadline = Date.now() + 5000;
    while (!proc.out().includes('"id":2') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
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
