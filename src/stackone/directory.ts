/**
 * The per-tenant cache of StackOne's lists: the directory (users, courses, content) the lookups and title joins read,
 * and the org-wide indexes (assignments, open assignments, completions) the training report reads. Each list is walked
 * once per tenant and then kept fresh with `filter[updated_after]` deltas, so a question costs a full walk only the
 * first time. The snapshots live behind one DirectoryStore (memory here, bounded in bytes; src/cache/ puts Redis or
 * Valkey behind it); concurrent reads in a process share one walk, and with SharedWalks so do the replicas.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { BadResponseError, CancelledError, UpstreamError } from '../errors.js';
import type { Credentials, StackOneClient } from './client.js';
import {
  type Endpoint,
  LIST_ASSIGNMENTS,
  LIST_COMPLETIONS,
  LIST_CONTENT,
  LIST_COURSES,
  LIST_USERS,
} from './endpoints.js';
import {
  ASSIGNMENT_INDEX_FIELDS,
  COMPLETION_INDEX_FIELDS,
  CONTENT_FIELDS,
  COURSE_FIELDS,
  type DirectoryListQuery,
  USER_FIELDS,
} from './schemas.js';

/** A few minutes: a chat that names several people reads the directory once; a change reaches it within that. */
export const DEFAULT_DIRECTORY_TTL_MS = 5 * 60_000;

export type DirectoryKind = 'users' | 'courses' | 'content';
/** The org-wide indexes: every assignment, the open ones only (walked by status), every completion. */
export type IndexKind = 'assignments' | 'open_assignments' | 'completions';
export type ListKind = DirectoryKind | IndexKind;

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
  /** Where an incomplete walk resumes: the cursor, within the walk `phase` (default 0) of a list walked in parts. */
  next?: string | undefined;
  phase?: number | undefined;
}

/**
 * Where snapshots live. Keys are opaque digests (tenant and collection), never a key or an account in clear. A shared
 * store (Redis, Valkey) implements these two calls with its own expiry; the directory decides freshness itself.
 */
export interface DirectoryStore {
  get(key: string): Promise<DirectorySnapshot | undefined>;
  put(key: string, snapshot: DirectorySnapshot): Promise<void>;
}

/**
 * One refresh of a tenant's list at a time across the replicas that share a store (src/cache/): while one replica
 * walks, the others wait for its snapshot. Without it (the memory store), each process refreshes on its own.
 */
export interface SharedWalks {
  /**
   * Runs `refresh` as the one refresh of `key` among the replicas and returns what it returns. While another replica
   * refreshes the key, waits instead: `waiting` relays that replica's progress (undefined as the wait begins), and
   * `settled`, asked whenever the other may be done, ends the wait with the snapshot it left when that answers the
   * read. A holder gone without leaving one (it died; its walk was cut short), or a store that cannot be reached,
   * and `refresh` runs here; `publish` then hands this walk's progress to the replicas waiting on it.
   */
  exclusive<T>(
    key: string,
    options: ExclusiveOptions<T>,
    refresh: (publish: (message: string) => void) => Promise<T>,
  ): Promise<T>;
}

/** A refresh's side of SharedWalks.exclusive: how it is stopped, what ends a wait, where the wait's progress goes. */
export interface ExclusiveOptions<T> {
  signal: AbortSignal;
  settled: () => Promise<T | undefined>;
  waiting: (message: string | undefined) => void;
}

/**
 * Bytes the memory store holds across all tenants and lists, counted as the snapshots' JSON (what a shared store
 * would hold; the heap copy measured about the same, 0.9x for 50,000 assignments). 64 MiB keeps a 5,000-person
 * organisation's directory, its open assignments and its 50,000 assignments and 42,000 completions (36 MB,
 * BENCHMARKS.md), with room for other tenants.
 */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * What each entry costs the store besides its JSON (the key, the map entry, the snapshot object): charged so that
 * snapshots with no records are evicted too, and a server facing many keys cannot grow without bound.
 */
const ENTRY_OVERHEAD_BYTES = 1024;

/** A snapshot's size as the store counts it: its JSON in UTF-8 bytes, plus the entry's own overhead. */
export function snapshotBytes(snapshot: DirectorySnapshot): number {
  return Buffer.byteLength(JSON.stringify(snapshot)) + ENTRY_OVERHEAD_BYTES;
}

/**
 * The longest string field a record keeps: no name, title, email or id StackOne holds comes near it. A longer one
 * (a provider's mistake, or a tenant serving hostile data) is cut on arrival, before it is kept or indexed.
 */
export const MAX_FIELD_CHARS = 1_024;

/** Why a walk stopped before the list's end: its page bound, its time bound, or its share of the memory bound. */
export type CutShort = 'pages' | 'time' | 'bytes';

/** In-process snapshots, least recently used dropped first once the bytes held pass `maxBytes`. */
export class MemoryDirectoryStore implements DirectoryStore {
  private readonly entries = new Map<string, { snapshot: DirectorySnapshot; bytes: number }>();
  private held = 0;

  constructor(readonly maxBytes: number = DEFAULT_MAX_BYTES) {}

  /** Bytes held now (snapshotBytes), for tests and figures. */
  get size(): number {
    return this.held;
  }

  async get(key: string): Promise<DirectorySnapshot | undefined> {
    const entry = this.entries.get(key);
    if (entry) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry?.snapshot;
  }

  async put(key: string, snapshot: DirectorySnapshot): Promise<void> {
    this.drop(key);
    const bytes = snapshotBytes(snapshot);
    // A list larger than the whole bound is not kept: each question walks it again (bounded per call).
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { snapshot, bytes });
    this.held += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.held <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.held -= old.bytes;
    this.entries.delete(key);
  }
}

export interface DirectoryOptions {
  /** Dates the snapshots (walkedAt, syncedAt) and ages them against the TTL; bounds a walk's time. */
  now: Clock;
  store?: DirectoryStore;
  /** With a shared store: one walk of a tenant's list across the replicas (src/cache/). */
  walks?: SharedWalks;
  /** A snapshot younger than this answers without any request (STACKONE_DIRECTORY_TTL_MS); 0 keeps nothing. */
  ttlMs?: number;
  /** Deltas never see a deletion: past this age a snapshot is walked again in full. */
  fullWalkEveryMs?: number;
  /** Pages one read of a list may take before it answers with what it has. */
  maxPages?: number;
  /** Time one read of a list may spend walking before it answers with what it has. */
  maxWalkMs?: number;
  /** Bytes one walk may gather before it answers with what it has (default: half the memory store's bound). */
  maxWalkBytes?: number;
  pageSize?: number;
}

/** Deltas never see a deletion: a snapshot is walked again in full once it is this old. */
export const DEFAULT_FULL_WALK_EVERY_MS = 60 * 60_000;
const DEFAULTS = { maxPages: 200, maxWalkMs: 20_000, pageSize: 100, fullWalkEveryMs: DEFAULT_FULL_WALK_EVERY_MS };
/** Clock skew allowed between this machine and the provider when asking for changes since the last sync. */
const SKEW_MS = 5 * 60_000;
/** Tenants whose last write is remembered (writeMarks): a bound, so a server facing many keys cannot grow it. */
const MAX_WRITE_MARKS = 10_000;

/** Who is asking, with what credentials, and where progress and retry notes go. */
export interface DirectoryReader {
  stackone: StackOneClient;
  credentials: Credentials;
  signal: AbortSignal;
  /** After each page; `total` only with the last page, the one time the number of pages is known. */
  progress?: ((progress: number, total: number | undefined, message: string) => Promise<void>) | undefined;
  onRetry?: ((message: string) => void) | undefined;
}

/** What a reader gets: the records known now and how they were obtained. */
export interface DirectoryView {
  records: readonly DirectoryRecord[];
  /** False when the list has not been read to its end: records not read yet may match too. */
  complete: boolean;
  /** Upstream pages read to answer this read: 0 from the cache. */
  pages: number;
  /** Why a walk stopped early, when it did. */
  cutShort?: CutShort | undefined;
  /** The instant the records are true of: when the walk or delta that read them started. */
  asOf: number;
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
  /** Which of the list's walks (ListSpec.walks) the cursor belongs to. */
  phase: number;
  next: string | undefined;
  /** Every walk read to its last page. */
  done: boolean;
  cutShort?: CutShort;
  /** What the records read so far weigh (recordBytes), against the walk's share of the memory bound. */
  bytes: number;
  /** The cursors this walk has followed: one given twice would loop for ever. */
  cursors: Set<string>;
}

/** A page of any list: what a walk needs of StackOne's paginated replies. */
interface ListPage {
  next?: string | null | undefined;
  data: ReadonlyArray<Record<string, unknown>>;
}

/** How one list is read and kept. */
interface ListSpec {
  endpoint: Endpoint<ListPage>;
  /** Asked for with `fields` and kept: what the tools show and match on, nothing more (memory, privacy). */
  fields: readonly string[];
  noun: string;
  /**
   * A full walk is one walk per filter here, in order: StackOne's filter[status] takes one value, so "open" is a walk
   * per open status. A delta never filters by status: a record that left the set must be seen to be dropped.
   */
  walks: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Whether a record belongs: checked on this side too, so a provider that ignores a filter costs pages, not truth. */
  keep?: (record: DirectoryRecord) => boolean;
  /** A wider list whose fresh snapshot holds this one's records: answered from it without a request. */
  within?: ListKind;
  /** Changed by this server's writes: a write by the tenant makes the next read ask for changes, TTL or not. */
  written?: boolean;
}

/** Open: not marked completed. An unmapped or missing status counts as open, as the duplicate checks count it. */
export function isOpenAssignment(record: { status?: unknown }): boolean {
  const status = record.status;
  const value = status && typeof status === 'object' ? (status as { value?: unknown }).value : undefined;
  return value !== 'completed';
}

const page = <T extends ListPage>(endpoint: Endpoint<T>) => endpoint as unknown as Endpoint<ListPage>;
const SPECS: Record<ListKind, ListSpec> = {
  users: { endpoint: page(LIST_USERS), fields: USER_FIELDS, noun: 'people', walks: [{}] },
  courses: { endpoint: page(LIST_COURSES), fields: COURSE_FIELDS, noun: 'courses', walks: [{}] },
  content: { endpoint: page(LIST_CONTENT), fields: CONTENT_FIELDS, noun: 'content items', walks: [{}] },
  assignments: {
    endpoint: page(LIST_ASSIGNMENTS),
    fields: ASSIGNMENT_INDEX_FIELDS,
    noun: 'assignments',
    walks: [{}],
    written: true,
  },
  open_assignments: {
    endpoint: page(LIST_ASSIGNMENTS),
    fields: ASSIGNMENT_INDEX_FIELDS,
    noun: 'open assignments',
    // unmapped_value too: a provider status StackOne could not map is open until it says completed.
    walks: [{ status: 'pending' }, { status: 'in_progress' }, { status: 'unmapped_value' }],
    keep: isOpenAssignment,
    within: 'assignments',
    written: true,
  },
  completions: {
    endpoint: page(LIST_COMPLETIONS),
    fields: COMPLETION_INDEX_FIELDS,
    noun: 'completions',
    walks: [{}],
    written: true,
  },
};

/** A walk's report after each page: whether it was the last one, and what was read so far. */
type Emit = (last: boolean, message: string) => void;

export class Directory {
  readonly ttlMs: number;
  readonly maxPages: number;
  readonly pageSize: number;
  private readonly store: DirectoryStore;
  private readonly walks: SharedWalks | undefined;
  private readonly fullWalkEveryMs: number;
  private readonly maxWalkMs: number;
  private readonly maxWalkBytes: number;
  private readonly now: Clock;
  private readonly flights = new Map<string, Flight>();
  /**
   * Per tenant list: this server wrote for the tenant since the list was last read, so its next read asks for
   * changes. A sequence, not a time: a write in the same millisecond as a walk still counts.
   */
  private readonly writeMarks = new Map<string, number>();
  private writes = 0;

  constructor(options: DirectoryOptions) {
    this.store = options.store ?? new MemoryDirectoryStore();
    this.walks = options.walks;
    this.ttlMs = options.ttlMs ?? DEFAULT_DIRECTORY_TTL_MS;
    this.fullWalkEveryMs = Math.max(options.fullWalkEveryMs ?? DEFAULTS.fullWalkEveryMs, this.ttlMs);
    this.maxPages = options.maxPages ?? DEFAULTS.maxPages;
    this.maxWalkMs = options.maxWalkMs ?? DEFAULTS.maxWalkMs;
    this.maxWalkBytes = options.maxWalkBytes ?? DEFAULT_MAX_BYTES / 2;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
    this.now = options.now;
  }

  /** Readers waiting on a refresh right now, across tenants: for tests and figures. */
  get readers(): number {
    let n = 0;
    for (const flight of this.flights.values()) n += flight.waiters;
    return n;
  }

  /**
   * The tenant's records of one list, from the cache when fresh, else after a delta or a walk. Concurrent readers of
   * one tenant's list share one refresh; a reader that cancels leaves it, and the last one to leave stops it.
   */
  async read(kind: ListKind, reader: DirectoryReader): Promise<DirectoryView> {
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

  /**
   * Whether the tenant's list has been read to its end before (fresh or not): then a read costs at most a delta,
   * usually one request, and an exact lookup is cheaper from the cache than from StackOne.
   */
  async known(kind: ListKind, reader: Pick<DirectoryReader, 'stackone' | 'credentials'>): Promise<boolean> {
    if (this.ttlMs <= 0) return false;
    const snapshot = await this.store.get(tenantKey(reader.stackone.baseUrl, reader.credentials, kind));
    return snapshot?.complete === true;
  }

  /**
   * One page of a list with StackOne's own filter (filter[email], filter[external_reference]): an exact lookup on a
   * cold cache, one request instead of a walk. Not cached; the caller checks what came back, since a provider may
   * ignore a filter it does not support.
   */
  async exact(
    kind: DirectoryKind,
    filter: Readonly<Record<string, string>>,
    reader: DirectoryReader,
  ): Promise<DirectoryRecord[]> {
    const spec = SPECS[kind];
    const query: DirectoryListQuery = { fields: spec.fields.join(','), filter, page_size: EXACT_PAGE_SIZE };
    const reply = await reader.stackone.call(
      spec.endpoint,
      { query },
      { credentials: reader.credentials, signal: reader.signal, onRetry: reader.onRetry },
    );
    return reply.data.map((record) => pick(record, spec.fields));
  }

  /**
   * This server wrote for the tenant (an assignment or a completion, or an attempt at one): the lists a write
   * changes are asked for their changes on their next read, however fresh, so a report made after it shows it.
   */
  wrote(baseUrl: string, credentials: Credentials): void {
    const mark = ++this.writes;
    for (const kind of Object.keys(SPECS) as ListKind[]) {
      if (!SPECS[kind].written) continue;
      const key = tenantKey(baseUrl, credentials, kind);
      this.writeMarks.delete(key);
      this.writeMarks.set(key, mark);
    }
    for (const oldest of this.writeMarks.keys()) {
      if (this.writeMarks.size <= MAX_WRITE_MARKS) break;
      this.writeMarks.delete(oldest);
    }
  }

  /** A snapshot that answers without a request: read to its end, younger than the TTL, and no write since. */
  private fresh(key: string, snapshot: DirectorySnapshot | undefined, at: number): DirectorySnapshot | undefined {
    return snapshot?.complete && at - snapshot.syncedAt < this.ttlMs && !this.writeMarks.has(key)
      ? snapshot
      : undefined;
  }

  private launch(key: string, kind: ListKind, reader: DirectoryReader): Flight {
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
    kind: ListKind,
    reader: DirectoryReader,
    signal: AbortSignal,
    emit: Emit,
  ): Promise<DirectoryView> {
    const spec = SPECS[kind];
    const cached = await this.cached(key, spec, reader);
    if (cached) return cached;
    if (!this.walks || this.ttlMs <= 0) return this.update(key, spec, reader, signal, emit);
    return this.walks.exclusive(
      key,
      {
        signal,
        settled: () => this.cached(key, spec, reader),
        waiting: (message) =>
          emit(false, message ?? `Another replica of this server is reading the LMS ${spec.noun}: waiting for it`),
      },
      (publish) =>
        this.update(key, spec, reader, signal, (last, message) => {
          emit(last, message);
          publish(message);
        }),
    );
  }

  /** The answer the cache alone gives: a fresh snapshot of a wider list that holds this one, or of this list. */
  private async cached(key: string, spec: ListSpec, reader: DirectoryReader): Promise<DirectoryView | undefined> {
    if (this.ttlMs <= 0) return undefined;
    const at = this.now();
    if (spec.within) {
      const widerKey = tenantKey(reader.stackone.baseUrl, reader.credentials, spec.within);
      const wider = this.fresh(widerKey, await this.store.get(widerKey), at);
      if (wider) {
        const records = spec.keep ? wider.records.filter(spec.keep) : wider.records;
        return { records, complete: true, pages: 0, asOf: wider.syncedAt };
      }
    }
    const cached = this.fresh(key, await this.store.get(key), at);
    return cached && { records: cached.records, complete: true, pages: 0, asOf: cached.syncedAt };
  }

  /** A delta, a walk, or the rest of a walk cut short: whichever the tenant's snapshot calls for. */
  private async update(
    key: string,
    spec: ListSpec,
    reader: DirectoryReader,
    signal: AbortSignal,
    emit: Emit,
  ): Promise<DirectoryView> {
    const started = this.now();
    // A write marked after this refresh began may not be in what it reads: only the marks seen now are settled.
    const mark = this.writeMarks.get(key);
    const snapshot = this.ttlMs > 0 ? await this.store.get(key) : undefined;
    let walk = newWalk();
    if (snapshot?.complete && started - snapshot.walkedAt < this.fullWalkEveryMs) {
      // A delta: only what changed since the last sync (less the skew), merged over what is known.
      const since = new Date(snapshot.syncedAt - SKEW_MS).toISOString();
      let deltaRefused = false;
      try {
        await this.walk(spec, reader, signal, emit, walk, { since });
      } catch (error) {
        if (signal.aborted || error instanceof CancelledError) throw error;
        // A passing failure: answer from what is known; the next read asks for the changes again.
        if (!refused(error)) {
          return { records: snapshot.records, complete: true, pages: walk.pages, asOf: snapshot.syncedAt };
        }
        // StackOne refused the delta (a provider without filter[updated_after], say): walk in full instead.
        deltaRefused = true;
      }
      if (!deltaRefused) {
        // The delta is not filtered by status: a record that changed is replaced, and dropped if it left the list.
        const merged = merge(snapshot.records, walk.records);
        const records = spec.keep && walk.records.length > 0 ? merged.filter(spec.keep) : merged;
        // A delta cut short has not seen every change: the next one starts from the same point again.
        const syncedAt = walk.done ? started : snapshot.syncedAt;
        await this.save(key, { records, walkedAt: snapshot.walkedAt, syncedAt, complete: true });
        if (walk.done) this.settle(key, mark);
        return { records, complete: true, pages: walk.pages, asOf: syncedAt };
      }
      walk = newWalk();
    }
    const resume = snapshot && !snapshot.complete && (snapshot.next || snapshot.phase) ? snapshot : undefined;
    const base = resume?.records ?? [];
    const walkedAt = resume?.walkedAt ?? started;
    walk.phase = resume?.phase ?? 0;
    walk.next = resume?.next;
    try {
      await this.walk(spec, reader, signal, emit, walk, { known: base.length });
    } catch (error) {
      if (refused(error)) {
        // StackOne refused a page (an expired cursor, say): resuming would repeat the refusal, so start over next time.
        if (resume)
          await this.save(key, { records: [], walkedAt, syncedAt: walkedAt, complete: false }).catch(() => {});
        throw error;
      }
      // Pages already read are kept, so the next read resumes rather than starting over.
      if (walk.pages > 0 && !walk.done) await this.save(key, partial(base, walk, walkedAt)).catch(() => {});
      throw error;
    }
    if (!walk.done) {
      const snapshotNow = partial(base, walk, walkedAt);
      await this.save(key, snapshotNow);
      return {
        records: snapshotNow.records,
        complete: false,
        pages: walk.pages,
        cutShort: walk.cutShort,
        asOf: walkedAt,
      };
    }
    const records = merge(base, walk.records);
    await this.save(key, { records, walkedAt, syncedAt: walkedAt, complete: true });
    // A resumed walk read its first pages before this refresh: settled only if no write was marked before it began.
    if (!resume) this.settle(key, mark);
    return { records, complete: true, pages: walk.pages, asOf: walkedAt };
  }

  /** A refresh that saw every change since `mark` (the mark when it began) clears it, unless a later write moved it. */
  private settle(key: string, mark: number | undefined): void {
    if (this.writeMarks.get(key) === mark) this.writeMarks.delete(key);
  }

  private async save(key: string, snapshot: DirectorySnapshot): Promise<void> {
    if (this.ttlMs > 0) await this.store.put(key, snapshot);
  }

  /**
   * Follow cursors through each of the list's walks in turn (or the one unfiltered delta) until the last page, the
   * page bound or the time bound, whichever comes first.
   */
  private async walk(
    spec: ListSpec,
    reader: DirectoryReader,
    signal: AbortSignal,
    emit: Emit,
    walk: Walk,
    from: { since?: string; known?: number },
  ): Promise<void> {
    const started = this.now();
    const walks = from.since ? [{ updated_after: from.since }] : spec.walks;
    const call = { credentials: reader.credentials, signal, onRetry: reader.onRetry };
    do {
      if (signal.aborted) throw new CancelledError();
      const filter = walks[walk.phase] ?? {};
      const query: DirectoryListQuery = {
        fields: spec.fields.join(','),
        ...(Object.keys(filter).length > 0 ? { filter } : {}),
        page_size: this.pageSize,
        ...(walk.next ? { next: walk.next } : {}),
      };
      if (walk.next) walk.cursors.add(walk.next);
      const reply = await reader.stackone.call(spec.endpoint, { query }, call);
      walk.pages++;
      // A delta keeps everything it sees: a record that left the list replaces the old one and is then dropped.
      for (const record of reply.data) {
        const kept = pick(record, spec.fields);
        if (from.since || !spec.keep || spec.keep(kept)) {
          walk.records.push(kept);
          walk.bytes += recordBytes(kept);
        }
      }
      walk.next = reply.next || undefined;
      if (walk.next && walk.cursors.has(walk.next)) {
        throw new BadResponseError(
          200,
          `page ${walk.pages} of the ${spec.noun} gave a cursor an earlier page had given, so the list would never end`,
        );
      }
      if (!walk.next) {
        // Each of a list's walks (filter[status] phases) has cursors of its own.
        walk.cursors.clear();
        if (walk.phase + 1 < walks.length) walk.phase++;
        else walk.done = true;
      }
      // The bounds are checked after a page rather than before the next, so the page that ends a walk says so.
      if (!walk.done && walk.pages >= this.maxPages) walk.cutShort = 'pages';
      else if (!walk.done && this.now() - started >= this.maxWalkMs) walk.cutShort = 'time';
      else if (!walk.done && walk.bytes >= this.maxWalkBytes) walk.cutShort = 'bytes';
      const read = (from.known ?? 0) + walk.records.length;
      emit(
        walk.done || walk.cutShort !== undefined,
        `${from.since ? `Checking the ${spec.noun} for changes` : `Reading the LMS ${spec.noun}`}: page ${walk.pages}, ${read} so far`,
      );
    } while (!walk.done && !walk.cutShort);
  }
}

/** Records an exact lookup asks StackOne for: a few, in case a provider ignores the filter and lists everyone. */
const EXACT_PAGE_SIZE = 10;

function newWalk(): Walk {
  return { records: [], pages: 0, phase: 0, next: undefined, done: false, bytes: 0, cursors: new Set() };
}

/** About what a kept record weighs in JSON, without serialising it: its strings' lengths, a few bytes per other value. */
function recordBytes(record: DirectoryRecord): number {
  let bytes = 2;
  for (const key in record) {
    const value = record[key];
    bytes += key.length + 4 + (typeof value === 'string' ? value.length : JSON.stringify(value ?? null).length);
  }
  return bytes;
}

/** What a walk cut short (or interrupted) leaves: the records so far and where to resume. */
function partial(base: readonly DirectoryRecord[], walk: Walk, walkedAt: number): DirectorySnapshot {
  return {
    records: merge(base, walk.records),
    walkedAt,
    syncedAt: walkedAt,
    complete: false,
    next: walk.next,
    ...(walk.phase > 0 ? { phase: walk.phase } : {}),
  };
}

/** One digest per tenant (key, account, base URL) and list: one tenant never reads another's snapshot. */
export function tenantKey(baseUrl: string, credentials: Credentials, kind: ListKind): string {
  return `lms-directory:v1:${tenantDigest(baseUrl, credentials)}:${kind}`;
}

/** A tenant (key, account, base URL) as an opaque digest: what caches and locks are keyed by, never the key. */
export function tenantDigest(baseUrl: string, credentials: Credentials): string {
  const tenant = `${credentials.apiKey}\n${credentials.accountId}\n${baseUrl}`;
  let digest = digests.get(tenant);
  if (digest === undefined) {
    digest = createHash('sha256').update(tenant).digest('base64url');
    // Bounded: an HTTP server sees many tenants; when full, start again rather than track which are recent.
    if (digests.size >= MAX_DIGESTS) digests.clear();
    digests.set(tenant, digest);
  }
  return digest;
}
/**
 * The digests already made: a create hashed its tenant three times (its lock, then the two lists it marks written)
 * and a list call twice (the course and content directories), about 5 µs each (docs/PERFORMANCE.md). Held in memory
 * only, as the credentials themselves are; nothing here is written anywhere.
 */
const digests = new Map<string, string>();
const MAX_DIGESTS = 1_024;

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
  for (const field of fields) {
    const value = record[field];
    if (value === undefined) continue;
    out[field] = typeof value === 'string' && value.length > MAX_FIELD_CHARS ? cut(value) : value;
  }
  return out;
}

/**
 * The first MAX_FIELD_CHARS of an over-long string, copied: V8's slice() keeps the whole parent string alive behind
 * the short one (measured: a walk of 1 MB names ran a 96 MB heap out in 16 pages with slice alone).
 */
function cut(value: string): string {
  return `${Buffer.from(value.slice(0, MAX_FIELD_CHARS), 'utf8').toString('utf8')}…`;
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
