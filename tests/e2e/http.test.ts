import { spawn } from 'node:child_process';
import {
  Client,
  type OAuthClientProvider,
  StreamableHTTPClientTransport as V2HttpTransport,
} from '@modelcontextprotocol/client';
import type { OAuthClientProvider as V1OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { type HttpServerUnderTest, httpClient, raw, rpc, rpcOf, startHttp, waitForOutput } from '../helpers/http.js';
import { CREATED, json, ownRequests, startUpstream, type Upstream } from '../helpers/upstream.js';

const KEY = 'sk_env_key_HTTP_0001';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const LIST = json(200, {
  data: [{ id: 'a1', learning_object_external_reference: 'sec-101', status: { value: 'pending' } }],
});

let up: Upstream | undefined;
let srv: HttpServerUnderTest | undefined;
afterEach(async () => {
  await srv?.close();
  await up?.close();
  srv = undefined;
  up = undefined;
});

describe('Streamable HTTP', () => {
  test('every tool over HTTP with the SDK client', async () => {
    up = await startUpstream();
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'acct-env' });
    const c = await httpClient(srv.url);
    try {
      const { tools } = await c.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
      const created = await c.call('create_user_assignment', {
        id: 'emp-1',
        learning_object_external_reference: 'sec-101',
        allow_duplicate: true,
      });
      expect(created.structuredContent).toEqual({ summary: expect.any(String), ...CREATED });
      up.enqueue(LIST);
      const listed = await c.call('list_user_assignments', { id: 'emp-1' });
      expect(listed.isError).toBeFalsy();
      // The duplicate check before a completion finds none of it recorded today.
      up.enqueue(json(200, { data: [] }));
      const done = await c.call('create_user_completion', {
        id: 'emp-1',
        learning_object_external_reference: 'sec-101',
        result: { value: 'Pass' },
      });
      expect(done.isError).toBeFalsy();
      expect(ownRequests(up).map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /unified/lms/users/emp-1/assignments',
        'GET /unified/lms/users/emp-1/assignments',
        'GET /unified/lms/users/emp-1/completions',
        'POST /unified/lms/users/emp-1/completions',
      ]);
      expect(up.requests.every((r) => r.headers.authorization === basic(KEY))).toBe(true);
    } finally {
      await c.close();
    }
    const access = srv.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.tool);
    expect(access.map((l) => l.tool)).toEqual([
      'create_user_assignment',
      'list_user_assignments',
      'create_user_completion',
    ]);
    for (const l of access)
      expect(l).toMatchObject({ method: 'POST', path: '/mcp', status: 200, ms: expect.any(Number) });
    expect(srv.logs.join('')).not.toContain(KEY);
  });

  test('a tools/call to a server that never saw initialize still answers (stateless 2025-era serving)', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a' });
    const reply = await raw(srv.url, {
      body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } }),
    });
    expect(reply.status).toBe(200);
    const body = rpcOf(reply);
    expect(body.id).toBe(1);
    expect(body.result.isError).toBeFalsy();
    expect(body.result.content[0].text).toMatch(/1 assignment for user u1/);
  });

  test('protocol errors as the specification lists them, each with the request id', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a' });
    const listed = rpcOf(await raw(srv.url, { body: rpc('tools/list', {}, 9) }));
    expect(listed.id).toBe(9);
    expect(listed.result.tools).toHaveLength(TOOLS.length);
    // An unknown tool is a JSON-RPC error -32602, not a tool result.
    const unknown = rpcOf(await raw(srv.url, { body: rpc('tools/call', { name: 'nope', arguments: {} }, 3) }));
    expect(unknown).toMatchObject({ id: 3, error: { code: -32602, message: expect.stringMatching(/nope not found/) } });
    // Arguments that do not fit are a tool result the model can correct.
    const invalid = rpcOf(
      await raw(srv.url, { body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 5 } }) }),
    );
    expect(invalid.result.isError).toBe(true);
    expect(invalid.result.content[0].text).toMatch(/Invalid arguments for tool list_user_assignments/);
    // Valid JSON that is not a valid request: -32600; not JSON: -32700.
    const notRpc = await raw(srv.url, {
      body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: 3 }),
    });
    expect(notRpc.status).toBe(400);
    expect(rpcOf(notRpc)).toMatchObject({ id: 4, error: { code: -32600 } });
    const noName = rpcOf(await raw(srv.url, { body: rpc('tools/call', {}, 5) }));
    expect(noName).toMatchObject({ id: 5, error: { code: -32602 } });
    const bad = await raw(srv.url, { body: '{"jsonrpc":' });
    expect(bad.status).toBe(400);
    expect(rpcOf(bad).error?.code).toBe(-32700);
    expect(up.requests).toHaveLength(0);
  });

  test("the SDK transport's own answers for requests sent the wrong way", async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a' });
    const body = rpc('tools/list', {});
    // tools/list and initialize are refused alike when the client will not take both JSON and SSE.
    for (const accept of ['application/json', 'text/html']) {
      expect((await raw(srv.url, { body, headers: { accept } })).status).toBe(406);
      const init = rpc('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      });
      expect((await raw(srv.url, { body: init, headers: { accept } })).status).toBe(406);
    }
    expect((await raw(srv.url, { body, headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    const oldVersion = await raw(srv.url, { body, headers: { 'mcp-protocol-version': '1999-01-01' } });
    expect(oldVersion.status).toBe(400);
    expect(rpcOf(oldVersion).error?.message).toMatch(/Unsupported protocol version/);
    expect(up.requests).toHaveLength(0);
  });

  test('a client that goes away mid-call closes the upstream request', async () => {
    up = await startUpstream(() => new Promise<void>(() => {}));
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a' });
    const target = new URL(srv.url);
    const { request } = await import('node:http');
    const req = request({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: '/mcp',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    });
    req.on('error', () => {});
    req.end(rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } }));
    await up.waitForRequests(1);
    req.destroy();
    // Well inside the 5 s upstream timeout: it is the client going away that closes it.
    await up.waitForSocketsClosed(1, 1_000);
    expect(up.requests).toHaveLength(1);
    // A client going away is an ordinary event: one access line at info, marked aborted; no error logged.
    await srv.handle.shutdown(1_000);
    const lines = srv.logs.map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.find((l) => l.msg === 'http' && l.rpc === 'tools/call')).toMatchObject({
      level: 'info',
      aborted: true,
    });
  });

  test('a call cut off by the per-request limit answers a tool result: a create says to check before retrying', async () => {
    up = await startUpstream(() => new Promise<void>(() => {}));
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a', requestTimeoutMs: 300 });
    const create = rpcOf(
      await raw(srv.url, {
        body: rpc(
          'tools/call',
          {
            name: 'create_user_assignment',
            arguments: { id: 'u1', learning_object_external_reference: 'sec-101', allow_duplicate: true },
          },
          11,
        ),
      }),
    );
    expect(create).toMatchObject({ id: 11, result: { isError: true } });
    expect(create.result.content[0].text).toMatch(
      /after 300 ms \(--request-timeout-ms\)\. It may have reached the LMS, so it was not retried\. Call list_user_assignments for this user to check whether the record now exists before trying again\./,
    );
    // A completion is checked with the list that shows completions.
    const complete = rpcOf(
      await raw(srv.url, {
        body: rpc(
          'tools/call',
          {
            name: 'create_user_completion',
            arguments: { id: 'u1', learning_object_external_reference: 'sec-101', allow_duplicate: true },
          },
          13,
        ),
      }),
    );
    expect(complete.result.content[0].text).toMatch(
      /It may have reached the LMS, so it was not retried\. Call list_user_completions for this user/,
    );
    const list = rpcOf(
      await raw(srv.url, { body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } }, 12) }),
    );
    expect(list.result.content[0].text).toMatch(/Nothing was changed; try again/);
    // The cut-off closed the upstream requests: nothing is left running.
    await up.waitForSocketsClosed(3);
  });

  test('a foreign Host and a foreign Origin are refused with 403 and a JSON-RPC error; allowed ones pass', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, {
      apiKey: KEY,
      accountId: 'a',
      allowedHosts: ['mcp.example.com'],
      allowedOrigins: ['https://app.example.com'],
    });
    const body = rpc('tools/list', {});
    const host = await raw(srv.url, { body, headers: { host: 'evil.example.net' } });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 }, id: null });
    const origin = await raw(srv.url, { body, headers: { origin: 'https://evil.example.net' } });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body).error.message).toMatch(/Origin/);
    expect((await raw(srv.url, { body, headers: { origin: 'null' } })).status).toBe(403);
    expect((await raw(srv.url, { body, headers: { host: 'mcp.example.com:8443' } })).status).toBe(200);
    expect((await raw(srv.url, { body, headers: { origin: 'https://app.example.com' } })).status).toBe(200);
    expect((await raw(srv.url, { body, headers: { origin: 'http://localhost:5173' } })).status).toBe(200);
    expect(up.requests).toHaveLength(0);
  });

  test('MCP_AUTH_TOKEN: the bearer token is required and checked; each refusal says what to fix', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a', authToken: 'tok-123' });
    const body = rpc('tools/list', {});
    // None sent (or another scheme): invalid_token, and the description says what to send.
    for (const authorization of [undefined, basic('tok-123'), 'Bearer']) {
      const none = await raw(srv.url, { body, headers: authorization ? { authorization } : {} });
      expect(none.status, authorization).toBe(401);
      expect(none.headers['www-authenticate']).toBe(
        'Bearer realm="stackone-lms-mcp", error="invalid_token", error_description="No bearer token: this server needs Authorization: Bearer <MCP_AUTH_TOKEN>"',
      );
      expect(JSON.parse(none.body)).toMatchObject({
        jsonrpc: '2.0',
        error: {
          code: -32001,
          message: expect.stringMatching(/no bearer token.*Authorization: Bearer <MCP_AUTH_TOKEN>/),
        },
      });
    }
    // A wrong one: invalid_token and why.
    for (const token of ['tok-124', 'tok-123-longer']) {
      const wrong = await raw(srv.url, { body, headers: { authorization: `Bearer ${token}` } });
      expect(wrong.status, token).toBe(401);
      expect(wrong.headers['www-authenticate']).toBe(
        `Bearer realm="stackone-lms-mcp", error="invalid_token", error_description="The bearer token is not this server's MCP_AUTH_TOKEN"`,
      );
      const message = JSON.parse(wrong.body).error.message as string;
      expect(message).toMatch(/wrong bearer token.*Authorization: Bearer <MCP_AUTH_TOKEN>/);
    }
    expect((await raw(srv.url, { body, headers: { authorization: 'Bearer tok-123' } })).status).toBe(200);
    const c = await httpClient(srv.url, { authorization: 'Bearer tok-123' });
    expect((await c.call('list_user_assignments', { id: 'u1' })).isError).toBeFalsy();
    await c.close();
    // The access log says why, and never with the token.
    const refused = srv.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.status === 401);
    expect(refused.map((l) => [l.status, l.reason])).toEqual([
      [401, 'no token'],
      [401, 'no token'],
      [401, 'no token'],
      [401, 'wrong token'],
      [401, 'wrong token'],
    ]);
    expect(srv.logs.join('\n')).not.toMatch(/tok-12/);
    expect(ownRequests(up)).toHaveLength(1);
  });

  test('a wrong MCP_AUTH_TOKEN reaches the person through the SDK clients; OAuth clients end on MCP_AUTH_TOKEN', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a', authToken: 'tok-123' });
    const url = new URL(`${srv.url}/mcp`);
    const headers = { authorization: 'Bearer tok-124' };
    const signIns: URL[] = [];
    // What a client with OAuth support holds (mcp-remote, the editors): a provider with no tokens yet.
    const provider: OAuthClientProvider = {
      redirectUrl: 'http://127.0.0.1:9/callback',
      clientMetadata: { client_name: 'static-token e2e', redirect_uris: ['http://127.0.0.1:9/callback'] },
      clientInformation: () => undefined,
      saveClientInformation: () => {},
      tokens: () => undefined,
      saveTokens: () => {},
      redirectToAuthorization: (at) => {
        signIns.push(at);
      },
      saveCodeVerifier: () => {},
      codeVerifier: () => '',
    };
    const attempts: Array<[string, () => Promise<unknown>]> = [
      [
        'SDK v2, no auth provider',
        () => new Client({ name: 'v2', version: '1' }).connect(new V2HttpTransport(url, { requestInit: { headers } })),
      ],
      [
        'SDK v2 with an OAuth provider',
        () =>
          new Client({ name: 'v2', version: '1' }).connect(
            new V2HttpTransport(url, { requestInit: { headers }, authProvider: provider }),
          ),
      ],
      [
        'SDK v2, 2026-07-28',
        () =>
          new Client({ name: 'v2', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } }).connect(
            new V2HttpTransport(url, { requestInit: { headers } }),
          ),
      ],
      ['SDK v1', () => httpClient(srv!.url, headers)],
      [
        // v1 reads an OAuth-shaped error body as an OAuth error and shows only its error_description.
        'SDK v1 with an OAuth provider',
        () =>
          new V1Client({ name: 'v1', version: '1' }).connect(
            new V1HttpTransport(url, { requestInit: { headers }, authProvider: provider as V1OAuthClientProvider }),
          ),
      ],
    ];
    for (const [who, attempt] of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e as Error & { data?: { status?: number; text?: string } },
      );
      // The message, or (2026-07-28 version negotiation, whose message is generic) the body it carries along. A
      // client with OAuth support takes the 401 as a sign-in invitation; the 404s on its way say how to send a token.
      expect(`${error?.message} ${error?.data?.text ?? ''}`, who).toMatch(
        who.includes('OAuth provider') ? /no OAuth sign-in.*|MCP_AUTH_TOKEN/ : /wrong bearer token.*MCP_AUTH_TOKEN/,
      );
    }
    expect(signIns).toEqual([]);

    // With no token at all the 401 is a sign-in invitation to such a client, which it cannot take here: the 404s it
    // meets on the way (metadata, registration) say how this server does take a token.
    await expect(
      new Client({ name: 'v2', version: '1' }).connect(new V2HttpTransport(url, { authProvider: provider })),
    ).rejects.toThrow(/MCP_AUTH_TOKEN/);
    expect(up.requests).toHaveLength(0);
  });

  test('two tenants at once each reach StackOne with only their own key and account', async () => {
    up = await startUpstream(async (req, res) => {
      await new Promise((r) => setTimeout(r, 30));
      json(200, { data: [{ id: req.headers['x-account-id'] as string }] })(req, res);
    });
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'env-account' });
    const alice = await httpClient(srv.url, { authorization: basic('key-alice'), 'x-account-id': 'acct-alice' });
    const bob = await httpClient(srv.url, { authorization: basic('key-bob'), 'x-account-id': 'acct-bob' });
    try {
      const calls = [];
      for (let i = 0; i < 10; i++) {
        calls.push(alice.call('list_user_assignments', { id: 'u1' }), bob.call('list_user_assignments', { id: 'u1' }));
      }
      const results = await Promise.all(calls);
      results.forEach((r, i) => {
        const expected = i % 2 === 0 ? 'acct-alice' : 'acct-bob';
        expect((r.structuredContent as { data: Array<{ id: string }> }).data[0]!.id).toBe(expected);
        expect(JSON.stringify(r)).not.toContain(i % 2 === 0 ? 'key-bob' : 'key-alice');
      });
      expect(ownRequests(up)).toHaveLength(20);
      // Every request, the title joins' directory reads included, carries only its own tenant's credentials.
      for (const req of up.requests) {
        const pair = `${req.headers.authorization} ${req.headers['x-account-id']}`;
        expect([`${basic('key-alice')} acct-alice`, `${basic('key-bob')} acct-bob`]).toContain(pair);
      }
      // The environment's key is the fallback only when a request brings none.
      const anon = await httpClient(srv.url);
      await anon.call('list_user_assignments', { id: 'u1' });
      expect(ownRequests(up).at(-1)!.headers.authorization).toBe(basic(KEY));
      expect(ownRequests(up).at(-1)!.headers['x-account-id']).toBe('env-account');
      await anon.close();
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  test('with a bearer token, the tenant key travels as x-stackone-api-key', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { authToken: 'tok', accountId: 'a' });
    const c = await httpClient(srv.url, { authorization: 'Bearer tok', 'x-stackone-api-key': 'key-carol' });
    await c.call('list_user_assignments', { id: 'u1' });
    expect(up.requests[0]!.headers.authorization).toBe(basic('key-carol'));
    await c.close();
  });

  test('with no key from either place, the tool result says how to supply one', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { accountId: 'a' });
    const c = await httpClient(srv.url);
    const result = await c.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBe(true);
    expect(result.content[0]).toMatchObject({ text: expect.stringMatching(/Authorization: Basic base64\(<key>:\)/) });
    expect(up.requests).toHaveLength(0);
    await c.close();
  });

  test('a body over the cap is refused with 413', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY, accountId: 'a', maxBodyBytes: 4096 });
    const big = rpc('tools/call', {
      name: 'create_user_assignment',
      arguments: { id: 'u', learning_object_external_reference: 'x', passthrough: { blob: 'x'.repeat(10_000) } },
    });
    const reply = await raw(srv.url, { body: big });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error.message).toMatch(/over 4096 bytes/);
    expect(up.requests).toHaveLength(0);
  });

  test('health, readiness, GET /mcp, unknown paths and bad JSON', async () => {
    up = await startUpstream(LIST);
    srv = await startHttp(up.url, { apiKey: KEY });
    expect(await raw(srv.url, { method: 'GET', path: '/healthz' })).toMatchObject({ status: 200 });
    expect(await raw(srv.url, { method: 'GET', path: '/readyz' })).toMatchObject({ status: 200 });
    expect(await raw(srv.url, { method: 'GET' })).toMatchObject({ status: 405 });
    expect(await raw(srv.url, { method: 'GET', path: '/nope' })).toMatchObject({ status: 404 });
  });
});

describe('the HTTP binary', () => {
  test('SIGTERM during a slow call lets it finish, then exits', async () => {
    assertBuilt();
    up = await startUpstream(async (req, res) => {
      await new Promise((r) => setTimeout(r, 1500));
      json(200, { data: [] })(req, res);
    });
    const child = spawn(process.execPath, [BIN, '--transport', 'http', '--port', '0'], {
      env: childEnv({ STACKONE_API_KEY: KEY, STACKONE_ACCOUNT_ID: 'a', STACKONE_BASE_URL: up.url }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    await waitForOutput(child.stderr, /"listening"/);
    const url = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(stderr)?.[1];
    expect(url).toBeTruthy();
    const call = raw(url!, { body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } }) });
    await up.waitForRequests(1);
    const draining = waitForOutput(child.stderr, /shutting down/);
    child.kill('SIGTERM');
    await draining;
    await expect(raw(url!, { method: 'GET', path: '/healthz' })).rejects.toThrow();
    const reply = await call;
    expect(reply.status).toBe(200);
    expect(rpcOf(reply).result.isError).toBeFalsy();
    expect(await exited).toBe(0);
    expect(stderr).not.toContain(KEY);
  });

  test("the bin runs each request on its tenant's key and account, and on the operator's only when it brings none", async () => {
    assertBuilt();
    up = await startUpstream(json(200, { data: [] }));
    const child = spawn(process.execPath, [BIN, '--transport', 'http', '--port', '0'], {
      env: childEnv({ STACKONE_API_KEY: KEY, STACKONE_ACCOUNT_ID: 'operator-acct', STACKONE_BASE_URL: up.url }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    try {
      const stderr = await waitForOutput(child.stderr, /"listening".*\n/);
      const url = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(stderr)?.[1] as string;
      const call = rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } });
      const tenant = await raw(url, {
        body: call,
        headers: { authorization: basic('sk_tenant_key_0001'), 'x-account-id': 'tenant-acct' },
      });
      expect(rpcOf(tenant).result.isError).toBeFalsy();
      const anonymous = await raw(url, { body: call });
      expect(rpcOf(anonymous).result.isError).toBeFalsy();
      expect(up.requests.map((r) => [r.headers.authorization, r.headers['x-account-id']])).toEqual([
        [basic('sk_tenant_key_0001'), 'tenant-acct'],
        [basic(KEY), 'operator-acct'],
      ]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  test('the start-up log names the address actually bound, 0.0.0.0 included', async () => {
    assertBuilt();
    const child = spawn(process.execPath, [BIN, '--transport', 'http', '--host', '0.0.0.0', '--port', '0'], {
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    const stderr = await waitForOutput(child.stderr, /"listening".*\n/);
    const listening = JSON.parse(stderr.split('\n').find((l) => l.includes('"listening"')) ?? '{}');
    expect(listening.bound).toMatch(/^0\.0\.0\.0:\d+$/);
    child.kill('SIGTERM');
    await exited;
  });

  test('refuses a non-loopback host with STACKONE_API_KEY and no MCP_AUTH_TOKEN', async () => {
    assertBuilt();
    const child = spawn(process.execPath, [BIN, '--transport', 'http', '--host', '0.0.0.0'], {
      env: childEnv({ STACKONE_API_KEY: KEY }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    expect(await new Promise((r) => child.on('exit', r))).toBe(2);
    expect(stderr).toMatch(/MCP_AUTH_TOKEN/);
    expect(stderr).not.toContain(KEY);
  });
});
