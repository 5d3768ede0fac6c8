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
    const previous = this.tails.get(key);
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Whoever comes next waits for this one, whether it runs, gives up waiting or fails.
    const tail = previous ? previous.then(() => mine) : mine;
    this.tails.set(key, tail);
    let turn = false;
    try {
      // Nobody ahead (every create but a duplicate's): no timer and no abort listener to set up and tear down.
      if (previous) await waitFor(previous, options.waitMs, options.signal);
      else if (options.signal.aborted) throw options.signal.reason;
      turn = true;
      return await work();
    } finally {
      release();
      // Last in the queue: once it had its turn everyone before it is done, so the key can go. One that gave up
      // waiting may still have a holder ahead of it, which the next arrival must wait for: the key goes when that
      // holder is done.
      if (turn) {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      } else {
        void tail.then(() => {
          if (this.tails.get(key) === tail) this.tails.delete(key);
        });
      }
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
