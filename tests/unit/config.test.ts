import { describe, expect, test } from 'vitest';
import { ConfigError, DEFAULT_TIMEOUT_MS, isLoopbackHost, loadConfig, parseFaults } from '../../src/config.js';

function serve(argv: string[], env: Record<string, string> = {}) {
  const action = loadConfig(argv, env);
  if (action.kind !== 'serve') throw new Error(`expected serve, got ${action.kind}`);
  return action.config;
}

describe('loadConfig', () => {
  test('defaults', () => {
    const config = serve([]);
    expect(config.apiKey).toBeUndefined();
    expect(config.accountId).toBeUndefined();
    expect(config.baseUrl.href).toBe('https://api.stackone.com/');
    expect(config.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(DEFAULT_TIMEOUT_MS).toBeGreaterThan(60_000);
    expect(config.logLevel).toBe('info');
  });

  test('env, then flags win', () => {
    const env = {
      STACKONE_API_KEY: ' key-1 ',
      STACKONE_ACCOUNT_ID: 'acct-env',
      STACKONE_BASE_URL: 'http://127.0.0.1:9999/prefix/',
      STACKONE_TIMEOUT_MS: '1500',
      STACKONE_LOG_LEVEL: 'DEBUG',
    };
    const fromEnv = serve([], env);
    expect(fromEnv).toMatchObject({ apiKey: 'key-1', accountId: 'acct-env', timeoutMs: 1500, logLevel: 'debug' });
    expect(fromEnv.baseUrl.href).toBe('http://127.0.0.1:9999/prefix/');
    const fromFlags = serve(['--account-id', 'acct-flag', '--timeout-ms=2000', '--log-level', 'warn'], env);
    expect(fromFlags).toMatchObject({ accountId: 'acct-flag', timeoutMs: 2000, logLevel: 'warn' });
  });

  test('help and version', () => {
    expect(loadConfig(['--help'], {}).kind).toBe('help');
    expect(loadConfig(['-v'], {}).kind).toBe('version');
  });

  test.each([
    [['--api-key', 'x'], {}, /STACKONE_API_KEY/],
    [['--bogus'], {}, /Unknown option "--bogus"/],
    [['--account-id'], {}, /needs a value/],
    [[], { STACKONE_TIMEOUT_MS: 'soon' }, /STACKONE_TIMEOUT_MS must be a whole number/],
    [[], { STACKONE_TIMEOUT_MS: '50' }, /STACKONE_TIMEOUT_MS/],
    [[], { STACKONE_BASE_URL: 'api.stackone.com' }, /STACKONE_BASE_URL is not a URL/],
    [[], { STACKONE_BASE_URL: 'ftp://x' }, /must be http\(s\)/],
    [[], { STACKONE_BASE_URL: 'https://u:p@x.com' }, /must not carry credentials/],
    [[], { STACKONE_LOG_LEVEL: 'loud' }, /STACKONE_LOG_LEVEL/],
    [[], { STACKONE_API_KEY: 'abc\ndef' }, /control character/],
    [[], { STACKONE_ACCOUNT_ID: 'a\rb' }, /control character/],
  ])('refuses %j %j with a message that names the fix', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  test('isLoopbackHost', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['api.stackone.com', '10.0.0.1', '0.0.0.0']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('sandbox options', () => {
  test('--sandbox and STACKONE_SANDBOX', () => {
    expect(serve(['--sandbox']).sandbox).toBe(true);
    expect(serve([], { STACKONE_SANDBOX: '1' }).sandbox).toBe(true);
    expect(serve([], { STACKONE_SANDBOX: 'true' }).sandbox).toBe(true);
    expect(serve([], { STACKONE_SANDBOX: '0' }).sandbox).toBe(false);
    expect(serve([]).sandbox).toBe(false);
  });

  test('STACKONE_SANDBOX_FAULTS is parsed in sandbox mode and refused otherwise', () => {
    expect(parseFaults('429:2*2, 503, slow:3000, heartbeat:5, hang')).toEqual([
      { type: 'status', status: 429, retryAfter: 2 },
      { type: 'status', status: 429, retryAfter: 2 },
      { type: 'status', status: 503 },
      { type: 'slow', delayMs: 3000 },
      { type: 'heartbeat', count: 5, intervalMs: 200 },
      { type: 'hang' },
    ]);
    expect(parseFaults('429')).toEqual([{ type: 'status', status: 429, retryAfter: 1 }]);
    expect(serve(['--sandbox'], { STACKONE_SANDBOX_FAULTS: '503*2' }).sandboxFaults).toHaveLength(2);
    expect(() => loadConfig([], { STACKONE_SANDBOX_FAULTS: '503' })).toThrow(/only works with --sandbox/);
    for (const bad of ['418', 'boom', '503*0', 'slow:fast']) expect(() => parseFaults(bad)).toThrow(/cannot read/);
  });
});

describe('HTTP options', () => {
  test('defaults and env/flags', () => {
    const d = serve([]);
    expect(d.transport).toBe('stdio');
    expect(d.http).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      maxBodyBytes: 1048576,
      allowedHosts: [],
      allowedOrigins: [],
    });
    expect(d.http.requestTimeoutMs).toBe(DEFAULT_TIMEOUT_MS + 5000);
    const c = serve(['--transport', 'http', '--port=8080', '--allowed-hosts', 'A.example.com, b.example.com'], {
      MCP_ALLOWED_ORIGINS: 'https://App.example.com/path',
      MCP_AUTH_TOKEN: 'tok',
      MCP_HOST: '0.0.0.0',
      STACKONE_API_KEY: 'k',
    });
    expect(c).toMatchObject({ transport: 'http' });
    expect(c.http).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      allowedHosts: ['a.example.com', 'b.example.com'],
      allowedOrigins: ['https://app.example.com'],
      authToken: 'tok',
    });
  });

  test('refuses a non-loopback host with a key and no MCP_AUTH_TOKEN; loopback or no key is fine', () => {
    expect(() => loadConfig(['--transport', 'http', '--host', '0.0.0.0'], { STACKONE_API_KEY: 'k' })).toThrow(
      /MCP_AUTH_TOKEN/,
    );
    expect(serve(['--transport', 'http', '--host', '0.0.0.0']).http.host).toBe('0.0.0.0');
    expect(serve(['--transport', 'http'], { STACKONE_API_KEY: 'k' }).http.host).toBe('127.0.0.1');
  });

  test.each([
    [['--transport', 'sse'], /MCP_TRANSPORT/],
    [['--port', '70000'], /MCP_PORT/],
    [['--allowed-origins', 'not-a-url'], /MCP_ALLOWED_ORIGINS/],
    [['--auth-token', 'x'], /MCP_AUTH_TOKEN/],
    [['--sandbox=yes'], /takes no value/],
  ])('%j is refused', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(message);
  });
});

describe('OAuth and audit options', () => {
  const OAUTH = {
    MCP_TRANSPORT: 'http',
    STACKONE_API_KEY: 'key-1',
    MCP_OAUTH_ISSUER: 'https://login.example.com/tenant/',
    MCP_RESOURCE_URL: 'https://lms-mcp.example.com/mcp',
  };

  test('off by default; on with issuer and resource URL, scopes defaulted, issuer kept exactly', () => {
    expect(serve([]).http.oauth).toBeUndefined();
    const oauth = serve([], OAUTH).http.oauth;
    expect(oauth).toMatchObject({
      issuer: 'https://login.example.com/tenant/',
      readScope: 'lms:read',
      writeScope: 'lms:write',
      accountClaim: undefined,
      accountMap: undefined,
    });
    expect(oauth?.resourceUrl.href).toBe('https://lms-mcp.example.com/mcp');
    const custom = serve(['--oauth-write-scope', 'api://lms/Write'], {
      ...OAUTH,
      MCP_OAUTH_READ_SCOPE: 'api://lms/Read',
      MCP_OAUTH_ACCOUNT_CLAIM: 'org_id',
      MCP_OAUTH_ACCOUNT_MAP: 'acme=acct_1, globex=acct_2',
    }).http.oauth;
    expect(custom).toMatchObject({
      readScope: 'api://lms/Read',
      writeScope: 'api://lms/Write',
      accountClaim: 'org_id',
    });
    expect([...(custom?.accountMap ?? [])]).toEqual([
      ['acme', 'acct_1'],
      ['globex', 'acct_2'],
    ]);
  });

  test('OAuth lifts the open-bind refusal as MCP_AUTH_TOKEN does', () => {
    expect(() => serve([], { ...OAUTH, MCP_OAUTH_ISSUER: '', MCP_RESOURCE_URL: '', MCP_HOST: '0.0.0.0' })).toThrow(
      /MCP_OAUTH_ISSUER/,
    );
    expect(serve([], { ...OAUTH, MCP_HOST: '0.0.0.0' }).http.oauth).toBeDefined();
  });

  test.each([
    [{ MCP_RESOURCE_URL: '' }, /MCP_RESOURCE_URL is missing/],
    [{ MCP_OAUTH_ISSUER: '' }, /MCP_OAUTH_ISSUER is missing/],
    [{ MCP_OAUTH_ISSUER: 'http://login.example.com' }, /must be an https URL/],
    [{ MCP_RESOURCE_URL: 'https://x.example.com/mcp#frag' }, /fragment/],
    [{ MCP_OAUTH_ISSUER: 'https://x.example.com/?tenant=1' }, /query/],
    [{ MCP_OAUTH_READ_SCOPE: 'lms read' }, /one OAuth scope/],
    [{ MCP_OAUTH_ACCOUNT_MAP: 'acme=acct_1' }, /set MCP_OAUTH_ACCOUNT_CLAIM/],
    [{ MCP_OAUTH_ACCOUNT_CLAIM: 'org', MCP_OAUTH_ACCOUNT_MAP: 'acme' }, /claim-value=account-id/],
    [{ MCP_OAUTH_ACCOUNT_CLAIM: 'org', MCP_OAUTH_ACCOUNT_MAP: 'a=1,a=2' }, /twice/],
    [
      { MCP_OAUTH_ACCOUNT_CLAIM: 'org', MCP_OAUTH_ACCOUNT_MAP: 'a=1', STACKONE_ALLOWED_ACCOUNT_IDS: '2' },
      /not in STACKONE_ALLOWED_ACCOUNT_IDS/,
    ],
    [{ MCP_AUTH_TOKEN: 'tok' }, /choose one/],
    [{ STACKONE_API_KEY: '' }, /operator's key/],
    [{ MCP_TRANSPORT: 'stdio' }, /--transport http only/],
  ])('refuses %j', (change, message) => {
    expect(() => loadConfig([], { ...OAUTH, ...change })).toThrow(message);
  });

  test('an account claim without OAuth is refused, not ignored', () => {
    expect(() => loadConfig([], { MCP_OAUTH_ACCOUNT_CLAIM: 'org' })).toThrow(/need MCP_OAUTH_ISSUER/);
  });

  test('plain http is accepted for loopback issuers and resources (local testing)', () => {
    const oauth = serve([], {
      ...OAUTH,
      MCP_OAUTH_ISSUER: 'http://127.0.0.1:4444',
      MCP_RESOURCE_URL: 'http://localhost:3000/mcp',
    }).http.oauth;
    expect(oauth?.issuer).toBe('http://127.0.0.1:4444');
  });

  test('MCP_AUDIT_LOG: stderr by default, a file, or off', () => {
    expect(serve([]).audit).toEqual({ kind: 'stderr' });
    expect(serve([], { MCP_AUDIT_LOG: 'OFF' }).audit).toEqual({ kind: 'off' });
    expect(serve(['--audit-log', '/var/log/lms-audit.jsonl']).audit).toEqual({
      kind: 'file',
      path: '/var/log/lms-audit.jsonl',
    });
  });
});
