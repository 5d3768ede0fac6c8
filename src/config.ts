/** Configuration: a pure function of (argv, env). Defaults, then env, then flags; every problem names its fix. */

import { SCOPE_TOKEN } from './auth/scopes.js';
import { ConfigError } from './errors.js';
import { isLoopbackHost } from './net.js';
import type { Fault } from './sandbox/emulator.js';
import { parseFaults } from './sandbox/faults.js';
import { DEFAULT_DIRECTORY_TTL_MS } from './stackone/directory.js';
import { hasControlChars, isHeaderToken } from './text.js';
import { checkBudgetMs, createBudgetMs } from './tools/budget.js';
import { VERSION } from './version.js';

export const DEFAULT_BASE_URL = 'https://api.stackone.com';
/** StackOne gives a request 60 s before it answers 408; we wait a little longer so its answer, not ours, is the one seen. */
export const DEFAULT_TIMEOUT_MS = 65_000;
/**
 * Open HTTP connections at once: well under the 1,024 file descriptors a process gets by default, so idle sockets
 * cannot take every descriptor (and the upstream connections, the audit file, the logs) from the server.
 */
export const DEFAULT_MAX_CONNECTIONS = 512;
export const DEFAULT_READ_SCOPE = 'lms:read';
export const DEFAULT_WRITE_SCOPE = 'lms:write';
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** The only spellings a switch takes from the environment: anything else stops the server rather than guess. */
const TRUE_WORDS = ['1', 'true', 'yes', 'on'] as const;
const FALSE_WORDS = ['0', 'false', 'no', 'off'] as const;
/** A bearer token shorter than this can be guessed from a network; `openssl rand -hex 32` makes a 64-character one. */
export const MIN_AUTH_TOKEN_LENGTH = 32;

export { CHECK_BUDGET_MAX_MS, checkBudgetMs, createBudgetMs } from './tools/budget.js';
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What configuration needs to know of each registered tool: its name, and whether it only reads (its own policy,
 * from defineTool). The bin passes the registry in; configuration never imports it.
 */
export interface ToolInfo {
  name: string;
  title: string;
  access: 'read' | 'write';
}

export type Transport = 'stdio' | 'http';

export interface HttpConfig {
  host: string;
  port: number;
  /** Host header values accepted besides loopback names (a bare name matches any port). */
  allowedHosts: string[];
  /** Browser Origin values accepted besides loopback origins. */
  allowedOrigins: string[];
  /** MCP_AUTH_TOKEN: when set, every /mcp request needs `Authorization: Bearer <token>`. */
  authToken: string | undefined;
  maxBodyBytes: number;
  requestTimeoutMs: number;
  /** Open connections accepted at once; past it new ones are closed at once (MCP_MAX_CONNECTIONS). */
  maxConnections: number;
  /** OAuth 2.1 protected-resource mode (MCP_OAUTH_ISSUER + MCP_RESOURCE_URL); absent means it is off. */
  oauth?: OAuthConfig | undefined;
}

export interface OAuthConfig {
  /** Exactly as configured: RFC 8414 compares it with the metadata's `issuer` as a string. */
  issuer: string;
  /** This server's public URL of /mcp: the `aud` every accepted token carries (RFC 8707). */
  resourceUrl: URL;
  readScope: string;
  writeScope: string;
  /** The claim naming the StackOne linked account; absent means STACKONE_ACCOUNT_ID (or the call's account_id). */
  accountClaim: string | undefined;
  /** Values of `accountClaim` mapped to StackOne account ids; absent means the claim holds the account id itself. */
  accountMap: ReadonlyMap<string, string> | undefined;
}

/** Where audit lines go: stderr (the default), a file appended to, or nowhere. */
export type AuditTarget = { kind: 'stderr' } | { kind: 'off' } | { kind: 'file'; path: string };

export interface Config {
  /** Absent is allowed: every tool call then answers with how to set it (see README, "No API key"). */
  apiKey: string | undefined;
  accountId: string | undefined;
  baseUrl: URL;
  timeoutMs: number;
  logLevel: LogLevel;
  transport: Transport;
  http: HttpConfig;
  /** Serve against the embedded StackOne emulator instead of StackOne: no key, made-up data. */
  sandbox: boolean;
  /** The names of the tools to register, in registry order (--tools, --read-only). */
  tools: string[];
  /** When non-empty, calls for any other account are refused before they reach StackOne. */
  allowedAccountIds: string[];
  /** Misbehaviour for the sandbox's next requests (STACKONE_SANDBOX_FAULTS), for rehearsing failures. */
  sandboxFaults: SandboxFault[];
  /** Problems worth a line on stderr at start that do not stop the server (the bin logs them). */
  warnings: string[];
  /** MCP_AUDIT_LOG: one line per write attempt and its outcome. */
  audit: AuditTarget;
  /** How long a tenant's cached directory answers lookups without asking StackOne; 0 keeps none. */
  directoryTtlMs: number;
  /**
   * MCP_CACHE_URL: the Redis or Valkey the replicas share their caches and write locks through (redis: or rediss:).
   * It may carry a password: never logged, never in an error.
   */
  cacheUrl: URL | undefined;
}

export type SandboxFault = Fault;

export type CliAction = { kind: 'serve'; config: Config } | { kind: 'help' } | { kind: 'version' };

type Env = Readonly<Record<string, string | undefined>>;

interface OptionSpec {
  flag: `--${string}`;
  env: string;
  /** Absent for switches (`--sandbox`), which take no value on the command line and 1/true in the environment. */
  arg?: string;
  help: string;
}

/**
 * Every command-line option and its environment variable; a flag wins over its variable. Secrets are deliberately
 * not here: STACKONE_API_KEY and MCP_AUTH_TOKEN are read only from the environment, so `ps` never shows them.
 */
export const OPTIONS = [
  { flag: '--transport', env: 'MCP_TRANSPORT', arg: 'stdio|http', help: 'how clients connect (default stdio)' },
  { flag: '--host', env: 'MCP_HOST', arg: '<host>', help: 'http: interface to listen on (default 127.0.0.1)' },
  { flag: '--port', env: 'MCP_PORT', arg: '<port>', help: 'http: port (default 3000)' },
  {
    flag: '--allowed-hosts',
    env: 'MCP_ALLOWED_HOSTS',
    arg: '<a,b>',
    help: 'http: Host headers accepted besides loopback names',
  },
  {
    flag: '--allowed-origins',
    env: 'MCP_ALLOWED_ORIGINS',
    arg: '<a,b>',
    help: 'http: browser Origins accepted besides loopback',
  },
  { flag: '--max-body-bytes', env: 'MCP_MAX_BODY_BYTES', arg: '<n>', help: 'http: request body cap (default 1 MiB)' },
  {
    flag: '--max-connections',
    env: 'MCP_MAX_CONNECTIONS',
    arg: '<n>',
    help: `http: open connections at once (default ${DEFAULT_MAX_CONNECTIONS})`,
  },
  {
    flag: '--request-timeout-ms',
    env: 'MCP_REQUEST_TIMEOUT_MS',
    arg: '<ms>',
    help: 'http: per-request limit (default: a create with its checks + 5 s)',
  },
  { flag: '--account-id', env: 'STACKONE_ACCOUNT_ID', arg: '<id>', help: 'default x-account-id' },
  {
    flag: '--base-url',
    env: 'STACKONE_BASE_URL',
    arg: '<url>',
    help: `StackOne API base URL (default ${DEFAULT_BASE_URL})`,
  },
  {
    flag: '--timeout-ms',
    env: 'STACKONE_TIMEOUT_MS',
    arg: '<ms>',
    help: `whole upstream call, retries included (default ${DEFAULT_TIMEOUT_MS})`,
  },
  {
    flag: '--log-level',
    env: 'STACKONE_LOG_LEVEL',
    arg: '<level>',
    help: `${LOG_LEVELS.join('|')} on stderr (default info)`,
  },
  {
    flag: '--read-only',
    env: 'STACKONE_READ_ONLY',
    help: 'register only the tools that read (marked "read" below)',
  },
  {
    flag: '--tools',
    env: 'STACKONE_TOOLS',
    arg: '<a,b>',
    help: 'register only these tools (named below)',
  },
  {
    flag: '--allowed-account-ids',
    env: 'STACKONE_ALLOWED_ACCOUNT_IDS',
    arg: '<a,b>',
    help: 'refuse calls for any other account, before they reach StackOne',
  },
  {
    flag: '--directory-ttl-ms',
    env: 'STACKONE_DIRECTORY_TTL_MS',
    arg: '<ms>',
    help: `lookups and reports reuse a tenant's cached lists this long, then ask for changes (default ${DEFAULT_DIRECTORY_TTL_MS}; 0 = no cache)`,
  },
  {
    flag: '--cache-url',
    env: 'MCP_CACHE_URL',
    arg: '<url>',
    help: 'share cached lists, walks and write locks across replicas: redis:// or rediss:// (Redis or Valkey; valkey:// too)',
  },
  {
    flag: '--sandbox',
    env: 'STACKONE_SANDBOX',
    help: 'answer from the embedded StackOne LMS emulator: no key, made-up data',
  },
  {
    flag: '--oauth-issuer',
    env: 'MCP_OAUTH_ISSUER',
    arg: '<url>',
    help: 'http: accept OAuth access tokens from this authorization server',
  },
  {
    flag: '--resource-url',
    env: 'MCP_RESOURCE_URL',
    arg: '<url>',
    help: "http, OAuth: this server's public URL of /mcp (the tokens' audience)",
  },
  {
    flag: '--oauth-read-scope',
    env: 'MCP_OAUTH_READ_SCOPE',
    arg: '<scope>',
    help: `http, OAuth: scope for the read tools (default ${DEFAULT_READ_SCOPE})`,
  },
  {
    flag: '--oauth-write-scope',
    env: 'MCP_OAUTH_WRITE_SCOPE',
    arg: '<scope>',
    help: `http, OAuth: scope for the creates (default ${DEFAULT_WRITE_SCOPE})`,
  },
  {
    flag: '--oauth-account-claim',
    env: 'MCP_OAUTH_ACCOUNT_CLAIM',
    arg: '<claim>',
    help: 'http, OAuth: token claim naming the StackOne account',
  },
  {
    flag: '--oauth-account-map',
    env: 'MCP_OAUTH_ACCOUNT_MAP',
    arg: '<v=id,...>',
    help: 'http, OAuth: claim values mapped to StackOne account ids',
  },
  {
    flag: '--audit-log',
    env: 'MCP_AUDIT_LOG',
    arg: '<path|stderr|off>',
    help: 'one line per write attempt (default stderr)',
  },
] as const satisfies readonly OptionSpec[];

type Flag = (typeof OPTIONS)[number]['flag'];

/** Variables read only from the environment. */
export const ENV_ONLY = ['STACKONE_API_KEY', 'MCP_AUTH_TOKEN', 'STACKONE_SANDBOX_FAULTS'] as const;

/** The --help text: the options, then the tools this build registers, each marked read or write. */
export function help(tools: readonly ToolInfo[]): string {
  return `stackone-lms-mcp ${VERSION}: an MCP server for StackOne's Unified LMS API.

Usage: stackone-lms-mcp [options]

Options (each has an environment variable; a flag wins over its variable):
${OPTIONS.map((o: OptionSpec) => `  ${`${o.flag}${o.arg ? ` ${o.arg}` : ''}`.padEnd(33)} ${o.env.padEnd(23)} ${o.help}`).join('\n')}
  -h, --help                        show this help
  -v, --version                     print the version

From the environment only (never flags, so they stay out of \`ps\`):
  STACKONE_API_KEY        the StackOne API key (HTTP Basic user name)
  MCP_AUTH_TOKEN          http: require \`Authorization: Bearer <token>\` on /mcp
  STACKONE_SANDBOX_FAULTS sandbox only: make the emulator's next requests misbehave, e.g. "429:1*2,slow:3000,hang"

Tools (${tools.length}; --tools takes these names, --read-only keeps those marked read):
${tools.map((t) => `  ${t.name.padEnd(33)} ${t.access.padEnd(23)} ${t.title}`).join('\n')}

Try it without a StackOne key: stackone-lms-mcp --sandbox
`;
}

export function loadConfig(argv: readonly string[], env: Env, catalog: readonly ToolInfo[]): CliAction {
  const byFlag = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.flag, o]));
  const flags = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-v' || arg === '--version') return { kind: 'version' };
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--api-key' || name === '--auth-token') {
      throw new ConfigError(
        `Secrets are not taken on the command line, where \`ps\` shows them to everyone: set ${name === '--api-key' ? 'STACKONE_API_KEY' : 'MCP_AUTH_TOKEN'} in the environment (the "env" block of your MCP client config).`,
      );
    }
    const spec = byFlag.get(name);
    if (!spec) {
      const near = nearest(name, [...byFlag.keys(), '--help', '--version']);
      throw new ConfigError(
        `Unknown option ${JSON.stringify(name)}.${near ? ` Did you mean ${near}?` : ''} Run with --help to see the options.`,
      );
    }
    if (!spec.arg) {
      if (eq > 0) throw new ConfigError(`${name} takes no value.`);
      flags.set(spec.flag as Flag, 'true');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new ConfigError(`${name} needs a value.`);
    flags.set(spec.flag as Flag, value);
  }
  const envOf = (flag: Flag) => (byFlag.get(flag) as OptionSpec).env;
  const pick: Pick = (flag): string | undefined => {
    const value = flags.get(flag) ?? env[envOf(flag)];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  /** What the person set, so an error names the flag they typed or the variable they exported. */
  const nameOf = (flag: Flag): string => (flags.has(flag) ? flag : envOf(flag));
  const warnings: string[] = [];

  const apiKey = secret(env, 'STACKONE_API_KEY');
  const authToken = secret(env, 'MCP_AUTH_TOKEN');
  const accountId = pick('--account-id');
  // Account ids travel as the x-account-id header: visible ASCII only, the rule every account id meets (text.ts).
  if (accountId !== undefined && !isHeaderToken(accountId)) {
    throw new ConfigError(
      `${nameOf('--account-id')} is not a StackOne account id: use visible ASCII with no spaces or control characters.`,
    );
  }
  const sandbox = bool(pick('--sandbox'), nameOf('--sandbox'));
  const tools = selectTools(catalog, list(pick('--tools')), bool(pick('--read-only'), nameOf('--read-only')), nameOf);
  const allowedAccountIds = list(pick('--allowed-account-ids'));
  if (!allowedAccountIds.every(isHeaderToken)) {
    throw new ConfigError(
      `${nameOf('--allowed-account-ids')} holds a value that is not a StackOne account id: use visible ASCII with no spaces or control characters.`,
    );
  }
  if (accountId && allowedAccountIds.length > 0 && !allowedAccountIds.includes(accountId)) {
    throw new ConfigError(
      `STACKONE_ACCOUNT_ID ${JSON.stringify(accountId)} is not in STACKONE_ALLOWED_ACCOUNT_IDS (${allowedAccountIds.join(', ')}). Add it or change the default.`,
    );
  }
  const faultSpec = nonEmpty(env.STACKONE_SANDBOX_FAULTS);
  if (faultSpec && !sandbox) {
    // Faults are for rehearsals: never let a stray variable make a real deployment misbehave.
    throw new ConfigError('STACKONE_SANDBOX_FAULTS only works with --sandbox (or STACKONE_SANDBOX=1). Unset it.');
  }
  const transport = pick('--transport') ?? 'stdio';
  if (transport !== 'stdio' && transport !== 'http') {
    throw new ConfigError(`${nameOf('--transport')} must be stdio or http, got ${JSON.stringify(transport)}.`);
  }
  const timeoutMs = int(pick('--timeout-ms'), nameOf('--timeout-ms'), DEFAULT_TIMEOUT_MS, 100, 600_000);
  const host = pick('--host') ?? '127.0.0.1';
  if (transport === 'http' && authToken !== undefined && authToken.length < MIN_AUTH_TOKEN_LENGTH) {
    const weak = `MCP_AUTH_TOKEN is ${authToken.length} characters; use at least ${MIN_AUTH_TOKEN_LENGTH} random ones, e.g. MCP_AUTH_TOKEN=$(openssl rand -hex 32).`;
    // Off this machine a short token can be guessed; on loopback only local processes can try.
    if (!isLoopbackHost(host)) throw new ConfigError(`Refusing to serve on ${host}: ${weak}`);
    warnings.push(weak);
  }
  const requestTimeoutMs = int(
    pick('--request-timeout-ms'),
    nameOf('--request-timeout-ms'),
    createBudgetMs(timeoutMs) + 5_000,
    100,
    3_600_000,
  );
  const writes = catalog.some((t) => t.access === 'write' && tools.includes(t.name));
  if (transport === 'http' && writes && requestTimeoutMs < createBudgetMs(timeoutMs)) {
    throw new ConfigError(
      `${nameOf('--request-timeout-ms')} (${requestTimeoutMs} ms) cannot hold a create: ${nameOf('--timeout-ms')} (${timeoutMs} ms) for the create itself plus up to ${checkBudgetMs(timeoutMs)} ms for each of its checks (the duplicate check before, the follow-up list after a lost reply). Set it to at least ${createBudgetMs(timeoutMs)}, lower ${nameOf('--timeout-ms')}, or serve --read-only.`,
    );
  }
  const oauth = parseOAuth(pick, allowedAccountIds);
  if (oauth && transport !== 'http') {
    throw new ConfigError(
      'MCP_OAUTH_ISSUER applies to --transport http only: stdio clients are the local user. Unset it.',
    );
  }
  if (oauth && authToken) {
    throw new ConfigError(
      'MCP_AUTH_TOKEN and MCP_OAUTH_ISSUER are both set: choose one way to sign in. Unset MCP_AUTH_TOKEN to use OAuth.',
    );
  }
  if (oauth && !apiKey && !sandbox) {
    throw new ConfigError(
      "OAuth mode calls StackOne with the operator's key, never a caller's: set STACKONE_API_KEY in the server's environment.",
    );
  }
  if (transport === 'http' && apiKey && !authToken && !oauth && !isLoopbackHost(host)) {
    // Anyone who can reach the port could spend the operator's key.
    throw new ConfigError(
      `Refusing to serve on ${host} with STACKONE_API_KEY set and no MCP_AUTH_TOKEN or MCP_OAUTH_ISSUER: anyone who can reach this port could use your StackOne key. Set MCP_AUTH_TOKEN (clients then send Authorization: Bearer <token>) or MCP_OAUTH_ISSUER and MCP_RESOURCE_URL (clients sign in with OAuth), or listen on 127.0.0.1.`,
    );
  }
  return {
    kind: 'serve',
    config: {
      apiKey,
      accountId,
      baseUrl: parseBaseUrl(pick('--base-url') ?? DEFAULT_BASE_URL, nameOf('--base-url')),
      timeoutMs,
      logLevel: parseLogLevel(pick('--log-level'), nameOf('--log-level')),
      transport,
      http: {
        host,
        port: int(pick('--port'), nameOf('--port'), 3000, 0, 65_535),
        allowedHosts: list(pick('--allowed-hosts')).map((h) => h.toLowerCase()),
        allowedOrigins: list(pick('--allowed-origins')).map((o) => normalizeOrigin(o, nameOf('--allowed-origins'))),
        authToken,
        maxBodyBytes: int(pick('--max-body-bytes'), nameOf('--max-body-bytes'), 1024 * 1024, 1024, 100 * 1024 * 1024),
        maxConnections: int(
          pick('--max-connections'),
          nameOf('--max-connections'),
          DEFAULT_MAX_CONNECTIONS,
          1,
          1_000_000,
        ),
        requestTimeoutMs,
        oauth,
      },
      sandbox,
      tools,
      allowedAccountIds,
      sandboxFaults: faultSpec ? faultsOf(faultSpec) : [],
      warnings,
      audit: parseAuditTarget(pick('--audit-log')),
      directoryTtlMs: int(
        pick('--directory-ttl-ms'),
        nameOf('--directory-ttl-ms'),
        DEFAULT_DIRECTORY_TTL_MS,
        0,
        86_400_000,
      ),
      cacheUrl: parseCacheUrl(pick('--cache-url'), nameOf('--cache-url')),
    },
  };
}

/**
 * MCP_CACHE_URL: redis://[user:password@]host[:port][/db], rediss:// for TLS; valkey:// and valkeys:// are taken as
 * their redis names (the protocol is the same; one client library misreads them). The URL may hold a password, so no
 * message here repeats it, and on the command line, where `ps` shows it, one is refused.
 */
function parseCacheUrl(raw: string | undefined, name: string): URL | undefined {
  if (raw === undefined) return undefined;
  const example = 'e.g. redis://cache:6379/0, or rediss:// for TLS';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL (not repeated here: it may hold a password). Use ${example}.`);
  }
  const schemes: Record<string, string> = {
    'redis:': 'redis:',
    'rediss:': 'rediss:',
    'valkey:': 'redis:',
    'valkeys:': 'rediss:',
  };
  const scheme = schemes[url.protocol];
  if (!scheme)
    throw new ConfigError(
      `${name} must be a redis:// or rediss:// URL (valkey:// and valkeys:// are taken as the same), got ${url.protocol}//... Use ${example}.`,
    );
  if (name.startsWith('--') && (url.username || url.password)) {
    throw new ConfigError(
      `${name} holds credentials, which \`ps\` shows to everyone: set MCP_CACHE_URL in the environment instead.`,
    );
  }
  if (!url.hostname) throw new ConfigError(`${name} names no host. Use ${example}.`);
  if (!/^\/?(\d{1,5})?$/.test(url.pathname)) {
    throw new ConfigError(`${name} may name a database number only (/0, /1, ...), not another path. Use ${example}.`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name} must not have a query or fragment. Use ${example}.`);
  if (scheme === url.protocol) return url;
  return new URL(`${scheme}${url.href.slice(url.protocol.length)}`);
}

type Pick = (flag: Flag) => string | undefined;

/** OAuth settings, all or nothing: an issuer without the resource URL (or the reverse) is a half-made setup. */
function parseOAuth(pick: Pick, allowedAccountIds: readonly string[]): OAuthConfig | undefined {
  const issuer = pick('--oauth-issuer');
  const resource = pick('--resource-url');
  const dependent = (['--oauth-account-claim', '--oauth-account-map'] as const).filter((f) => pick(f) !== undefined);
  if (!issuer && !resource) {
    if (dependent.length > 0) {
      throw new ConfigError(`${dependent.join(' and ')} need MCP_OAUTH_ISSUER and MCP_RESOURCE_URL (OAuth mode).`);
    }
    return undefined;
  }
  if (!issuer || !resource) {
    throw new ConfigError(
      `OAuth needs both MCP_OAUTH_ISSUER (the authorization server) and MCP_RESOURCE_URL (this server's public URL of /mcp); ${issuer ? 'MCP_RESOURCE_URL' : 'MCP_OAUTH_ISSUER'} is missing.`,
    );
  }
  const issuerUrl = publicUrl(issuer, 'MCP_OAUTH_ISSUER', 'https://login.example.com/');
  if (issuerUrl.search) throw new ConfigError('MCP_OAUTH_ISSUER must not have a query (RFC 8414).');
  const resourceUrl = publicUrl(resource, 'MCP_RESOURCE_URL', 'https://lms-mcp.example.com/mcp');
  if (resourceUrl.search) throw new ConfigError('MCP_RESOURCE_URL must not have a query (RFC 8707).');
  const scope = (flag: '--oauth-read-scope' | '--oauth-write-scope', name: string, fallback: string) => {
    const value = pick(flag) ?? fallback;
    if (!SCOPE_TOKEN.test(value)) {
      throw new ConfigError(`${name} must be one OAuth scope (no spaces or quotes), got ${JSON.stringify(value)}.`);
    }
    return value;
  };
  const accountClaim = pick('--oauth-account-claim');
  if (accountClaim !== undefined && hasControlChars(accountClaim)) {
    throw new ConfigError('MCP_OAUTH_ACCOUNT_CLAIM contains a control character.');
  }
  const mapSpec = pick('--oauth-account-map');
  if (mapSpec !== undefined && accountClaim === undefined) {
    throw new ConfigError(
      'MCP_OAUTH_ACCOUNT_MAP maps values of a token claim: set MCP_OAUTH_ACCOUNT_CLAIM to that claim (e.g. org_id).',
    );
  }
  return {
    issuer,
    resourceUrl,
    readScope: scope('--oauth-read-scope', 'MCP_OAUTH_READ_SCOPE', DEFAULT_READ_SCOPE),
    writeScope: scope('--oauth-write-scope', 'MCP_OAUTH_WRITE_SCOPE', DEFAULT_WRITE_SCOPE),
    accountClaim,
    accountMap: mapSpec === undefined ? undefined : parseAccountMap(mapSpec, allowedAccountIds),
  };
}

/** "acme=acct_1,globex=acct_2": claim value = StackOne account id. */
export function parseAccountMap(spec: string, allowedAccountIds: readonly string[] = []): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of list(spec)) {
    const eq = item.lastIndexOf('=');
    const value = item.slice(0, eq).trim();
    const account = item.slice(eq + 1).trim();
    if (eq <= 0 || !value || !account || hasControlChars(item) || !isHeaderToken(account)) {
      throw new ConfigError(
        `MCP_OAUTH_ACCOUNT_MAP: cannot read ${JSON.stringify(item)}; use claim-value=account-id pairs, e.g. acme=acct_123,globex=acct_456.`,
      );
    }
    if (map.has(value)) throw new ConfigError(`MCP_OAUTH_ACCOUNT_MAP maps ${JSON.stringify(value)} twice.`);
    if (allowedAccountIds.length > 0 && !allowedAccountIds.includes(account)) {
      throw new ConfigError(
        `MCP_OAUTH_ACCOUNT_MAP names account ${JSON.stringify(account)}, which is not in STACKONE_ALLOWED_ACCOUNT_IDS.`,
      );
    }
    map.set(value, account);
  }
  if (map.size === 0)
    throw new ConfigError('MCP_OAUTH_ACCOUNT_MAP is empty: unset it or give claim-value=account-id pairs.');
  return map;
}

/** https, or http on loopback for local testing: a token's issuer and audience are never worth faking over plain http. */
function publicUrl(raw: string, name: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${JSON.stringify(raw)}. Use e.g. ${example}.`);
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) {
    throw new ConfigError(`${name} must be an https URL (plain http only on 127.0.0.1 or localhost), got ${raw}.`);
  }
  if (url.username || url.password) throw new ConfigError(`${name} must not carry credentials.`);
  if (url.hash) throw new ConfigError(`${name} must not have a fragment.`);
  return url;
}

function parseAuditTarget(raw: string | undefined): AuditTarget {
  if (raw === undefined || raw.toLowerCase() === 'stderr') return { kind: 'stderr' };
  if (raw.toLowerCase() === 'off') return { kind: 'off' };
  if (hasControlChars(raw)) throw new ConfigError('MCP_AUDIT_LOG contains a control character.');
  return { kind: 'file', path: raw };
}

/**
 * --tools picks by name (unknown names fail at start, with the nearest valid one); --read-only keeps the tools whose
 * own policy is to read. The result is in registry order.
 */
function selectTools(
  catalog: readonly ToolInfo[],
  names: string[],
  readOnly: boolean,
  nameOf: (flag: Flag) => string,
): string[] {
  const all = catalog.map((t) => t.name);
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    const near = unknown.length === 1 ? nearest(unknown[0] as string, all) : undefined;
    throw new ConfigError(
      `Unknown tool${unknown.length > 1 ? 's' : ''} in ${nameOf('--tools')}: ${unknown.join(', ')}.${near ? ` Did you mean ${near}?` : ''} Valid tools: ${all.join(', ')}.`,
    );
  }
  let selected = catalog.filter((t) => names.length === 0 || names.includes(t.name));
  if (readOnly) {
    const writes = selected.filter((t) => t.access === 'write' && names.includes(t.name)).map((t) => t.name);
    if (writes.length > 0) {
      throw new ConfigError(
        `${nameOf('--read-only')} conflicts with ${nameOf('--tools')} ${writes.join(', ')}: those tools write.`,
      );
    }
    selected = selected.filter((t) => t.access === 'read');
  }
  return selected.map((t) => t.name);
}

/**
 * The candidate a typo most likely meant (--sandox -> --sandbox): the closest by edit distance, when it is close
 * enough to be a slip (at most a third of the word) and no other candidate is as close.
 */
export function nearest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const candidate of candidates) {
    const d = editDistance(typed.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  const limit = Math.max(1, Math.floor(Math.max(typed.length, best?.length ?? 0) / 3));
  return best !== undefined && !tie && bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

function secret(env: Env, name: string): string | undefined {
  const value = nonEmpty(env[name]);
  if (value !== undefined && hasControlChars(value)) {
    throw new ConfigError(`${name} contains a control character (a stray newline?). Set it to the bare value.`);
  }
  return value;
}

function int(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}.`);
  }
  return n;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Origins compare as scheme://host[:port], lower case, no path. */
export function normalizeOrigin(raw: string, name: string): string {
  try {
    const url = new URL(raw);
    if (url.origin === 'null') throw new Error('opaque');
    return url.origin.toLowerCase();
  } catch {
    throw new ConfigError(`${name}: ${JSON.stringify(raw)} is not an origin such as https://app.example.com.`);
  }
}

/** A switch: unset is off; otherwise only the documented spellings, so a typo never silently means "off". */
function bool(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  const word = value.trim().toLowerCase();
  if ((TRUE_WORDS as readonly string[]).includes(word)) return true;
  if ((FALSE_WORDS as readonly string[]).includes(word)) return false;
  throw new ConfigError(
    `${name} must be one of ${TRUE_WORDS.join(', ')} or ${FALSE_WORDS.join(', ')} (got ${JSON.stringify(value)}).`,
  );
}

/** A fault list the sandbox cannot read stops the server at start, like any other setting. */
function faultsOf(spec: string): SandboxFault[] {
  try {
    return parseFaults(spec);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parseBaseUrl(raw: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a URL: ${JSON.stringify(raw)}. Use e.g. ${DEFAULT_BASE_URL}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${name} must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError(`${name} must not carry credentials; set STACKONE_API_KEY instead.`);
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${name} must not have a query or fragment.`);
  }
  return url;
}

function parseLogLevel(raw: string | undefined, name: string): LogLevel {
  if (raw === undefined) return 'info';
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`${name} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}.`);
  }
  return level as LogLevel;
}
