/**
 * The directory cache: an account's LMS users, courses and content, walked once per tenant and then kept fresh with
 * `filter[updated_after]` deltas, so a lookup by name costs a full walk only the first time. The snapshots live
 * behind DirectoryStore (memory here; Redis or Valkey could take its place); the walks themselves stay in-process.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { CancelledError, UpstreamError } from '../errors.js';
import type { Credentials, StackOneClient } from './client.js';
import { LIST_CONTENT, LIST_COURSES, LIST_USERS } from './endpoints.js';
import { CONTENT_FIELDS, COURSE_FIELDS, type DirectoryListQuery, USER_FIELDS } from './schemas.js';

/** A few minutes: a chat that names several people reads the directory once; a change reaches it within that. */
export const DEFAULT_DIRECTORY_TTL_MS = 5 * 60_000;

export type DirectoryKind = 'users' | 'courses' | 'content';

/** A record as kept: the upstream JSON cut down to the fields a lookup asks for (USER_FIELDS and friends). */
export type DirectoryRecord = Record<string, unknown>;

/** One tenant's copy of one collection; plain JSON, so a shared store can serialise it as it is. */
export interface DirectorySnapshot {
  records: DirectoryRecord[];
  /** When the last full walk started (ms since the epoch). */
  walkedAt: number;
  /** When the last walk or delta that saw everything started: the next delta asks for changes after this. */
  syncedAt: number;
  /** False while a walk cut short (or interrupted) has not reached the last page. */
  complete: boolean;
  /** Where an incomplete walk resumes. */
  next?: string | undefined;
}

/**
 * Where snapshots live. Keys are opaque digests (tenant and collection), never a key or an account in clear. A shared
 * store (Redis, Valkey) implements these two calls with its own expiry; the directory decides freshness itself.
 */
export interface DirectoryStore {
  get(key: string): Promise<DirectorySnapshot | undefined>;
  put(key: string, snapshot: DirectorySnapshot): Promise<void>;
}

/** Records kept across all tenants by the memory store: about 250 bytes each, so roughly 50 MB at the bound. */
export const DEFAULT_MAX_RECORDS = 200_000;

/** In-process snapshots, least recently used dropped first once the records held pass `maxRecords`. */
export class MemoryDirectoryStore implements DirectoryStore {
  private readonly entries = new Map<string, DirectorySnapshot>();
  private held = 0;

  constructor(private readonly maxRecords: number = DEFAULT_MAX_RECORDS) {}

  /** Records held now, for tests and figures. */
  get size(): number {
    return this.held;
  }

  async get(key: string): Promise<DirectorySnapshot | undefined> {
    const snapshot = this.entries.get(key);
    if (snapshot) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, snapshot);
    }
    return snapshot;
  }

  async put(key: string, snapshot: DirectorySnapshot): Promise<void> {
    this.drop(key);
    // A directory larger than the whole bound is not kept: each lookup walks it again (bounded per call).
    if (snapshot.records.length > this.maxRecords) return;
    this.entries.set(key, snapshot);
    this.held += snapshot.records.length;
    for (const oldest of this.entries.keys()) {
      if (this.held <= this.maxRecords) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.held -= old.records.length;
    this.entries.delete(key);
  }
}

export interface DirectoryOptions {
  /** Dates the snapshots (walkedAt, syncedAt) and ages them against the TTL; bounds a walk's time. */
  now: Clock;
  store?: DirectoryStore;
  /** A snapshot younger than this answers without any request (STACKONE_DIRECTORY_TTL_MS); 0 keeps nothing. */
  ttlMs?: number;
  /** Deltas never see a deletion: past this age a snapshot is walked again in full. */
  fullWalkEveryMs?: number;
  /** Pages one lookup may read before it answers with what it has. */
  maxPages?: number;
  /** Time one lookup may spend walking before it answers with what it has. */
  maxWalkMs?: number;
  pageSize?: number;
}

const DEFAULTS = { maxPages: 200, maxWalkMs: 20_000, pageSize: 100, fullWalkEveryMs: 60 * 60_000 };
/** Clock skew allowed between this machine and the provider when asking for changes since the last sync. */
const SKEW_MS = 5 * 60_000;

/** Who is asking, with what credentials, and where progress and retry notes go. */
export interface DirectoryReader {
  stackone: StackOneClient;
  credentials: Credentials;
  signal: AbortSignal;
  /** After each page; `total` only with the last page, the one time the number of pages is known. */
  progress?: ((progress: number, total: number | undefined, message: string) => Promise<void>) | undefined;
  onRetry?: ((message: string) => void) | undefined;
}

/** What a lookup gets: the records known now and how they were obtained. */
export interface DirectoryView {
  records: readonly DirectoryRecord[];
  /** False when the directory has not been read to its end: records not read yet may match too. */
  complete: boolean;
  /** Upstream pages read to answer this lookup: 0 from the cache. */
  pages: number;
  /** Why a walk stopped early, when it did. */
  cutShort?: 'pages' | 'time' | undefined;
}

interface Flight {
  promise: Promise<DirectoryView>;
  controller: AbortController;
  /** The refresh has ended: nothing is left to stop (an abort would only build a DOMException per read). */
  done: boolean;
  waiters: number;
  listeners: Set<NonNullable<DirectoryReader['progress']>>;
}

interface Walk {
  records: DirectoryRecord[];
  pages: number;
  next: string | undefined;
  cutShort?: 'pages' | 'time';
}

const FIELDS: Record<DirectoryKind, readonly string[]> = {
  users: USER_FIELDS,
  courses: COURSE_FIELDS,
  content: CONTENT_FIELDS,
};
const LISTS = { users: LIST_USERS, courses: LIST_COURSES, content: LIST_CONTENT } as const;
const NOUN: Record<DirectoryKind, string> = { users: 'people', courses: 'courses', content: 'content items' };

/** A walk's report after each page: whether it was the last one, and what was read so far. */
type Emit = (last: boolean, message: string) => void;

export class Directory {
  readonly ttlMs: number;
  readonly maxPages: number;
  private readonly store: DirectoryStore;
  private readonly fullWalkEveryMs: number;
  private readonly maxWalkMs: number;
  private readonly pageSize: number;
  private readonly now: Clock;
  private readonly flights = new Map<string, Flight>();

  constructor(options: DirectoryOptions) {
    this.store = options.store ?? new MemoryDirectoryStore();
    this.ttlMs = options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS;
    this.fullWalkEveryMs = Math.max(options.fullWalkEveryMs ?? DEFAULTS.fullWalkEveryMs, this.ttlMs);
    this.maxPages = options.maxPages ?? DEFAULTS.maxPages;
    this.maxWalkMs = options.maxWalkMs ?? DEFAULTS.maxWalkMs;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
    this.now = options.now;
  }

  /** Lookups waiting on a refresh right now, across tenants: for tests and figures. */
  get readers(): number {
    let n = 0;
    for (const flight of this.flights.values()) n += flight.waiters;
    return n;
  }

  /**
   * The tenant's records of one kind, from the cache when fresh, else after a delta or a walk. Concurrent readers of
   * one tenant's collection share one refresh; a reader that cancels leaves it, and the last one to leave stops it.
   */
  async read(kind: DirectoryKind, reader: DirectoryReader): Promise<DirectoryView> {
    if (reader.signal.aborted) throw new CancelledError();
    const key = tenantKey(reader.stackone.baseUrl, reader.credentials, kind);
    let flight = this.flights.get(key);
    if (!flight) flight = this.launch(key, kind, reader);
    flight.waiters++;
    if (reader.progress) flight.listeners.add(reader.progress);
    try {
      return await untilAborted(flight.promise, reader.signal);
    } finally {
      flight.waiters--;
      if (reader.progress) flight.listeners.delete(reader.progress);
      if (flight.waiters === 0) {
        if (!flight.done) flight.controller.abort();
        // A reader that arrives now starts a walk of its own rather than joining one that is being stopped.
        if (this.flights.get(key) === flight) this.flights.delete(key);
      }
    }
  }

  private launch(key: string, kind: DirectoryKind, reader: DirectoryReader): Flight {
    const controller = new AbortController();
    const listeners = new Set<NonNullable<DirectoryReader['progress']>>();
    // One rising count per refresh, so a delta that falls back to a full walk counts on instead of starting at 1
    // again (MCP progress must increase). The page cap is not a total: a total goes only with the last page.
    let pagesRead = 0;
    const emit: Emit = (last, message) => {
      pagesRead++;
      for (const listener of listeners) listener(pagesRead, last ? pagesRead : undefined, message).catch(() => {});
    };
    const promise = this.refresh(key, kind, reader, controller.signal, emit).finally(() => {
      flight.done = true;
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    // Every waiter may have left: the rejection is theirs to see, never an unhandled one.
    promise.catch(() => {});
    const flight: Flight = { promise, controller, done: false, waiters: 0, listeners };
    this.flights.set(key, flight);
    return flight;
  }

  private async refresh(
    key: string,
    kind: DirectoryKind,
    reader: DirectoryReader,
    signal: AbortSignal,
    emit: Emit,
  ): Promise<DirectoryView> {
    const snapshot = this.ttlMs > 0 ? await this.store.get(key) : undefined;
    const started = this.now();
    if (snapshot?.complete && started - snapshot.syncedAt < this.ttlMs) {
      return { records: snapshot.records, complete: true, pages: 0 };
    }
    let walk: Walk = { records: [], pages: 0, next: undefined };
    if (snapshot?.complete && started - snapshot.walkedAt < this.fullWalkEveryMs) {
      // A delta: only what changed since the last sync (less the skew), merged over what is known.
      const since = new Date(snapshot.syncedAt - SKEW_MS).toISOString();
      let deltaRefused = false;
      try {
        await this.walk(kind, reader, signal, emit, walk, { since });
      } catch (error) {
        if (signal.aborted || error instanceof CancelledError) throw error;
        // A passing failure: answer from what is known; the next lookup asks for the changes again.
        if (!refused(error)) return { records: snapshot.records, complete: true, pages: walk.pages };
        // StackOne refused the delta (a provider without filter[updated_after], say): walk in full instead.
        deltaRefused = true;
      }
      if (!deltaRefused) {
        const records = merge(snapshot.records, walk.records);
        // A delta cut short has not seen every change: the next one starts from the same point again.
        const syncedAt = walk.next ? snapshot.syncedAt : started;
        await this.save(key, { records, walkedAt: snapshot.walkedAt, syncedAt, complete: true });
        return { records, complete: true, pages: walk.pages };
      }
      walk = { records: [], pages: 0, next: undefined };
    }
    const resume = snapshot && !snapshot.complete && snapshot.next ? snapshot : undefined;
    const base = resume?.records ?? [];
    const walkedAt = resume?.walkedAt ?? started;
    try {
      await this.walk(kind, reader, signal, emit, walk, { next: resume?.next, known: base.length });
    } catch (error) {
      if (refused(error)) {
        // StackOne refused a page (an expired cursor, say): resuming would repeat the refusal, so start over next time.
        if (resume)
          await this.save(key, { records: [], walkedAt, syncedAt: walkedAt, complete: false }).catch(() => {});
        throw error;
      }
      // Pages already read are kept, so the next lookup resumes rather than starting over.
      if (walk.pages > 0 && walk.next) {
        await this.save(key, {
          records: merge(base, walk.records),
          walkedAt,
          syncedAt: walkedAt,
          complete: false,
          next: walk.next,
        }).catch(() => {});
      }
      throw error;
    }
    const records = merge(base, walk.records);
    const complete = walk.next === undefined;
    await this.save(key, { records, walkedAt, syncedAt: walkedAt, complete, next: walk.next });
    return { records, complete, pages: walk.pages, cutShort: walk.cutShort };
  }

  private async save(key: string, snapshot: DirectorySnapshot): Promise<void> {
    if (this.ttlMs > 0) await this.store.put(key, snapshot);
  }

  /** Follow cursors until the last page, the page bound or the time bound, whichever comes first. */
  private async walk(
    kind: DirectoryKind,
    reader: DirectoryReader,
    signal: AbortSignal,
    emit: Emit,
    walk: Walk,
    from: { next?: string | undefined; since?: string; known?: number },
  ): Promise<void> {
    const started = this.now();
    const fields = FIELDS[kind];
    walk.next = from.next;
    const call = { credentials: reader.credentials, signal, onRetry: reader.onRetry };
    do {
      if (signal.aborted) throw new CancelledError();
      const query: DirectoryListQuery = {
        fields: fields.join(','),
        ...(from.since ? { filter: { updated_after: from.since } } : {}),
        page_size: this.pageSize,
        ...(walk.next ? { next: walk.next } : {}),
      };
      const page = await reader.stackone.call(LISTS[kind], { query }, call);
      walk.pages++;
      for (const record of page.data) walk.records.push(pick(record, fields));
      walk.next = page.next ?? undefined;
      // The bounds are checked after a page rather than before the next, so the page that ends a walk says so.
      if (walk.next && walk.pages >= this.maxPages) walk.cutShort = 'pages';
      else if (walk.next && this.now() - started >= this.maxWalkMs) walk.cutShort = 'time';
      const read = (from.known ?? 0) + walk.records.length;
      emit(
        !walk.next || walk.cutShort !== undefined,
        `${from.since ? 'Checking for changes' : `Reading the LMS ${NOUN[kind]}`}: page ${walk.pages}, ${read} so far`,
      );
    } while (walk.next && !walk.cutShort);
  }
}

/** One digest per tenant (key, account, base URL) and collection: one tenant never reads another's snapshot. */
export function tenantKey(baseUrl: string, credentials: Credentials, kind: DirectoryKind): string {
  const digest = createHash('sha256')
    .update(`${credentials.apiKey}\n${credentials.accountId}\n${baseUrl}`)
    .digest('base64url');
  return `lms-directory:v1:${digest}:${kind}`;
}

/**
 * Each StackOneClient's default directory, for servers built without one (tests, embedders). Made with the clock of
 * the first call that needs it; the servers sharing a client share their deps, and so one clock.
 */
const defaults = new WeakMap<StackOneClient, Directory>();
export function defaultDirectory(stackone: StackOneClient, now: Clock): Directory {
  let directory = defaults.get(stackone);
  if (!directory) {
    directory = new Directory({ now });
    defaults.set(stackone, directory);
  }
  return directory;
}

function pick(record: Record<string, unknown>, fields: readonly string[]): DirectoryRecord {
  const out: DirectoryRecord = {};
  for (const field of fields) if (record[field] !== undefined) out[field] = record[field];
  return out;
}

/** Later records replace earlier ones with the same id; records without an id are kept as they come. */
function merge(known: readonly DirectoryRecord[], changed: readonly DirectoryRecord[]): DirectoryRecord[] {
  if (changed.length === 0) return known as DirectoryRecord[];
  const byId = new Map<unknown, DirectoryRecord>();
  const anonymous: DirectoryRecord[] = [];
  for (const record of [...known, ...changed]) {
    if (typeof record.id === 'string' && record.id !== '') byId.set(record.id, record);
    else anonymous.push(record);
  }
  return [...byId.values(), ...anonymous];
}

/** A 4xx other than 408 and 429: asking again the same way gets the same answer. */
function refused(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
