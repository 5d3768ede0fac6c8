/**
 * The directory's snapshots in a shared store, with this process's memory store in front, and one walk of a tenant's
 * list across the replicas. Keys are the directory's own digests (tenantKey): the tenant's key, account and base URL
 * never reach the store. Beside each snapshot `<key>` the store holds `<key>:v`, a short version tag, so a cached read
 * costs one small GET and fetches the snapshot only when another replica has written a newer one; `<key>:walk` is
 * the lock of the replica walking the list, and `<key>:walk:progress` its latest progress line.
 */
import {
  type DirectorySnapshot,
  type DirectoryStore,
  type ExclusiveOptions,
  MemoryDirectoryStore,
  type SharedWalks,
} from '../stackone/directory.js';
import { pack, unpack } from './encoding.js';
import { acquire, lockToken, type SharedCache, UNAVAILABLE } from './shared.js';

/**
 * The walk lock's expiry: how long a replica that died mid-walk holds the others up. Renewed every third of it
 * while the walk runs, so a walk may take as long as its own bounds allow (STACKONE_TIMEOUT_MS, the walk's 20 s).
 */
export const WALK_LOCK_MS = 10_000;

/**
 * The most a shared snapshot may weigh, gzipped: above it the snapshot stays in this replica's memory only. The
 * bench's 50,000 assignments take about 2 MB; Redis takes values up to 512 MB, managed services often less.
 */
const MAX_SHARED_BYTES = 32 * 1024 * 1024;

export interface SharedDirectoryStoreOptions {
  /** The store's expiry for a snapshot: long enough for deltas to build on it (the directory's full-walk period). */
  keepMs: number;
  /** The memory store in front (and the fallback while the store is away); the default is the usual 64 MiB one. */
  memory?: MemoryDirectoryStore;
  walkLockMs?: number;
}

export class SharedDirectoryStore implements DirectoryStore, SharedWalks {
  private readonly memory: MemoryDirectoryStore;
  private readonly keepMs: number;
  private readonly walkLockMs: number;
  /** The version tag of each snapshot this process holds in memory: what it last read or wrote. */
  private readonly versions = new WeakMap<DirectorySnapshot, string>();
  private readonly maxBytes: number;
  /** Snapshots being fetched from the store, by key and version: concurrent readers share one download. */
  private readonly downloads = new Map<string, Promise<DirectorySnapshot | undefined>>();

  constructor(
    private readonly cache: SharedCache,
    options: SharedDirectoryStoreOptions,
  ) {
    this.memory = options.memory ?? new MemoryDirectoryStore();
    this.keepMs = options.keepMs;
    this.walkLockMs = options.walkLockMs ?? WALK_LOCK_MS;
    this.maxBytes = this.memory.maxBytes;
  }

  /**
   * The newer of this process's copy and the store's. While the store is away, or holds nothing for the key (it
   * expired, or the store restarted empty), this process's copy answers: the directory still judges its age.
   */
  async get(key: string): Promise<DirectorySnapshot | undefined> {
    const local = await this.memory.get(key);
    const version = await this.cache.run((c) => c.get(`${key}:v`));
    if (version === UNAVAILABLE || version === null) return local;
    if (local && (this.versions.get(local) === version || local.syncedAt > syncedAtOf(version))) return local;
    // A snapshot is megabytes to fetch and decode: twenty requests arriving together at a fresh replica fetch it once.
    const flight = `${key}\n${version}`;
    let download = this.downloads.get(flight);
    if (!download) {
      download = this.download(key).finally(() => this.downloads.delete(flight));
      this.downloads.set(flight, download);
    }
    return (await download) ?? local;
  }

  private async download(key: string): Promise<DirectorySnapshot | undefined> {
    const bytes = await this.cache.runBulk((c) => c.get(key));
    if (bytes === UNAVAILABLE || !Buffer.isBuffer(bytes)) return undefined;
    const read = await unpack(bytes, this.maxBytes);
    if (!read) return undefined;
    await this.memory.put(key, read.snapshot);
    this.versions.set(read.snapshot, read.version);
    return read.snapshot;
  }

  /** Into this process's memory, then the store, with the store's expiry; the store's part is skipped while it is away. */
  async put(key: string, snapshot: DirectorySnapshot): Promise<void> {
    await this.memory.put(key, snapshot);
    const version = `${snapshot.syncedAt}.${lockToken().slice(0, 12)}`;
    this.versions.set(snapshot, version);
    if (!this.cache.available) return;
    const bytes = await pack(snapshot, version);
    if (bytes.length > MAX_SHARED_BYTES) return;
    await this.cache.runBulk((c) =>
      c.eval(PUT_IF_NEWER, {
        keys: [key, `${key}:v`],
        arguments: [bytes, version, String(snapshot.syncedAt), String(this.keepMs)],
      }),
    );
  }

  async exclusive<T>(
    key: string,
    options: ExclusiveOptions<T>,
    refresh: (publish: (message: string) => void) => Promise<T>,
  ): Promise<T> {
    const lockKey = `${key}:walk`;
    const progressKey = `${key}:walk:progress`;
    let told = false;
    let heard: string | undefined;
    const acquired = await acquire(this.cache, lockKey, {
      ttlMs: this.walkLockMs,
      signal: options.signal,
      waitMs: Number.POSITIVE_INFINITY,
      also: [progressKey],
      poll: async () => {
        if (!told) {
          told = true;
          options.waiting(undefined);
        }
        const message = await this.cache.run((c) => c.get(progressKey));
        if (typeof message === 'string' && message !== heard) {
          heard = message;
          options.waiting(message);
        }
      },
    });
    if (acquired.kind !== 'lease') return refresh(() => {});
    const { lease } = acquired;
    try {
      // Another replica may have walked while this one waited, or between its look at the cache and taking the lock:
      // then its snapshot answers. (Waiters take the lock in turn for this look, a few ms each.)
      const settled = await options.settled();
      if (settled !== undefined) return settled;
      return await refresh((message) => {
        // Not awaited: a progress line never slows the walk. One connection keeps them in order.
        void this.cache.run((c) => c.set(progressKey, message, { expiration: { type: 'PX', value: this.walkLockMs } }));
      });
    } finally {
      await lease.release();
    }
  }
}

/**
 * The snapshot and its version tag together (a reader never sees a tag for a snapshot that is not there yet), unless
 * the store already holds a newer one: a replica that walked while the store was away, or whose lock expired under
 * it, does not put an older copy over another's newer one.
 */
const PUT_IF_NEWER = `local held = redis.call('get', KEYS[2])
if held then
  local at = tonumber(string.match(held, '^(%d+)'))
  if at and at > tonumber(ARGV[3]) then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('set', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 1`;

/** The syncedAt a version tag was made for (`<syncedAt>.<random>`); 0 for a tag this code did not write. */
function syncedAtOf(version: string): number {
  const at = Number(version.slice(0, version.indexOf('.')));
  return Number.isFinite(at) ? at : 0;
}
