/**
 * OAuth end to end: our HTTP server on a real socket in OAuth mode, a real authorization server (oidc-provider on
 * 127.0.0.1) and the SDK v2 client's own OAuth support, which finds the issuer through the server's 401 and its RFC
 * 9728 document. Client credentials and authorization code with PKCE each reach every tool; the ways a token is
 * refused; a read-only token's challenge (the SDK's, per tool) and its step-up; the account taken from the token, never
 * from a header.
 */
import { spawn } from 'node:child_process';
import {
  type CallToolResult,
  Client,
  ClientCredentialsProvider,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditLine, createAuditLog } from '../../src/audit.js';
import { systemClock } from '../../src/clock.js';
import type { OAuthConfig } from '../../src/config.js';
import { SANDBOX_API_KEY, SANDBOX_DEFAULT_ACCOUNT } from '../../src/sandbox/seed.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/serve.js';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import {
  httpClient,
  type OAuthServerUnderTest,
  raw,
  rpc,
  rpcOf,
  startHttp,
  startOAuthHttp,
  waitForOutput,
} from '../helpers/http.js';
import { PUBLIC_CLIENT, READ, SERVICE_CLIENT, startIssuer, type TestIssuer, WRITE } from '../helpers/oidc.js';

type OAuthServer = OAuthServerUnderTest;

/**
 * oidc-provider stamps and checks its tokens by the machine's clock and cannot be given another, so every part here
 * (server, verifier, audit, sandbox) reads that one too; the year-ahead CI run moves it for all of them at once.
 */
const now = systemClock;

let sandbox: Sandbox;
/** Every request the sandbox answered, to show that a refused request reached nothing. */
const upstreamSeen: unknown[] = [];
let issuer: TestIssuer;
let server: OAuthServer;

function startOAuthServer(
  at: TestIssuer,
  extra: Partial<OAuthConfig> & { allowedAccountIds?: readonly string[]; jwksCooldownMs?: number } = {},
): Promise<OAuthServer> {
  const { allowedAccountIds, jwksCooldownMs, ...oauth } = extra;
  return startOAuthHttp(sandbox.url, at.url, {
    apiKey: SANDBOX_API_KEY,
    accountId: SANDBOX_DEFAULT_ACCOUNT,
    oauth,
    now,
    ...(allowedAccountIds ? { allowedAccountIds } : {}),
    ...(jwksCooldownMs === undefined ? {} : { jwksCooldownMs }),
  });
}

beforeAll(async () => {
  sandbox = await startSandbox({ observe: (e) => upstreamSeen.push(e), now });
  issuer = await startIssuer({
    claims: { carol: { stackone_account: 'globex-lms' }, dave: { stackone_account: 'initech-lms' } },
  });
  server = await startOAuthServer(issuer);
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
  await sandbox?.close();
});

/** Every tool's own example call, each expected to succeed against the sandbox's seeded company. */
async function callEveryTool(client: Client): Promise<void> {
  const listed = await client.listTools();
  expect(listed.tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
  for (const { name, example } of TOOLS) {
    const result = (await client.callTool({ name, arguments: { ...example } })) as CallToolResult;
    const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
    expect(result.isError, `${name}: ${text}`).toBeFalsy();
  }
}

/** An MCP client's OAuth state for the authorization code flow; the "browser" is the issuer helper's authorize(). */
class BrowserlessProvider implements OAuthClientProvider {
  redirected: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  private discovery: OAuthDiscoveryState | undefined;
  readonly redirectUrl: string;
  readonly clientMetadata: OAuthClientMetadata;

  constructor(options: { redirectUrl: string; client?: OAuthClientInformationMixed; tokens?: OAuthTokens }) {
    this.redirectUrl = options.redirectUrl;
    this.info = options.client;
    this.saved = options.tokens;
    this.clientMetadata = {
      client_name: 'oauth e2e',
      redirect_uris: [options.redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.redirected = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** Follows the redirect the SDK asked for through login and consent, and hands the callback to finishAuth. */
async function signIn(
  provider: BrowserlessProvider,
  transport: StreamableHTTPClientTransport,
  at: TestIssuer,
): Promise<void> {
  const url = provider.redirected;
  if (!url) throw new Error('the SDK did not send the user to the authorization server');
  provider.redirected = undefined;
  const back = await at.authorize(url.href);
  await transport.finishAuth(back.searchParams);
}

const mcpUrl = (s: OAuthServer) => new URL(s.resource);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const challenge = (reply: { headers: Record<string, string | string[] | undefined> }) =>
  String(reply.headers['www-authenticate'] ?? '');

describe('the protected resource', () => {
  test('publishes its RFC 9728 document, at its own path and the root, readable from any origin', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const reply = await raw(server.url, { method: 'GET', path, headers: { origin: 'https://claude.ai' } });
      expect(reply.status).toBe(200);
      expect(reply.headers['access-control-allow-origin']).toBe('*');
      expect(JSON.parse(reply.body)).toMatchObject({
        resource: server.resource,
        authorization_servers: [issuer.url],
        scopes_supported: [READ, WRITE],
      });
    }
  });

  test('no token: 401 naming the metadata document and the scopes, with no error code (RFC 6750 §3.1)', async () => {
    const reply = await raw(server.url, { body: rpc('tools/list', {}) });
    expect(reply.status).toBe(401);
    expect(challenge(reply)).toBe(
      `Bearer scope="${READ} ${WRITE}", resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  test('a Basic StackOne key is no token in OAuth mode: 401, and nothing reaches StackOne', async () => {
    const before = upstreamSeen.length;
    const reply = await raw(server.url, {
      headers: { authorization: `Basic ${Buffer.from('sk_live_tenant:').toString('base64')}` },
      body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'emp-1001' } }),
    });
    expect(reply.status).toBe(401);
    expect(challenge(reply)).toContain('resource_metadata=');
    expect(upstreamSeen.length).toBe(before);
  });
});

describe('the SDK client signs in through discovery and calls every tool', () => {
  test('client credentials (no user): the subject is the client, in every audit line', async () => {
    const client = new Client({ name: 'cc-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(mcpUrl(server), {
      authProvider: new ClientCredentialsProvider({
        clientId: SERVICE_CLIENT.id,
        clientSecret: SERVICE_CLIENT.secret,
        expectedIssuer: issuer.url,
      }),
    });
    const before = server.audit.length;
    await client.connect(transport);
    try {
      await callEveryTool(client);
    } finally {
      await client.close();
    }
    const lines = server.audit.slice(before);
    expect(lines.map((l) => [l.tool, l.outcome, l.who, l.auth, l.client_id])).toEqual([
      ['create_user_assignment', 'created', SERVICE_CLIENT.id, 'oauth', SERVICE_CLIENT.id],
      ['create_user_completion', 'created', SERVICE_CLIENT.id, 'oauth', SERVICE_CLIENT.id],
    ]);
    expect(lines[0]).toMatchObject({ user_id: 'emp-1002', learning_object: 'gdpr-essentials' });
  });

  test('authorization code with PKCE, after registering itself: the signed-in user is who the audit names', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const provider = new BrowserlessProvider({ redirectUrl: 'http://127.0.0.1:9/callback' });
      const options = era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' as const } } } : {};
      const first = new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider });
      await expect(new Client({ name: 'code-e2e', version: '1.0.0' }, options).connect(first)).rejects.toBeInstanceOf(
        UnauthorizedError,
      );
      // The SDK registered itself at the issuer (RFC 7591) and asked for the resource (RFC 8707) and both scopes.
      const asked = provider.redirected as URL;
      expect(asked.origin + asked.pathname).toBe(`${issuer.url}/auth`);
      expect(asked.searchParams.get('resource')).toBe(server.resource);
      expect(asked.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining([READ, WRITE]));
      expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
      expect(provider.clientInformation()?.client_id).toBeTruthy();
      await signIn(provider, first, issuer);

      const client = new Client({ name: 'code-e2e', version: '1.0.0' }, options);
      const before = server.audit.length;
      await client.connect(new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider }));
      try {
        await callEveryTool(client);
      } finally {
        await client.close();
      }
      // The sandbox is this file's, so the same example calls made earlier may leave the assignment open or the
      // completion recorded today: those are refused as duplicates, and audited as such, still under alice's name.
      const done = expect.stringMatching(/^(created|duplicate)$/);
      expect(server.audit.slice(before).map((l) => [l.who, l.auth, l.tool, l.outcome])).toEqual([
        ['alice', 'oauth', 'create_user_assignment', done],
        ['alice', 'oauth', 'create_user_completion', done],
      ]);
    }
  });
});

describe('tokens the server refuses, each with a challenge the client can act on', () => {
  const listWith = (token: string, s: OAuthServer = server) =>
    raw(s.url, { headers: bearer(token), body: rpc('tools/list', {}) });

  test('expired, issued for another resource, or signed by a key the issuer never published: 401 invalid_token', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['expired', await issuer.mint({ audience: server.resource, ttlSeconds: -120 }), /expired/],
      [
        'another audience',
        await issuer.mint({ audience: 'http://127.0.0.1:9/mcp', scopes: [READ, WRITE] }),
        /another resource/,
      ],
      ['another key', await issuer.forge({ audience: server.resource, scopes: [READ, WRITE] }), /key/],
      [
        "another key under the issuer's kid",
        await issuer.forge({ audience: server.resource, kid: issuer.currentKid }),
        /signature/,
      ],
      ['not a JWT', 'opaque-token-0123456789', /not a signed JWT/],
    ];
    for (const [what, token, why] of cases) {
      const reply = await listWith(token);
      expect(reply.status, what).toBe(401);
      expect(challenge(reply), what).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"/);
      expect(challenge(reply), what).toMatch(why);
      expect(challenge(reply), what).toContain(
        `resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
      );
      expect(reply.body.includes(token), what).toBe(false);
    }
    // And the same token, fresh and for this server, is accepted: the refusals above are the token's fault.
    expect((await listWith(await issuer.mint({ audience: server.resource }))).status).toBe(200);
  });

  test('the issuer rotates its key: new tokens are accepted without a restart, and old ones still are', async () => {
    const rotating = await startIssuer();
    // No cooldown: jose otherwise waits 30 s after a fetch before fetching the keys again for an unknown kid.
    const s = await startOAuthServer(rotating, { jwksCooldownMs: 0 });
    try {
      const old = await rotating.mint({ audience: s.resource });
      expect((await listWith(old, s)).status).toBe(200);
      const jwksFetches = () =>
        [...rotating.hits].filter(([path]) => path.includes('jwks')).reduce((n, [, count]) => n + count, 0);
      const fetchedBefore = jwksFetches();
      const kid = await rotating.rotate();
      const fresh = await rotating.mint({ audience: s.resource });
      expect(JSON.parse(Buffer.from(fresh.split('.')[0] as string, 'base64url').toString()).kid).toBe(kid);
      expect((await listWith(fresh, s)).status).toBe(200);
      expect(jwksFetches()).toBeGreaterThan(fetchedBefore);
      expect((await listWith(old, s)).status).toBe(200);
    } finally {
      await s.close();
      await rotating.close();
    }
  });
});

describe('scopes map to tools', () => {
  /** A WWW-Authenticate challenge's parameters, whatever their order. */
  const params = (header: string) =>
    Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const metadataUrl = () => `${server.url}/.well-known/oauth-protected-resource/mcp`;
  const createCall = {
    name: 'create_user_assignment',
    arguments: { id: 'emp-1003', learning_object_external_reference: 'onboarding-101' },
  };
  const envelope = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
  };

  test('a read-only token sees every tool; a create gets the SDK 403 insufficient_scope naming the scope to add, in both eras', async () => {
    const token = await issuer.mint({ audience: server.resource, scopes: [READ] });
    // Listed to every token: a model that never sees the creates could never ask the user to allow them.
    const list = await raw(server.url, { headers: bearer(token), body: rpc('tools/list', {}) });
    expect(list.status).toBe(200);
    expect((rpcOf(list).result.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));

    const before = {
      audit: server.audit.length,
      upstream: upstreamSeen.length,
      assignments: sandbox.emulator.assignmentsOf('emp-1003').length,
    };
    const refusals = {
      '2025-11-25': await raw(server.url, { headers: bearer(token), body: rpc('tools/call', createCall, 4) }),
      // The same call behind a byte-order mark (which the SDK's parser skips) meets the same challenge.
      'byte-order mark': await raw(server.url, {
        headers: bearer(token),
        body: `\uFEFF${rpc('tools/call', createCall, 5)}`,
      }),
      '2026-07-28': await raw(server.url, {
        headers: {
          ...bearer(token),
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'create_user_assignment',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 6,
          method: 'tools/call',
          params: { ...createCall, _meta: envelope },
        }),
      }),
    };
    for (const [what, call] of Object.entries(refusals)) {
      expect(call.status, what).toBe(403);
      expect(params(challenge(call)), what).toEqual({
        error: 'insufficient_scope',
        scope: `${READ} ${WRITE}`,
        error_description: `create_user_assignment needs the ${WRITE} scope`,
        resource_metadata: metadataUrl(),
      });
      expect(challenge(call), what).toMatch(/^Bearer /);
      // RFC 6750's error object, which clients show as the reason when they cannot step up.
      expect(JSON.parse(call.body), what).toEqual({
        error: 'insufficient_scope',
        error_description: `create_user_assignment needs the ${WRITE} scope`,
      });
    }
    expect(sandbox.emulator.assignmentsOf('emp-1003').length).toBe(before.assignments);
    expect(upstreamSeen.length).toBe(before.upstream);
    // The refused attempts are on the record too, each once.
    expect(server.audit.slice(before.audit)).toMatchObject([
      { tool: 'create_user_assignment', outcome: 'refused', who: SERVICE_CLIENT.id, user_id: 'emp-1003' },
      { tool: 'create_user_assignment', outcome: 'refused', who: SERVICE_CLIENT.id, user_id: 'emp-1003' },
      { tool: 'create_user_assignment', outcome: 'refused', who: SERVICE_CLIENT.id, user_id: 'emp-1003' },
    ]);
    expect(server.audit.slice(before.audit)).toHaveLength(3);
    const access = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'http' && l.status === 403);
    expect(access.slice(-3).map((l) => l.tool)).toEqual(Array(3).fill('create_user_assignment'));
    // A read it holds the scope for goes through.
    const read = await raw(server.url, {
      headers: bearer(token),
      body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'emp-1003' } }),
    });
    expect(read.status).toBe(200);
    expect(rpcOf(read).result.isError).toBeFalsy();
  });

  test('a client that cannot step up (the v1 SDK client, token in a header) shows the person why', async () => {
    const token = await issuer.mint({ audience: server.resource, scopes: [READ] });
    const c = await httpClient(server.url, bearer(token));
    try {
      await expect(c.call('create_user_assignment', createCall.arguments)).rejects.toThrow(
        new RegExp(`insufficient_scope.*create_user_assignment needs the ${WRITE} scope`),
      );
      expect((await c.call('list_user_assignments', { id: 'emp-1003' })).isError).toBeFalsy();
    } finally {
      await c.close();
    }
  });

  test('a 2025-era batch with one call beyond the token is refused whole, before any of it runs', async () => {
    const token = await issuer.mint({ audience: server.resource, scopes: [READ] });
    const before = { audit: server.audit.length, upstream: upstreamSeen.length };
    const batch = `[${rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'emp-1003' } }, 1)},${rpc('tools/call', createCall, 2)}]`;
    const reply = await raw(server.url, { headers: bearer(token), body: batch });
    expect(reply.status).toBe(403);
    expect(params(challenge(reply))).toMatchObject({ error: 'insufficient_scope', scope: `${READ} ${WRITE}` });
    expect(upstreamSeen.length).toBe(before.upstream);
    expect(server.audit.slice(before.audit)).toMatchObject([{ tool: 'create_user_assignment', outcome: 'refused' }]);
    expect(server.audit.slice(before.audit)).toHaveLength(1);
    // With the write scope the same batch is served.
    const writer = await issuer.mint({ audience: server.resource, scopes: [WRITE] });
    const served = await raw(server.url, {
      headers: bearer(writer),
      body: `[${rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'emp-1003' } }, 1)}]`,
    });
    expect(served.status).toBe(200);
  });

  test.each([
    ['2025-11-25', {}, 'code-of-conduct-2026'],
    ['2026-07-28', { versionNegotiation: { mode: { pin: '2026-07-28' as const } } }, 'first-aid-basics'],
  ])(
    'the SDK client (%s) holding a read-only token steps up when a create is refused, then the create goes through',
    async (_era, options, learningObject) => {
      const readOnly = await issuer.mintForUser('bob', { audience: server.resource, scopes: [READ] });
      const provider = new BrowserlessProvider({
        redirectUrl: PUBLIC_CLIENT.redirectUri,
        client: { client_id: PUBLIC_CLIENT.id },
        tokens: { access_token: readOnly, token_type: 'Bearer', scope: READ },
      });
      const first = new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider });
      const client = new Client({ name: 'step-up', version: '1.0.0' }, options);
      await client.connect(first);
      const args = { id: 'emp-1004', learning_object_external_reference: learningObject };
      try {
        expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
        await expect(client.callTool({ name: 'create_user_assignment', arguments: args })).rejects.toBeInstanceOf(
          UnauthorizedError,
        );
      } finally {
        await client.close();
      }
      // The client went back to the issuer asking for what it had plus what the challenge named.
      expect(provider.redirected?.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining([READ, WRITE]));
      await signIn(provider, first, issuer);
      const again = new Client({ name: 'step-up', version: '1.0.0' }, options);
      await again.connect(new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider }));
      try {
        expect((await again.listTools()).tools).toHaveLength(TOOLS.length);
        const created = (await again.callTool({ name: 'create_user_assignment', arguments: args })) as CallToolResult;
        expect(created.isError).toBeFalsy();
      } finally {
        await again.close();
      }
    },
  );
});

describe("whose StackOne account: the operator's key, the token's account", () => {
  test("the account comes from the token's claim; headers naming a key or another account change nothing", async () => {
    const s = await startOAuthServer(issuer, {
      accountClaim: 'stackone_account',
      allowedAccountIds: ['acme-lms', 'globex-lms'],
    });
    try {
      const carol = await issuer.mintForUser('carol', { audience: s.resource, scopes: [READ, WRITE] });
      const find = await raw(s.url, {
        headers: { ...bearer(carol), 'x-account-id': 'acme-lms', 'x-stackone-api-key': 'sk_live_someone_else' },
        body: rpc('tools/call', { name: 'find_users', arguments: { query: 'Dana' } }),
      });
      expect(find.status).toBe(200);
      const found = JSON.stringify(rpcOf(find).result.structuredContent);
      // Globex's Dana, not Acme's: the token's account, with the operator's key (the sandbox accepts only its own).
      expect(found).toContain('Dana Kowalski');
      expect(found).not.toContain('Dana Whitaker');

      const other = await raw(s.url, {
        headers: bearer(carol),
        body: rpc('tools/call', {
          name: 'list_user_assignments',
          arguments: { id: 'emp-1001', account_id: 'acme-lms' },
        }),
      });
      expect(rpcOf(other).result.isError).toBe(true);
      expect(rpcOf(other).result.content[0].text).toMatch(/linked to StackOne account "globex-lms"/);

      // STACKONE_ALLOWED_ACCOUNT_IDS still applies to the token's account.
      const dave = await issuer.mintForUser('dave', { audience: s.resource, scopes: [READ, WRITE] });
      const refused = await raw(s.url, {
        headers: bearer(dave),
        body: rpc('tools/call', { name: 'find_users', arguments: { query: 'Peter' } }),
      });
      expect(rpcOf(refused).result.isError).toBe(true);
      expect(rpcOf(refused).result.content[0].text).toMatch(/not allowed on this server/);

      // A token without the claim is refused at the door.
      const service = await issuer.mint({ audience: s.resource, scopes: [READ] });
      const noClaim = await raw(s.url, { headers: bearer(service), body: rpc('tools/list', {}) });
      expect(noClaim.status).toBe(401);
      expect(challenge(noClaim)).toMatch(/no stackone_account claim/);
    } finally {
      await s.close();
    }
  });
});

describe('OAuth with no account claim: the operator decides which accounts signed-in callers reach', () => {
  test('an account_id other than STACKONE_ACCOUNT_ID is refused, unless STACKONE_ALLOWED_ACCOUNT_IDS names it', async () => {
    const token = await issuer.mint({ audience: server.resource, scopes: [READ] });
    const before = upstreamSeen.length;
    const other = await raw(server.url, {
      headers: bearer(token),
      body: rpc('tools/call', {
        name: 'list_user_assignments',
        arguments: { id: 'emp-1001', account_id: 'globex-lms' },
      }),
    });
    expect(rpcOf(other).result.isError).toBe(true);
    expect(rpcOf(other).result.content[0].text).toMatch(/"globex-lms" is not served to signed-in users here/);
    expect(upstreamSeen.length).toBe(before);
    // The operator's own account is served, named or not.
    const own = await raw(server.url, {
      headers: bearer(token),
      body: rpc('tools/call', {
        name: 'list_user_assignments',
        arguments: { id: 'emp-1001', account_id: SANDBOX_DEFAULT_ACCOUNT },
      }),
    });
    expect(rpcOf(own).result.isError).toBeFalsy();
    // With an explicit allow-list, the accounts on it are served.
    const s = await startOAuthServer(issuer, { allowedAccountIds: [SANDBOX_DEFAULT_ACCOUNT, 'globex-lms'] });
    try {
      const allowed = await issuer.mint({ audience: s.resource, scopes: [READ] });
      const reply = await raw(s.url, {
        headers: bearer(allowed),
        body: rpc('tools/call', { name: 'find_users', arguments: { query: 'Dana', account_id: 'globex-lms' } }),
      });
      expect(rpcOf(reply).result.isError).toBeFalsy();
    } finally {
      await s.close();
    }
  });
});

describe('who the audit line names without OAuth', () => {
  test('"token" behind MCP_AUTH_TOKEN, "http" on an open loopback server', async () => {
    for (const [authToken, who] of [
      ['shared-token-0123456789', 'token'],
      [undefined, 'http'],
    ] as const) {
      const lines: AuditLine[] = [];
      const s = await startHttp(sandbox.url, {
        authToken,
        now,
        apiKey: SANDBOX_API_KEY,
        accountId: SANDBOX_DEFAULT_ACCOUNT,
        audit: createAuditLog(
          { kind: 'stderr' },
          { secrets: [], stderr: (l) => lines.push(JSON.parse(l) as AuditLine), now },
        ),
      });
      try {
        const reply = await raw(s.url, {
          headers: authToken ? bearer(authToken) : {},
          body: rpc('tools/call', {
            name: 'create_user_assignment',
            arguments: { id: 'emp-1005', learning_object_external_reference: 'first-aid-basics', dry_run: true },
          }),
        });
        expect(reply.status).toBe(200);
        expect(lines).toMatchObject([{ who, auth: who, outcome: 'dry_run', tool: 'create_user_assignment' }]);
      } finally {
        await s.close();
      }
    }
  });
});

describe('the bin in OAuth mode', () => {
  test('checks the issuer at start: a wrong MCP_OAUTH_ISSUER exits 2 naming it; a right one logs auth "oauth"', async () => {
    assertBuilt();
    const start = (issuerUrl: string) => {
      const child = spawn(process.execPath, [BIN, '--transport', 'http', '--port', '0'], {
        env: childEnv({
          STACKONE_API_KEY: SANDBOX_API_KEY,
          STACKONE_BASE_URL: sandbox.url,
          MCP_OAUTH_ISSUER: issuerUrl,
          MCP_RESOURCE_URL: 'http://127.0.0.1:1/mcp',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exited };
    };
    const wrong = start(`${issuer.url}/not-the-issuer`);
    try {
      const stderr = waitForOutput(wrong.child.stderr, /not-the-issuer/, 10_000);
      expect(await wrong.exited).toBe(2);
      expect(await stderr).toMatch(/MCP_OAUTH_ISSUER/);
    } finally {
      // Only when the check above failed is it still running.
      wrong.child.kill('SIGTERM');
    }

    const right = start(issuer.url);
    try {
      const line = await waitForOutput(right.child.stderr, /"listening"/, 10_000);
      expect(line).toMatch(/"auth":"oauth"/);
    } finally {
      right.child.kill('SIGTERM');
      await right.exited;
    }
  });
});
