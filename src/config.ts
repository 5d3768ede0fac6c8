/** Configuration: a pure function of (argv, env). Defaults, then env, then flags; every problem names its fix. */
import type { Fault } from './sandbox/emulator.js';
import { VERSION } from './version.js';

export const DEFAULT_BASE_URL = 'https://api.stackone.com';
/** StackOne gives a request 60 s before it answers 408; we wait a little longer so its answer, not ours, is the one seen. */
export const DEFAULT_TIMEOUT_MS = 65_000;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  /** Absent is allowed: every tool call then answers with how to set it (see README, "No API key"). */
  apiKey: string | undefined;
  accountId: string | undefined;
  baseUrl: URL;
  timeoutMs: number;
  logLevel: LogLevel;
  /** Serve against the embedded StackOne emulator instead of StackOne: no key, made-up data. */
  sandbox: boolean;
  /** Misbehaviour for the sandbox's next requests (STACKONE_SANDBOX_FAULTS), for rehearsing failures. */
  sandboxFaults: SandboxFault[];
}

export type SandboxFault = Fault;

export type CliAction = { kind: 'serve'; config: Config } | { kind: 'help' } | { kind: 'version' };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Flags that take a value. The API key is deliberately not one: `ps` would show it to every user of the machine. */
const VALUE_FLAGS = {
  '--account-id': 'STACKONE_ACCOUNT_ID',
  '--base-url': 'STACKONE_BASE_URL',
  '--timeout-ms': 'STACKONE_TIMEOUT_MS',
  '--log-level': 'STACKONE_LOG_LEVEL',
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

export const HELP = `stackone-lms-mcp ${VERSION}: an MCP server for StackOne's Unified LMS API (stdio).

Usage: stackone-lms-mcp [options]

Options (each has an environment variable; a flag wins over its variable):
  --account-id <id>     default x-account-id            STACKONE_ACCOUNT_ID
  --base-url <url>      StackOne API base URL           STACKONE_BASE_URL   (default ${DEFAULT_BASE_URL})
  --timeout-ms <ms>     whole-request timeout, retries  STACKONE_TIMEOUT_MS (default ${DEFAULT_TIMEOUT_MS})
                        included
  --log-level <level>   ${LOG_LEVELS.join(' | ')}     STACKONE_LOG_LEVEL  (default info; logs go to stderr)
  --sandbox             use the embedded StackOne LMS   STACKONE_SANDBOX=1
                        emulator: no key, made-up data
  -h, --help            show this help
  -v, --version         print the version

The API key is read only from the environment: STACKONE_API_KEY (never a flag, so it stays out of \`ps\`).

Sandbox only: STACKONE_SANDBOX_FAULTS makes the emulator misbehave for its next requests, to rehearse failures.
  A comma-separated list of 408|429|500|502|503|504[:retry-after-s], slow:<ms>, heartbeat:<newlines>, hang,
  each optionally *<count>. Example: STACKONE_SANDBOX_FAULTS="429:1*2,slow:3000"
`;

/** Control characters (and DEL) can split an HTTP header; they are never valid in a key or an account id. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

export function loadConfig(argv: readonly string[], env: Env): CliAction {
  const flags: Partial<Record<ValueFlag, string>> = {};
  let sandboxFlag = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-v' || arg === '--version') return { kind: 'version' };
    if (arg === '--sandbox') {
      sandboxFlag = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--api-key') {
      throw new ConfigError(
        'The API key is not taken on the command line, where `ps` shows it to everyone: set STACKONE_API_KEY in the environment (the "env" block of your MCP client config).',
      );
    }
    if (!(name in VALUE_FLAGS)) {
      throw new ConfigError(`Unknown option ${JSON.stringify(name)}. Run with --help to see the options.`);
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new ConfigError(`${name} needs a value.`);
    flags[name as ValueFlag] = value;
  }
  const pick = (flag: ValueFlag): string | undefined => {
    const value = flags[flag] ?? env[VALUE_FLAGS[flag]];
    return value === undefined || value.trim() === '' ? undefined : value;
  };

  const apiKey = nonEmpty(env.STACKONE_API_KEY);
  if (apiKey !== undefined && hasControlChars(apiKey)) {
    throw new ConfigError('STACKONE_API_KEY contains a control character (a stray newline?). Set it to the bare key.');
  }
  const accountId = pick('--account-id')?.trim();
  if (accountId !== undefined && hasControlChars(accountId)) {
    throw new ConfigError('STACKONE_ACCOUNT_ID contains a control character. Set it to the bare account id.');
  }
  const sandbox = sandboxFlag || isTruthy(env.STACKONE_SANDBOX);
  const faultSpec = nonEmpty(env.STACKONE_SANDBOX_FAULTS);
  if (faultSpec && !sandbox) {
    // Faults are for rehearsals: never let a stray variable make a real deployment misbehave.
    throw new ConfigError('STACKONE_SANDBOX_FAULTS only works with --sandbox (or STACKONE_SANDBOX=1). Unset it.');
  }
  return {
    kind: 'serve',
    config: {
      apiKey,
      accountId,
      baseUrl: parseBaseUrl(pick('--base-url') ?? DEFAULT_BASE_URL),
      timeoutMs: parseTimeout(pick('--timeout-ms')),
      logLevel: parseLogLevel(pick('--log-level')),
      sandbox,
      sandboxFaults: faultSpec ? parseFaults(faultSpec) : [],
    },
  };
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

function parseTimeout(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100 || ms > 600_000) {
    throw new ConfigError(
      `STACKONE_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000, got ${JSON.stringify(raw)}.`,
    );
  }
  return ms;
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
