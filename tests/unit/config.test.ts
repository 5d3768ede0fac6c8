import { describe, expect, test } from 'vitest';
import { createBudgetMs, DEFAULT_TIMEOUT_MS, help, loadConfig as loadWith, nearest } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { isLoopbackHost } from '../../src/net.js';
import { parseFaults } from '../../src/sandbox/faults.js';
import { TOOLS } from '../../src/tools/index.js';

const loadConfig = (argv: readonly string[], env: Record<string, string | undefined>) => loadWith(argv, env, TOOLS);

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

  test('the directory TTL: a few minutes by default, env then flag, 0 allowed, nonsense refused with the variable named', () => {
    expect(serve([]).directoryTtlMs).toBe(300_000);
    expect(serve([], { STACKONE_DIRECTORY_TTL_MS: '60000' }).directoryTtlMs).toBe(60_000);
    expect(serve(['--directory-ttl-ms', '0'], { STACKONE_DIRECTORY_TTL_MS: '60000' }).directoryTtlMs).toBe(0);
    expect(() => serve(['--directory-ttl-ms', '5m'])).toThrow(/--directory-ttl-ms must be a whole number/);
    expect(() => serve([], { STACKONE_DIRECTORY_TTL_MS: '5m' })).toThrow(
      /STACKONE_DIRECTORY_TTL_MS must be a whole number/,
    );
    expect(() => serve([], { STACKONE_DIRECTORY_TTL_MS: '-1' })).toThrow(ConfigError);
  });

  test('MCP_CACHE_URL: off by default; redis:// and rediss:// (valkey names mapped); nothing else, never repeated', () => {
    expect(serve([]).cacheUrl).toBeUndefined();
    expect(serve([], { MCP_CACHE_URL: 'redis://cache:6379/0' }).cacheUrl?.href).toBe('redis://cache:6379/0');
    expect(serve([], { MCP_CACHE_URL: 'rediss://u:p%40ss@cache.example:6380' }).cacheUrl?.password).toBe('p%40ss');
    expect(serve([], { MCP_CACHE_URL: 'valkey://cache/2' }).cacheUrl?.href).toBe('redis://cache/2');
    expect(serve([], { MCP_CACHE_URL: 'valkeys://cache' }).cacheUrl?.protocol).toBe('rediss:');
    expect(serve(['--cache-url', 'redis://flag:6379'], { MCP_CACHE_URL: 'redis://env' }).cacheUrl?.host).toBe(
      'flag:6379',
    );
    const secret = 'hunter2-cache';
    const refused: Array<[string[], Record<string, string>, RegExp]> = [
      [[], { MCP_CACHE_URL: `redis//:${secret}@cache` }, /^MCP_CACHE_URL is not a URL \(not repeated here/],
      [
        [],
        { MCP_CACHE_URL: `https://:${secret}@cache` },
        /^MCP_CACHE_URL must be a redis:\/\/ or rediss:\/\/ URL \(valkey:\/\/ and valkeys:\/\/ are taken as the same\), got https:/,
      ],
      [[], { MCP_CACHE_URL: `redis://:${secret}@cache/db` }, /may name a database number only/],
      [[], { MCP_CACHE_URL: `redis://:${secret}@cache/0?tls=1` }, /must not have a query/],
      [[], { MCP_CACHE_URL: 'redis:///0' }, /names no host/],
      [['--cache-url', `redis://:${secret}@cache`], {}, /^--cache-url holds credentials, which `ps` shows/],
    ];
    for (const [argv, env, message] of refused) {
      let error: unknown;
      try {
        serve(argv, env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(secret);
    }
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

  test('an unknown flag or tool name suggests the nearest one, and only when it is near', () => {
    expect(() => loadConfig(['--sandox'], {})).toThrow(
      'Unknown option "--sandox". Did you mean --sandbox? Run with --help to see the options.',
    );
    expect(() => loadConfig(['--read-onyl'], {})).toThrow(/Did you mean --read-only\?/);
    expect(() => loadConfig(['--timeout=5'], {})).toThrow(/Did you mean --timeout-ms\?/);
    expect(() => loadConfig(['--frobnicate'], {})).toThrow(/^Unknown option "--frobnicate"\. Run with --help/);
    expect(() => loadConfig(['--tools', 'find_user'], {})).toThrow(/Did you mean find_users\?/);
    expect(nearest('--host', ['--port', '--host'])).toBe('--host');
    // Two equally near candidates: no guess.
    expect(nearest('--pert', ['--port', '--part'])).toBeUndefined();
  });

  test('the tool catalog is an input: a tool added to it is selectable, and --read-only follows its access', () => {
    const catalog = [...TOOLS, { name: 'scratch_report', title: 'Report', access: 'read' as const }];
    const readOnly = loadWith(['--read-only'], {}, catalog);
    expect(readOnly.kind === 'serve' && readOnly.config.tools).toContain('scratch_report');
    expect(readOnly.kind === 'serve' && readOnly.config.tools).not.toContain('create_user_assignment');
    const picked = loadWith(['--tools', 'scratch_report'], {}, catalog);
    expect(picked.kind === 'serve' && picked.config.tools).toEqual(['scratch_report']);
    expect(help(catalog)).toMatch(/^ {2}scratch_report +read +Report$/m);
    expect(help(catalog)).toContain(`Tools (${catalog.length};`);
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
    // At start, a fault list the sandbox cannot read is a configuration error naming the variable.
    expect(() => loadConfig(['--sandbox'], { STACKONE_SANDBOX_FAULTS: 'boom' })).toThrow(ConfigError);
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
    expect(d.http.requestTimeoutMs).toBe(createBudgetMs(DEFAULT_TIMEOUT_MS) + 5000);
    const c = serve(['--transport', 'http', '--port=8080', '--allowed-hosts', 'A.example.com, b.example.com'], {
      MCP_ALLOWED_ORIGINS: 'https://App.example.com/path',
      MCP_AUTH_TOKEN: 'tok-0123456789abcdef0123456789abcdef',
      MCP_HOST: '0.0.0.0',
      STACKONE_API_KEY: 'k',
    });
    expect(c).toMatchObject({ transport: 'http' });
    expect(c.http).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      allowedHosts: ['a.example.com', 'b.example.com'],
      allowedOrigins: ['https://app.example.com'],
      authToken: 'tok-0123456789abcdef0123456789abcdef',
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
    [['--transport', 'sse'], /--transport/],
    [['--port', '70000'], /--port/],
    [['--allowed-origins', 'not-a-url'], /--allowed-origins/],
    [['--auth-token', 'x'], /MCP_AUTH_TOKEN/],
    [['--sandbox=yes'], /takes no value/],
  ])('%j is refused', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(message);
  });
});

describe('fail closed', () => {
  test.each(['STACKONE_READ_ONLY', 'STACKONE_SANDBOX'])('%s takes only the documented spellings', (name) => {
    for (const yes of ['1', 'true', 'TRUE', 'yes', 'on', ' On ']) {
      expect(() => loadConfig([], { [name]: yes })).not.toThrow();
    }
    for (const no of ['0', 'false', 'False', 'no', 'off', '']) {
      const config = serve([], { [name]: no });
      expect(config.sandbox).toBe(false);
      expect(config.tools).toEqual(TOOLS.map((t) => t.name));
    }
    for (const bad of ['maybe', '2', 'enabled', 'y', 'tru']) {
      expect(() => loadConfig([], { [name]: bad })).toThrow(ConfigError);
      expect(() => loadConfig([], { [name]: bad })).toThrow(
        new RegExp(`${name} must be one of 1, true, yes, on or 0, false, no, off \\(got "${bad}"\\)`),
      );
    }
    const reads = TOOLS.filter((t) => t.access === 'read').map((t) => t.name);
    expect(reads).toContain('list_user_assignments');
    expect(serve([], { STACKONE_READ_ONLY: 'yes' }).tools).toEqual(reads);
  });

  test.each([
    [['--port', 'abc'], /^--port must be/],
    [['--port=70000'], /^--port must be/],
    [['--timeout-ms', 'soon'], /^--timeout-ms must be/],
    [['--max-body-bytes', '1'], /^--max-body-bytes must be/],
    [['--transport', 'sse'], /^--transport must be stdio or http/],
    [['--log-level', 'loud'], /^--log-level must be one of/],
    [['--base-url', 'nope'], /^--base-url is not a URL/],
    [['--allowed-origins', 'x'], /^--allowed-origins: "x" is not an origin/],
    [['--tools', 'nope'], /Unknown tool in --tools: nope/],
    [['--account-id', 'a\u0001'], /^--account-id is not a StackOne account id/],
  ])('a flag error names the flag: %j', (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(message);
  });

  test('an environment error names the variable', () => {
    expect(() => loadConfig([], { MCP_PORT: 'abc' })).toThrow(/^MCP_PORT must be/);
    expect(() => loadConfig([], { MCP_TRANSPORT: 'sse' })).toThrow(/^MCP_TRANSPORT must be/);
  });
});

describe('MCP_AUTH_TOKEN strength', () => {
  const short = 'x'.repeat(31);
  test('shorter than 32 characters is refused on a non-loopback bind, saying how to make one', () => {
    for (const host of ['0.0.0.0', '10.0.0.5', '::']) {
      expect(() => loadConfig(['--transport', 'http', '--host', host], { MCP_AUTH_TOKEN: short })).toThrow(
        /MCP_AUTH_TOKEN is 31 characters.*at least 32.*openssl rand -hex 32/,
      );
    }
    expect(serve(['--transport', 'http', '--host', '0.0.0.0'], { MCP_AUTH_TOKEN: 'x'.repeat(32) }).warnings).toEqual(
      [],
    );
  });

  test('on loopback it is a warning, not a refusal', () => {
    const config = serve(['--transport', 'http'], { MCP_AUTH_TOKEN: short });
    expect(config.http.authToken).toBe(short);
    expect(config.warnings).toEqual([expect.stringMatching(/MCP_AUTH_TOKEN is 31 characters.*openssl rand -hex 32/)]);
    expect(serve([], { MCP_AUTH_TOKEN: short }).warnings).toEqual([]);
  });
});

describe('HTTP request timeout and the write check', () => {
  test('the default leaves room for a create, its duplicate check and its follow-up check', () => {
    const c = serve(['--transport', 'http']);
    expect(c.http.requestTimeoutMs).toBeGreaterThanOrEqual(createBudgetMs(c.timeoutMs));
    expect(createBudgetMs(DEFAULT_TIMEOUT_MS)).toBeGreaterThan(DEFAULT_TIMEOUT_MS);
    expect(createBudgetMs(1000)).toBe(3000);
  });

  test('a per-request timeout that cannot hold a create and its check is refused, naming both settings', () => {
    expect(() => loadConfig(['--transport', 'http', '--request-timeout-ms', '1500'], {})).toThrow(
      /--request-timeout-ms \(1500 ms\) cannot hold a create: STACKONE_TIMEOUT_MS \(65000 ms\).*at least \d+/,
    );
    expect(() =>
      loadConfig(['--transport', 'http'], { MCP_REQUEST_TIMEOUT_MS: '5000', STACKONE_TIMEOUT_MS: '3000' }),
    ).toThrow(/MCP_REQUEST_TIMEOUT_MS \(5000 ms\).*STACKONE_TIMEOUT_MS \(3000 ms\)/);
    expect(
      serve(['--transport', 'http', '--timeout-ms', '1000', '--request-timeout-ms', '3000']).http.requestTimeoutMs,
    ).toBe(3000);
    // Without a write tool there is no create to make room for.
    expect(serve(['--transport', 'http', '--read-only', '--request-timeout-ms', '1500']).http.requestTimeoutMs).toBe(
      1500,
    );
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
