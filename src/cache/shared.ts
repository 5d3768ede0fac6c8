/**
 * The connection to the shared store (Redis or Valkey, MCP_CACHE_URL) and the rules every use of it follows: a
 * command is bounded by a short timeout, a store that is away is skipped at once (each replica then works from its own
 * memory and in-process locks), an outage is logged once when it starts and once when it ends, and nothing the client
 * does can take the process down. Plus the lock the walks and the creates share: set-if-absent with an expiry,
 * renewed while held, released only by its holder. Loaded only when MCP_CACHE_URL is set (src/index.ts imports it
 * lazily), so a server without it never loads the client library.
 */
import { randomBytes } from 'node:crypto';
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  ErrorReply,
  RESP_TYPES,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from '@redis/client';
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
/**
 * The client's own bound sits this far past ours: it only frees a command whose reply never comes. Were it equal, it
 * would reject a command that ours gives one more bound after this process was busy (see guard).
 */
const CLIENT_BOUND_MARGIN_MS = 1_000;
/** Timeouts in a row on a connection the client still thinks open: it is taken as dead (a store moved without a
 * reset, which the kernel would notice only after minutes) and replaced by a new one. */
const DEAD_AFTER_TIMEOUTS = 3;
/** How long close() waits for the client to finish what it sent before dropping the connection. */
const CLOSE_WAIT_MS = 1_000;
/** Reconnect attempts back off from 100 ms to this; they never stop, so a store that returns is used again. */
const MAX_RECONNECT_DELAY_MS = 2_000;
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * Compare-and-delete: only the holder's token releases a lock, so a holder whose lock expired and was taken over
 * cannot release its successor's. Any further keys (the walk's progress line) go with it. EVAL rather than a newer
 * native command (DELIFEQ, DELEX): Redis 7.0, which Debian packages, has none.
 */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', unpack(KEYS)) else return 0 end`;
/**
 * Set-if-absent, or ours already: a claim whose reply was lost (it outlasted its bound) may still have been applied,
 * and asked again with the same token it is ours rather than held by a stranger until its expiry.
 */
const CLAIM = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0`;
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
    // Frees queued and sent commands alike whose reply never comes; run() keeps the real bound (rejectInFlight is
    // marked experimental).
    commandOptions: { timeout: timeoutMs + CLIENT_BOUND_MARGIN_MS, rejectInFlight: true },
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
    timeout: timeoutMs + CLIENT_BOUND_MARGIN_MS,
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
  // A reply error's first word is Redis's own code: OOM, WRONGPASS, NOAUTH, READONLY.
  if (error instanceof ErrorReply) {
    const word = /^[A-Z]{2,20}\b/.exec(error.message)?.[0];
    if (word) return word;
  }
  // The client's own error classes leave `name` as "Error", and the bundle renames the classes themselves (the shipped
  // bin logged "su" for SocketClosedUnexpectedlyError): they are named here, by class.
  for (const [label, kind] of CLIENT_ERRORS) if (error instanceof kind) return label;
  return /^[A-Za-z]{1,60}$/.test(error.name) ? error.name : 'Error';
}

const CLIENT_ERRORS: ReadonlyArray<readonly [string, abstract new (...args: never[]) => Error]> = [
  ['SocketClosedUnexpectedly', SocketClosedUnexpectedlyError],
  ['ConnectionTimeout', ConnectionTimeoutError],
  ['SocketTimeout', SocketTimeoutError],
  ['CommandTimeout', TimeoutError],
  ['ClientClosed', ClientClosedError],
  ['ClientOffline', ClientOfflineError],
  ['ReconnectStrategy', ReconnectStrategyError],
];

export class SharedCache {
  private client: Client;
  private bulk: BulkClient;
  private readonly url: URL;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly bulkTimeoutMs: number;
  private readonly coolOffMs: number;
  private state: 'connecting' | 'up' | 'down' = 'connecting';
  /** Whether the store has answered since this process started: "unreachable at start" and "connected" until then. */
  private connectedOnce = false;
  /** performance.now() until which the store is skipped after a failure. */
  private coolUntil = 0;
  /** Commands in a row that outlasted their bound on the current connection. */
  private timeoutsInARow = 0;
  private closed = false;

  constructor(url: URL, options: SharedCacheOptions) {
    this.url = url;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.bulkTimeoutMs = options.bulkTimeoutMs ?? DEFAULTS.bulkTimeoutMs;
    this.coolOffMs = options.coolOffMs ?? DEFAULTS.coolOffMs;
    this.client = this.open();
    this.bulk = bulkOf(this.client, this.bulkTimeoutMs);
  }

  /** A connection, in the background; events from one that was replaced are ignored. */
  private open(): Client {
    const client = connect(this.url, this.timeoutMs);
    // Without an 'error' listener the client's EventEmitter throws, and a connection lost mid-run ends the process
    // (measured in the research notes: exit code 1, SocketClosedUnexpectedlyError). It is attached before connect().
    client.on('error', (error: unknown) => {
      if (client === this.client) this.failed(error);
    });
    client.on('ready', () => {
      if (client === this.client) this.ready();
    });
    // Pending while the store is away (it retries for ever); commands meanwhile answer UNAVAILABLE.
    client.connect().catch((error: unknown) => {
      if (client === this.client) this.failed(error);
    });
    return client;
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
    return this.guard(() => command(this.client), this.timeoutMs, false);
  }

  /** The same for a snapshot's bytes: Buffers, and a longer bound. */
  async runBulk<T>(command: (client: BulkClient) => Promise<T>): Promise<T | Unavailable> {
    return this.guard(() => command(this.bulk), this.bulkTimeoutMs, false);
  }

  /**
   * A lock's command: tried whenever the connection is open, cool-off or not. One slow reply (or one refused
   * snapshot) must not make this replica create without the shared lock while every other replica still takes it,
   * nor leave a finished holder's lock in place until its expiry.
   */
  private runLock<T>(command: (client: Client) => Promise<T>): Promise<T | Unavailable> {
    return this.guard(() => command(this.client), this.timeoutMs, true);
  }

  /** Whether a lock's command can be sent now: the connection is open, whatever the cool-off says. */
  get connected(): boolean {
    return !this.closed && this.client.isReady;
  }

  private async guard<T>(command: () => Promise<T>, boundMs: number, lock: boolean): Promise<T | Unavailable> {
    if (this.closed || !this.client.isReady || (!lock && performance.now() < this.coolUntil)) return UNAVAILABLE;
    let timer: NodeJS.Timeout | undefined;
    try {
      const bound = new Promise<never>((_, reject) => {
        // The bound is the store's time to answer, not this process's: when the timer fires late (this process was
        // busy: a large snapshot packed takes about 270 ms), the command may not even have been written yet, or its
        // reply may be waiting unread in the socket. It then gets one more bound from now.
        const arm = (ms: number, again: boolean) => {
          const due = performance.now() + ms;
          timer = setTimeout(() => {
            if (again && performance.now() - due > ms / 4) arm(ms, false);
            else reject(new SharedCacheTimeout(boundMs));
          }, ms);
        };
        arm(boundMs, true);
      });
      const result = await Promise.race([command(), bound]);
      this.timeoutsInARow = 0;
      // A store that froze and thawed never says 'ready' again (its socket stayed open): a reply says it is back.
      if (this.state === 'down') this.ready();
      return result;
    } catch (error) {
      this.failed(error);
      if (error instanceof SharedCacheTimeout) this.countTimeout();
      return UNAVAILABLE;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A connection that keeps timing out while the client thinks it open is replaced: a store moved without a reset
   * leaves the old socket silent until the kernel gives up (minutes), while a new connection would answer at once.
   */
  private countTimeout(): void {
    this.timeoutsInARow += 1;
    if (this.timeoutsInARow < DEAD_AFTER_TIMEOUTS || this.closed) return;
    this.timeoutsInARow = 0;
    const old = this.client;
    this.client = this.open();
    this.bulk = bulkOf(this.client, this.bulkTimeoutMs);
    old.destroy();
  }

  /** Takes `key` for `ttlMs` when no one holds it: 'mine', 'held' by another, or UNAVAILABLE. */
  async claim(key: string, token: string, ttlMs: number): Promise<'mine' | 'held' | Unavailable> {
    const reply = await this.runLock((c) => c.eval(CLAIM, { keys: [key], arguments: [token, String(ttlMs)] }));
    if (reply === UNAVAILABLE) return reply;
    return reply === 1 ? 'mine' : 'held';
  }

  /** Extends our hold on `key`: false when it is no longer ours (it expired, and perhaps another took it). */
  async renew(key: string, token: string, ttlMs: number): Promise<boolean | Unavailable> {
    const reply = await this.runLock((c) => c.eval(RENEW, { keys: [key], arguments: [token, String(ttlMs)] }));
    return reply === UNAVAILABLE ? reply : reply === 1;
  }

  /**
   * Lets go of `key` (and `also`) if it is still ours. A release that cannot be sent now is tried once more after the
   * cool-off, so an identical create elsewhere does not wait out the whole expiry.
   */
  async release(key: string, token: string, also: readonly string[] = []): Promise<void> {
    const send = () => this.runLock((c) => c.eval(RELEASE, { keys: [key, ...also], arguments: [token] }));
    if ((await send()) !== UNAVAILABLE || this.closed) return;
    setTimeout(() => void send(), this.coolOffMs).unref();
  }

  /**
   * Stops reconnecting and closes the connection (SIGTERM, or stdin closed in stdio mode). A store that froze keeps
   * an unanswered command in the client's queue, and the client's close waits for it: past CLOSE_WAIT_MS the
   * connection is dropped instead.
   */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    if (!client.isOpen) {
      client.destroy();
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
    });
    try {
      const outcome = await Promise.race([client.close().then(() => 'closed' as const), waited]);
      if (outcome === 'late') client.destroy();
    } catch {
      if (client.isOpen) client.destroy();
    } finally {
      clearTimeout(timer);
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
    this.timeoutsInARow = 0;
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

/** Unanswered claims in a row on an open connection before a wait goes on without the store. */
const MAX_UNANSWERED_CLAIMS = 3;

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
  let unanswered = 0;
  for (;;) {
    if (options.signal.aborted) throw options.signal.reason;
    const claimed = await cache.claim(key, token, options.ttlMs);
    if (claimed === 'mine') return { kind: 'lease', lease: new Lease(cache, key, token, options.ttlMs, options.also) };
    const left = options.waitMs - (performance.now() - started);
    if (claimed === UNAVAILABLE) {
      // An unanswered claim on an open connection is asked again (its token makes a claim that did land ours), a
      // few times, within the wait: one slow reply is not an outage. Past that, or with the connection down, go on
      // without the store, and let go of whatever a lost reply may have taken.
      unanswered += 1;
      if (cache.connected && unanswered < MAX_UNANSWERED_CLAIMS && left > 0) continue;
      void cache.release(key, token);
      return { kind: 'unavailable' };
    }
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
