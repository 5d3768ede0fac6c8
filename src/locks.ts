/**
 * Mutual exclusion by key, for writes that must not run side by side (two identical creates at the same moment,
 * as a model's parallel tool calls make them). In-process here: every stdio call and every HTTP request of one
 * process shares one MemoryLocks. A shared store's lock (Redis, Valkey) can take its place behind the same interface,
 * so replicas serialise too; until one is configured, replicas do not (README, Safe writes).
 */

export interface Locks {
  /**
   * Runs `work` once no other holder of `key` is running, in arrival order. Waits at most `waitMs` (then throws
   * LockWaitError, having run nothing) and stops waiting when `signal` aborts (then throws its reason).
   */
  withLock<T>(key: string, options: { waitMs: number; signal: AbortSignal }, work: () => Promise<T>): Promise<T>;
}

/** The wait for a lock ran out: another holder is still at work. Nothing was run. */
export class LockWaitError extends Error {
  override name = 'LockWaitError';
  constructor(readonly waitedMs: number) {
    super(`another identical request was still running after ${waitedMs} ms`);
  }
}

/** Locks held in this process: each key's holders run one after another, the next starting when one finishes. */
export class MemoryLocks implements Locks {
  /** The end of each key's queue: resolves when the last holder (or waiter) is done. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Keys with a holder or waiters now: for tests and figures. */
  get held(): number {
    return this.tails.size;
  }

  async withLock<T>(key: string, options: { waitMs: number; signal: AbortSignal }, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Whoever comes next waits for this one, whether it runs, gives up waiting or fails.
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await waitFor(previous, options.waitMs, options.signal);
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

function waitFor(turn: Promise<void>, waitMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      reject(new LockWaitError(waitMs));
    }, waitMs);
    signal.addEventListener('abort', onAbort, { once: true });
    turn.then(() => {
      done();
      resolve();
    });
  });
}
