/**
 * What MCP_CACHE_URL adds to a server: its directory's snapshots and walks, and its write locks, shared through Redis
 * or Valkey with every replica given the same URL. src/index.ts imports this module only when the URL is set, so the
 * client library is in a chunk of its own that other servers never load.
 */
import { DEFAULT_FULL_WALK_EVERY_MS, type SharedWalks } from '../stackone/directory.js';
import { SharedDirectoryStore } from './directory-store.js';
import { SharedLocks } from './locks.js';
import { SharedCache, type SharedCacheOptions } from './shared.js';

export interface Shared {
  directory: { store: SharedDirectoryStore; walks: SharedWalks };
  locks: SharedLocks;
  cache: SharedCache;
  close(): Promise<void>;
}

/**
 * Connects in the background: the server starts and serves at once, from its own memory and locks until the store
 * answers (and again whenever it is away).
 */
export function openShared(
  url: URL,
  options: SharedCacheOptions & { directoryTtlMs: number; walkLockMs?: number; createLockMs?: number },
): Shared {
  const cache = new SharedCache(url, options);
  // Kept as long as a delta can build on a snapshot; past that the directory walks in full anyway.
  const keepMs = Math.max(DEFAULT_FULL_WALK_EVERY_MS, options.directoryTtlMs);
  const store = new SharedDirectoryStore(cache, { keepMs, walkLockMs: options.walkLockMs });
  return {
    directory: { store, walks: store },
    locks: new SharedLocks(cache, options.createLockMs),
    cache,
    close: () => cache.close(),
  };
}
