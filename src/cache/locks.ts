/**
 * Write locks across replicas: the in-process queue first (MemoryLocks, so callers in one process wait in arrival
 * order without polling the store), then the store's lock, so two identical creates at two replicas run one after the
 * other and the second's check sees the first's record. While the store is away the in-process lock is all there is:
 * replicas then serialise only their own creates (README, Safe writes).
 */
import { createHash } from 'node:crypto';
import { type Locks, LockWaitError, MemoryLocks } from '../locks.js';
import { acquire, type SharedCache } from './shared.js';

/**
 * The store lock's expiry: how long a replica that died mid-create holds up an identical create elsewhere. Renewed
 * every third of it while the create and its checks run (up to STACKONE_TIMEOUT_MS plus two checks).
 */
export const CREATE_LOCK_MS = 15_000;

export class SharedLocks implements Locks {
  private readonly local = new MemoryLocks();

  constructor(
    private readonly cache: SharedCache,
    private readonly ttlMs: number = CREATE_LOCK_MS,
  ) {}

  async withLock<T>(key: string, options: { waitMs: number; signal: AbortSignal }, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    return this.local.withLock(key, options, async () => {
      const waitMs = Math.max(0, options.waitMs - (performance.now() - started));
      // A digest: the key names a person and a learning object, which the store has no need to see.
      const storeKey = `lms-lock:v1:${createHash('sha256').update(key).digest('base64url')}`;
      const acquired = await acquire(this.cache, storeKey, { ttlMs: this.ttlMs, signal: options.signal, waitMs });
      if (acquired.kind === 'timeout') throw new LockWaitError(options.waitMs);
      if (acquired.kind !== 'lease') return work();
      try {
        return await work();
      } finally {
        await acquired.lease.release();
      }
    });
  }
}
