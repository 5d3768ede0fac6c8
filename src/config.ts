/** Configuration: a pure function of (argv, env). Defaults, then env, then flags; every problem names its fix. */
import type { Fault } from './sandbox/emulator.js';
import { READ_ONLY_TOOLS, TOOL_NAMES, type ToolName } from './tools/names.js';
import { VERSION } from './version.js';

export const DEFAULT_BASE_URL = 'https://api.stackone.com';
/** StackOne gives a request 60 s before it answers 408; we wait a little longer so its answer, not ours, is the one seen. */
export const DEFAULT_TIMEOUT_MS = 65_000;
/** A few minutes: a chat that names several people reads the directory once; a change reaches it within that. */
export const DEFAULT_DIRECTORY_TTL_MS = 5 * 60_000;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
}

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
  /** The tools to register, in registry order (--tools, --read-only). */
  tools: ToolName[];
  /** When non-empty, calls for any other account are refused before they reach StackOne. */
  allowedAccountIds: string[];
  /** Misbehaviour for the sandbox's next requests (STACKONE_SANDBOX_FAULTS), for rehearsing failures. */
  sandboxFaults: SandboxFault[];
  /** How long a tenant's cached directory answers lookups without asking StackOne; 0 keeps none. */
  directoryTtlMs: number;
}

export type SandboxFault = Fault;

export type CliAction = { kind: 'serve'; config: Config } | { kind: 'help' } | { kind: 'version' };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

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
    flag: '--request-timeout-ms',
    env: 'MCP_REQUEST_TIMEOUT_MS',
    arg: '<ms>',
    help: 'http: per-request limit (default STACKONE_TIMEOUT_MS + 5 s)',
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
    help: 'register only the reads: find_users, find_learning_objects, list_user_assignments',
  },
  {
    flag: '--tools',
    env: 'STACKONE_TOOLS',
    arg: '<a,b>',
    help: `register only these tools (of ${TOOL_NAMES.join(', ')})`,
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
    help: `lookups reuse a tenant's directory this long, then ask for changes (default ${DEFAULT_DIRECTORY_TTL_MS}; 0 = no cache)`,
  },
  {
    flag: '--sandbox',
    env: 'STACKONE_SANDBOX',
    help: 'answer from the embedded StackOne LMS emulator: no key, made-up data',
  },
] as const satisfies readonly OptionSpec[];

type Flag = (typeof OPTIONS)[number]['flag'];

/** Variables read only from the environment. */
export const ENV_ONLY = ['STACKONE_API_KEY', 'MCP_AUTH_TOKEN', 'STACKONE_SANDBOX_FAULTS'] as const;

export const HELP = `stackone-lms-mcp ${VERSION}: an MCP server for StackOne's Unified LMS API.

Usage: stackone-lms-mcp [options]

Options (each has an environment variable; a flag wins over its variable):
${OPTIONS.map((o: OptionSpec) => `  ${`${o.flag}${o.arg ? ` ${o.arg}` : ''}`.padEnd(33)} ${o.env.padEnd(23)} ${o.help}`).join('\n')}
  -h, --help                        show this help
  -v, --version                     print the version

From the environment only (never flags, so they stay out of \`ps\`):
  STACKONE_API_KEY        the StackOne API key (HTTP Basic user name)
  MCP_AUTH_TOKEN          http: require \`Authorization: Bearer <token>\` on /mcp
  STACKONE_SANDBOX_FAULTS sandbox only: make the emulator's next requests misbehave, e.g. "429:1*2,slow:3000,hang"
`;

/** Control characters (and DEL) can split an HTTP header; they are never valid in a key or an account id. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

export function loadConfig(argv: readonly string[], env: Env): CliAction {
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
    if (!spec) throw new ConfigError(`Unknown option ${JSON.stringify(name)}. Run with --help to see the options.`);
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
  const pick = (flag: Flag): string | undefined => {
    const value = flags.get(flag) ?? env[envOf(flag)];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const apiKey = secret(env, 'STACKONE_API_KEY');
  const authToken = secret(env, 'MCP_AUTH_TOKEN');
  const accountId = pick('--account-id');
  if (accountId !== undefined && hasControlChars(accountId)) {
    throw new ConfigError('STACKONE_ACCOUNT_ID contains a control character. Set it to the bare account id.');
  }
  const sandbox = isTruthy(pick('--sandbox'));
  const tools = selectTools(list(pick('--tools')), isTruthy(pick('--read-only')));
  const allowedAccountIds = list(pick('--allowed-account-ids'));
  if (allowedAccountIds.some(hasControlChars)) {
    throw new ConfigError('STACKONE_ALLOWED_ACCOUNT_IDS contains a control character.');
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
    throw new ConfigError(`MCP_TRANSPORT (--transport) must be stdio or http, got ${JSON.stringify(transport)}.`);
  }
  const timeoutMs = int(pick('--timeout-ms'), 'STACKONE_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, 100, 600_000);
  const host = pick('--host') ?? '127.0.0.1';
  if (transport === 'http' && apiKey && !authToken && !isLoopbackHost(host)) {
    // Anyone who can reach the port could spend the operator's key.
    throw new ConfigError(
      `Refusing to serve on ${host} with STACKONE_API_KEY set and no MCP_AUTH_TOKEN: anyone who can reach this port could use your StackOne key. Set MCP_AUTH_TOKEN (clients then send Authorization: Bearer <token>), or listen on 127.0.0.1.`,
    );
  }
  return {
    kind: 'serve',
    config: {
      apiKey,
      accountId,
      baseUrl: parseBaseUrl(pick('--base-url') ?? DEFAULT_BASE_URL),
      timeoutMs,
      logLevel: parseLogLevel(pick('--log-level')),
      transport,
      http: {
        host,
        port: int(pick('--port'), 'MCP_PORT', 3000, 0, 65_535),
        allowedHosts: list(pick('--allowed-hosts')).map((h) => h.toLowerCase()),
        allowedOrigins: list(pick('--allowed-origins')).map((o) => normalizeOrigin(o, 'MCP_ALLOWED_ORIGINS')),
        authToken,
        maxBodyBytes: int(pick('--max-body-bytes'), 'MCP_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
        requestTimeoutMs: int(
          pick('--request-timeout-ms'),
          'MCP_REQUEST_TIMEOUT_MS',
          timeoutMs + 5_000,
          100,
          3_600_000,
        ),
      },
      sandbox,
      tools,
      allowedAccountIds,
      sandboxFaults: faultSpec ? parseFaults(faultSpec) : [],
      directoryTtlMs: int(
        pick('--directory-ttl-ms'),
        'STACKONE_DIRECTORY_TTL_MS',
        DEFAULT_DIRECTORY_TTL_MS,
        0,
        86_400_000,
      ),
    },
  };
}

/** --tools picks by name (unknown names fail at start, listing the valid ones); --read-only keeps only reads. */
function selectTools(names: string[], readOnly: boolean): ToolName[] {
  const unknown = names.filter((n) => !(TOOL_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Unknown tool${unknown.length > 1 ? 's' : ''} in STACKONE_TOOLS (--tools): ${unknown.join(', ')}. Valid tools: ${TOOL_NAMES.join(', ')}.`,
    );
  }
  let selected: ToolName[] = names.length > 0 ? TOOL_NAMES.filter((t) => names.includes(t)) : [...TOOL_NAMES];
  if (readOnly) {
    const writes = names.filter((n) => !READ_ONLY_TOOLS.includes(n as ToolName));
    if (writes.length > 0) {
      throw new ConfigError(
        `--read-only (STACKONE_READ_ONLY) conflicts with --tools ${writes.join(', ')}: those tools write.`,
      );
    }
    selected = selected.filter((t) => READ_ONLY_TOOLS.includes(t));
  }
  return selected;
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

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

const FAULT_STATUSES = [408, 429, 500, 502, 503, 504] as const;

/** "429:2*3,slow:3000,hang" -> three 429s with Retry-After 2, one slow reply, one hang. */
export function parseFaults(spec: string): SandboxFault[] {
  const out: SandboxFault[] = [];
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([a-z0-9]+)(?::(\d+))?(?:\*(\d+))?$/i.exec(item);
    const bad = () =>
      new ConfigError(
        `STACKONE_SANDBOX_FAULTS: cannot read ${JSON.stringify(item)}; use e.g. 429:1*2, 503, slow:3000, heartbeat:20, hang.`,
      );
    if (!match) throw bad();
    const [, kind = '', argText, countText] = match;
    const arg = argText === undefined ? undefined : Number(argText);
    const count = countText === undefined ? 1 : Number(countText);
    if (count < 1 || count > 1000) throw bad();
    let fault: SandboxFault;
    const status = Number(kind);
    if ((FAULT_STATUSES as readonly number[]).includes(status)) {
      fault = {
        type: 'status',
        status: status as (typeof FAULT_STATUSES)[number],
        ...(arg !== undefined ? { retryAfter: arg } : status === 429 ? { retryAfter: 1 } : {}),
      };
    } else if (kind === 'slow') {
      fault = { type: 'slow', delayMs: arg ?? 2000 };
    } else if (kind === 'heartbeat') {
      fault = { type: 'heartbeat', count: arg ?? 10, intervalMs: 200 };
    } else if (kind === 'hang') {
      fault = { type: 'hang' };
    } else throw bad();
    for (let i = 0; i < count; i++) out.push(fault);
  }
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`STACKONE_BASE_URL is not a URL: ${JSON.stringify(raw)}. Use e.g. ${DEFAULT_BASE_URL}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`STACKONE_BASE_URL must be http(s), got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ConfigError('STACKONE_BASE_URL must not carry credentials; set STACKONE_API_KEY instead.');
  }
  if (url.search || url.hash) {
    throw new ConfigError('STACKONE_BASE_URL must not have a query or fragment.');
  }
  return url;
}

function parseLogLevel(raw: string | undefined): LogLevel {
  if (raw === undefined) return 'info';
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`STACKONE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}.`);
  }
  return level as LogLevel;
}

/** True for hosts that never leave this machine; used to warn before a key travels over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
