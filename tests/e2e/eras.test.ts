/**
 * Both protocol generations through the SDK v2 client, on the real binary over stdio and on the HTTP transport over a
 * real socket: pinned 2026-07-28 (server/discover, per-request _meta), the 2025 handshake, and auto negotiation.
 * Every tool is called in each; the raw 2026 wire is checked where the client hides it (cache hints, headers).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { type HttpServerUnderTest, raw, rpcOf, startHttp } from '../helpers/http.js';
import { CREATED, json, ownRequests, startUpstream, type Upstream } from '../helpers/upstream.js';

const KEY = 'sk_eras_SECRET_0042';
const MODES = {
  'pinned 2026-07-28': { mode: { pin: '2026-07-28' as const }, era: 'modern' },
  'legacy 2025-11-25': { mode: 'legacy' as const, era: 'legacy' },
  auto: { mode: 'auto' as const, era: 'modern' },
};
const LIST = json(200, {
  data: [{ id: 'a1', learning_object_external_reference: 'sec-101', status: { value: 'pending' } }],
});

let up: Upstream | undefined;
let srv: HttpServerUnderTest | undefined;
let client: Client | undefined;
beforeAll(() => assertBuilt());
afterEach(async () => {
  await client?.close();
  await srv?.close();
  await up?.close();
  client = undefined;
  srv = undefined;
  up = undefined;
});

/** Lists the tools and calls each one, as a chat would: assign, list, record a completion. */
async function callEveryTool(c: Client, upstream: Upstream): Promise<void> {
  const { tools } = await c.listTools();
  expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
  // The duplicate check before a create finds no open assignment of it.
  upstream.enqueue(json(200, { data: [] }));
  const assigned = await c.callTool({
    name: 'create_user_assignment',
    arguments: { id: 'emp-1', learning_object_external_reference: 'sec-101' },
  });
  expect(assigned.isError).toBeFalsy();
  expect(assigned.structuredContent).toEqual({ summary: expect.any(String), ...CREATED });
  upstream.enqueue(LIST);
  const listed = await c.callTool({ name: 'list_user_assignments', arguments: { id: 'emp-1' } });
  expect(listed.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/1 assignment for user emp-1/) });
  upstream.enqueue(json(200, { data: [] }));
  const done = await c.callTool({
    name: 'create_user_completion',
    arguments: { id: 'emp-1', learning_object_external_reference: 'sec-101', result: { value: 'Pass' } },
  });
  expect(done.isError).toBeFalsy();
  expect(ownRequests(upstream).map((r) => `${r.method} ${r.path}`)).toEqual([
    'GET /unified/lms/users/emp-1/assignments',
    'POST /unified/lms/users/emp-1/assignments',
    'GET /unified/lms/users/emp-1/assignments',
    'GET /unified/lms/users/emp-1/completions',
    'POST /unified/lms/users/emp-1/completions',
  ]);
  // An unknown tool is a protocol error in every era, not a tool result.
  await expect(c.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({ code: -32602 });
}

describe.each(Object.entries(MODES))('SDK v2 client, %s', (_label, { mode, era }) => {
  test('over stdio against the real binary: every tool', async () => {
    up = await startUpstream();
    client = new Client({ name: 'eras', version: '1' }, { versionNegotiation: { mode } });
    const errors: Error[] = [];
    client.onerror = (e) => errors.push(e);
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [BIN],
        env: childEnv({ STACKONE_API_KEY: KEY, STACKONE_ACCOUNT_ID: 'acct', STACKONE_BASE_URL: up.url }),
        stderr: 'pipe',
      }),
    );
    expect(client.getProtocolEra()).toBe(era);
    await callEveryTool(client, up);
    expect(errors).toEqual([]);
  });

  test('over HTTP: every tool', async () => {
    up = await startUpstream();
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'acct' });
    client = new Client({ name: 'eras', version: '1' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    expect(client.getProtocolEra()).toBe(era);
    await callEveryTool(client, up);
    expect(srv.logs.join('')).not.toContain(KEY);
  });
});

describe('a call cut off by the HTTP time limit, in each era', () => {
  test.each(Object.entries(MODES))(
    '%s: a tool result the client accepts, with what to do',
    async (_label, { mode }) => {
      up = await startUpstream(() => new Promise<void>(() => {}));
      srv = await startHttp(up.url, { apiKey: KEY, accountId: 'acct', requestTimeoutMs: 400 });
      client = new Client({ name: 'eras', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
      const result = await client.callTool({ name: 'list_user_assignments', arguments: { id: 'u1' } });
      expect(result.isError).toBe(true);
      expect(result.content[0]).toMatchObject({ text: expect.stringMatching(/after 400 ms .*Nothing was changed/) });
    },
  );
});

describe('the 2026-07-28 wire over HTTP', () => {
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const modern = (method: string, params: Record<string, unknown> = {}, id = 1) =>
    JSON.stringify({ jsonrpc: '2.0', id, method, params: { ...params, _meta: envelope } });
  const headers = (method: string, name?: string) => ({
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(name ? { 'mcp-name': name } : {}),
  });

  test('server/discover and tools/list carry cache hints; tools come in registry order', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'acct' });
    const discover = rpcOf(
      await raw(srv.url, { body: modern('server/discover'), headers: headers('server/discover') }),
    );
    expect(discover.result).toMatchObject({ supportedVersions: ['2026-07-28'], ttlMs: 300_000, cacheScope: 'private' });
    const listed = rpcOf(await raw(srv.url, { body: modern('tools/list', {}, 2), headers: headers('tools/list') }));
    expect(listed).toMatchObject({ id: 2, result: { ttlMs: 300_000, cacheScope: 'private' } });
    expect(listed.result.tools.map((t: { name: string }) => t.name)).toEqual(TOOLS.map((t) => t.name));
  });

  test('Mcp-Method and Mcp-Name must agree with the body, and be present, as the specification says', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'acct' });
    const call = modern('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } }, 7);
    const ok = await raw(srv.url, { body: call, headers: headers('tools/call', 'list_user_assignments') });
    expect(rpcOf(ok)).toMatchObject({ id: 7, result: { content: expect.any(Array) } });
    expect(rpcOf(ok).result.isError).toBeFalsy();
    const wrongName = await raw(srv.url, { body: call, headers: headers('tools/call', 'create_user_assignment') });
    expect(wrongName.status).toBe(400);
    expect(rpcOf(wrongName)).toMatchObject({ id: 7, error: { code: -32020 } });
    const wrongMethod = await raw(srv.url, { body: call, headers: headers('tools/list', 'list_user_assignments') });
    expect(wrongMethod.status).toBe(400);
    expect(rpcOf(wrongMethod).error?.code).toBe(-32020);
    const missing = await raw(srv.url, { body: call, headers: { 'mcp-protocol-version': '2026-07-28' } });
    expect(missing.status).toBe(400);
    expect(ownRequests(up)).toHaveLength(1);
  });
});
