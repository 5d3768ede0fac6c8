/**
 * The connection to the shared store (Redis or Valkey, MCP_CACHE_URL) and the rules every use of it follows: a
 * command is bounded by a short timeout, a store that is away is skipped at once (each replica then works from its own
 * memory and in-process locks), an outage is logged once when it starts and once when it ends, and nothing the client
 * does can take the process down. Plus the lock the walks and the creates share: set-if-absent with an expiry,
 * renewed while held, released only by its holder. Loaded only when MCP_CACHE_URL is set (src/index.ts imports it
 * lazily), so a server without it never loads the client library.
 */
import { randomBytes } from 'node:crypto';
import { createClient, ErrorReply, RESP_TYPES } from '@redis/client';
import type { Logger } from '../log.js';

/** What a command answers while the store cannot be used: the caller goes on without it. */
export const UNAVAILABLE: unique symbol = Symbol('shared store unavailable');
export type Unavailable = typeof UNAVAILABLE;

export interface SharedCacheOptions {
  logger: Logger;
  /**
   * A lock or version call (a few bytes): a store that does not answer in this long counts as away. The research
   * notes measured 0.04 ms for such a call on loopback and a few ms across a cluster; 200 ms is far above both and
   * still a small part of any tool call.
   */
  timeoutMs?: number;
  /** A snapshot's GET or SET (a few MB for a large organisation: 5-20 ms measured on loopback). */
  bulkTimeoutMs?: number;
  /** After a failure, how long the store is skipped before it is tried again (a reconnect ends it sooner). */
  coolOffMs?: number;
}

const DEFAULTS = { timeoutMs: 200, bulkTimeoutMs: 2_000, coolOffMs: 2_000 };
/** Reconnect attempts back off from 100 ms to this; they never stop, so a store that returns is used again. */
const MAX_RECONNECT_DELAY_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * Compare-and-delete: only the holder's token releases a lock, so a holder whose lock expired and was taken over
 * cannot release its successor's. Any further keys (the walk's progress line) go with it. EVAL rather than a newer
 * native command (DELIFEQ, DELEX): Redis 7.0, which Debian packages, has none.
 */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', unpack(KEYS)) else return 0 end`;
/** Compare-and-extend: a renewal by a holder that has lost the lock fails rather than extending another's. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

function connect(url: URL, timeoutMs: number) {
  return createClient({
    url: url.href,
    // Fail fast: a command while the store is away rejects at once instead of queueing until it returns.
    disableOfflineQueue: true,
    // Neither CLIENT SETINFO nor the maintenance handshake exist in Redis 7.0 or Valkey: each would leave an error.
    disableClientInfo: true,
    maintNotifications: 'disabled',
    // Bounds queued and sent commands alike; run() keeps its own bound too (rejectInFlight is marked experimental).
    commandOptions: { timeout: timeoutMs, rejectInFlight: true },
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      // The default strategy gives up after a socket timeout; ours never does.
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
    },
  });
}

type Client = ReturnType<typeof connect>;

/** The client for snapshots: replies as Buffers (gzip), under the longer bound. */
function bulkOf(client: Client, timeoutMs: number) {
  return client.withCommandOptions({
    timeout: timeoutMs,
    rejectInFlight: true,
    typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer },
  });
}

export type BulkClient = ReturnType<typeof bulkOf>;

/** A label for an outage in the log: a code or a class name, never a message that could hold the URL's host. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  // A reply error's first word is Redis's own code: OOM, WRONGPASS, NOAUTH, READONLY. (The client's error classes
  // leave `name` as "Error", so they are told apart by class: the class name is the useful label for the others,
  // SocketClosedUnexpectedlyError, ConnectionTimeoutError.)
  if (error instanceof ErrorReply) {
    const word = /^[A-Z]{2,20}\b/.exec(error.message)?.[0];
    if (word) return word;
  }
  const label = error.name === 'Error' ? error.constructor.name : error.name;
  return /^[A-Za-z]{1,60}$/.test(label) ? label : 'Error';
}

export class SharedCache {
  private readonly client: Client;
  private readonly bulk: BulkClient;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly bulkTimeoutMs: number;
  private readonly coolOffMs: number;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  /** Whether the store has answered since this process started: "unreachable at start" and "connected" until then. */
  private connectedOnce = false;
  /** performance.now() until which the store is skipped after a failure. */
  private coolUntil = 0;
  private closed = false;

  constructor(url: URL, options: SharedCacheOptions) {
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.bulkTimeoutMs = options.bulkTimeoutMs ?? DEFAULTS.bulkTimeoutMs;
    this.coolOffMs = options.coolOffMs ?? DEFAULTS.coolOffMs;
    this.client = connect(url, this.timeoutMs);
    this.bulk = bulkOf(this.client, this.bulkTimeoutMs);
    // Without an 'error' listener the client's EventEmitter throws, and a connection lost mid-run ends the process
    // (measured in the research notes: exit code 1, SocketClosedUnexpectedlyError). It is attached before connect().
    this.client.on('error', (error: unknown) => this.failed(error));
    this.client.on('ready', () => this.ready());
    // Pending while the store is away (it retries for ever); commands meanwhile answer UNAVAILABLE.
    this.client.connect().catch((error: unknown) => this.failed(error));
  }

  /** Whether the store is in use now (for tests and the figures). */
  get available(): boolean {
    return this.state === 'up' && this.client.isReady;
  }

  /**
   * Runs one command (or a MULTI) against the store. Answers UNAVAILABLE, without waiting, while the store is away
   * or cooling off after a failure; and when the command fails or outlasts its bound, which starts a cool-off. Never
   * throws: a caller always has its own way on without the store.
   */
  async run<T>(command: (client: Client) => Promise<T>): Promise<T | Unavailable> {
    return this.guard(() => command(this.client), this.timeoutMs);
  }

  /** The same for a snapshot's bytes: Buffers, and a longer bound. */
  async runBulk<T>(command: (client: BulkClient) => Promise<T>): Promise<T | Unavailable> {
    return this.guard(() => command(this.bulk), this.bulkTimeoutMs);
  }

  private async guard<T>(command: () => Promise<T>, boundMs: number): Promise<T | Unavailable> {
    if (this.closed || !this.client.isReady || performance.now() < this.coolUntil) return UNAVAILABLE;
    let timer: NodeJS.Timeout | undefined;
    try {
      const bound = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SharedCacheTimeout(boundMs)), boundMs);
      });
      const result = await Promise.race([command(), bound]);
      // A store that froze and thawed never says 'ready' again (its socket stayed open): a reply says it is back.
      if (this.state === 'down') this.ready();
      return result;
    } catch (error) {
      this.failed(error);
      return UNAVAILABLE;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes `key` for `ttlMs` when no one holds it: 'mine', 'held' by another, or UNAVAILABLE. */
  async claim(key: string, token: string, ttlMs: number): Promise<'mine' | 'held' | Unavailable> {
    const reply = await this.run((c) =>
      c.set(key, token, { expiration: { type: 'PX', value: ttlMs }, condition: 'NX' }),
    );
    if (reply === UNAVAILABLE) return reply;
    return reply === 'OK' ? 'mine' : 'held';
  }

  /** Extends our hold on `key`: false when it is no longer ours (it expired, and perhaps another took it). */
  async renew(key: string, token: string, ttlMs: number): Promise<boolean | Unavailable> {
    const reply = await this.run((c) => c.eval(RENEW, { keys: [key], arguments: [token, String(ttlMs)] }));
    return reply === UNAVAILABLE ? reply : reply === 1;
  }

  /** Lets go of `key` (and `also`) if it is still ours. */
  async release(key: string, token: string, also: readonly string[] = []): Promise<void> {
    await this.run((c) => c.eval(RELEASE, { keys: [key, ...also], arguments: [token] }));
  }

  /** Stops reconnecting and closes the connection (SIGTERM, or stdin closed in stdio mode). */
  async close(): Promise<void> {
    this.closed = true;
    try {
      if (this.client.isOpen) await this.client.close();
      else this.client.destroy();
    } catch {
      this.client.destroy();
    }
  }

  private failed(error: unknown): void {
    this.coolUntil = performance.now() + this.coolOffMs;
    if (this.closed || this.state === 'down') return;
    const reason = reasonOf(error);
    this.logger.warn(
      !this.connectedOnce
        ? 'shared cache (MCP_CACHE_URL) unreachable at start: this replica uses its own memory and locks until it answers'
        : 'shared cache (MCP_CACHE_URL) unavailable: this replica uses its own memory and locks until it returns',
      { reason },
    );
    this.state = 'down';
  }

  private ready(): void {
    this.coolUntil = 0;
    if (this.closed || this.state === 'up') return;
    this.logger.info(
      !this.connectedOnce
        ? 'shared cache (MCP_CACHE_URL) connected: directories, report indexes, walks and creates are shared'
        : 'shared cache (MCP_CACHE_URL) is back: sharing again',
    );
    this.state = 'up';
    this.connectedOnce = true;
  }
}

class SharedCacheTimeout extends Error {
  override name = 'SharedCacheTimeout';
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** A lock's owner token: random, so no two holders (in any replica) share one. */
export function lockToken(): string {
  return randomBytes(16).toString('hex');
}

/** Polls for a held lock back off from this to MAX_POLL_MS, with ±20% jitter so waiters do not poll in step. */
const MIN_POLL_MS = 50;
/** The most a waiter lags behind the holder's release: a quarter of a second against a walk of seconds. */
const MAX_POLL_MS = 250;

/** A lock held in the store, renewed every third of its TTL until released. */
export class Lease {
  private readonly timer: NodeJS.Timeout;
  /** The store said the lock is no longer ours (it expired while the store was away or this process stalled). */
  lost = false;

  constructor(
    private readonly cache: SharedCache,
    readonly key: string,
    private readonly token: string,
    ttlMs: number,
    private readonly also: readonly string[] = [],
  ) {
    this.timer = setInterval(() => {
      void cache.renew(key, token, ttlMs).then((renewed) => {
        if (renewed === false) this.lost = true;
      });
    }, ttlMs / 3);
    // A lock never keeps the process alive.
    this.timer.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    if (!this.lost) await this.cache.release(this.key, this.token, this.also);
  }
}

/** How a wait for a lock ended. */
export type Acquired =
  | { kind: 'lease'; lease: Lease }
  /** The store cannot be used: go on without it. */
  | { kind: 'unavailable' }
  /** `waitMs` passed with the lock still held by another. */
  | { kind: 'timeout' };

export interface AcquireOptions {
  ttlMs: number;
  signal: AbortSignal;
  /** How long to wait for another holder; Infinity waits while it holds (a dead holder's lock expires). */
  waitMs: number;
  /** Keys released with the lock. */
  also?: readonly string[];
  /** Called between attempts while another holds the lock (the walk relays the holder's progress). */
  poll?: () => Promise<void>;
}

/**
 * Takes the lock `key`, waiting (polling, 50 to 250 ms apart) while another replica holds it. A holder that dies
 * holds it at most its TTL: then the next attempt here takes it. Rejects with the signal's reason when it aborts.
 */
export async function acquire(cache: SharedCache, key: string, options: AcquireOptions): Promise<Acquired> {
  const token = lockToken();
  const started = performance.now();
  let delay = MIN_POLL_MS;
  for (;;) {
    if (options.signal.aborted) throw options.signal.reason;
    const claimed = await cache.claim(key, token, options.ttlMs);
    if (claimed === UNAVAILABLE) return { kind: 'unavailable' };
    if (claimed === 'mine') return { kind: 'lease', lease: new Lease(cache, key, token, options.ttlMs, options.also) };
    const left = options.waitMs - (performance.now() - started);
    if (left <= 0) return { kind: 'timeout' };
    await pause(Math.min(left, delay * (0.8 + 0.4 * Math.random())), options.signal);
    delay = Math.min(delay * 2, MAX_POLL_MS);
    await options.poll?.();
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
