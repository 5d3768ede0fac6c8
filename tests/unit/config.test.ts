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

  test('the directory TTL: a few minutes by default, env then flag, 0 allowed, nonsense refused with the variable named', () => {
    expect(serve([]).directoryTtlMs).toBe(300_000);
    expect(serve([], { STACKONE_DIRECTORY_TTL_MS: '60000' }).directoryTtlMs).toBe(60_000);
    expect(serve(['--directory-ttl-ms', '0'], { STACKONE_DIRECTORY_TTL_MS: '60000' }).directoryTtlMs).toBe(0);
    expect(() => serve(['--directory-ttl-ms', '5m'])).toThrow(/STACKONE_DIRECTORY_TTL_MS must be a whole number/);
    expect(() => serve([], { STACKONE_DIRECTORY_TTL_MS: '-1' })).toThrow(ConfigError);
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
