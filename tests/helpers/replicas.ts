/**
 * Replicas in one test process: each is the real server (buildServer) wired to the SDK's real Client, with its own
 * Directory and locks over its own connection to the shared store (src/cache/), as separate processes would have;
 * they share nothing else. Their log lines are kept, and a test can wait for one to appear.
 */
import { openShared, type Shared } from '../../src/cache/index.js';
import type { Clock } from '../../src/clock.js';
import type { Locks } from '../../src/locks.js';
import { createLogger, type Logger } from '../../src/log.js';
import { Directory, type DirectoryOptions } from '../../src/stackone/directory.js';
import { type Wired, wire } from './wire.js';

export interface Replica {
  w: Wired;
  shared: Shared;
  directory: Directory;
  logs: string[];
  logger: Logger;
  /** Resolves once a log line matches (lines already written count). */
  logged(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  now: Clock;
  directory?: Partial<DirectoryOptions>;
  /** Wait for the store's "connected" line before answering (default true). */
  connected?: boolean;
  walkLockMs?: number;
  createLockMs?: number;
  coolOffMs?: number;
  /** Locks other than the shared ones (a test's breakage: MemoryLocks). */
  locks?: Locks;
}

export async function startReplica(cacheUrl: string, upstreamUrl: string, options: ReplicaOptions): Promise<Replica> {
  const logs: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const logger = createLogger(
    'debug',
    (line) => {
      logs.push(line);
      for (const listener of listeners) listener(line);
    },
    options.now,
  );
  const logged = (pattern: RegExp, timeoutMs = 5_000) =>
    new Promise<string>((resolve, reject) => {
      const found = logs.find((line) => pattern.test(line));
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`no log line matched ${pattern} within ${timeoutMs} ms:\n${logs.join('')}`));
      }, timeoutMs);
      const listener = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(line);
      };
      listeners.add(listener);
    });
  const directoryTtlMs = options.directory?.ttlMs ?? 300_000;
  const shared = openShared(new URL(cacheUrl), {
    logger,
    directoryTtlMs,
    ...(options.walkLockMs ? { walkLockMs: options.walkLockMs } : {}),
    ...(options.createLockMs ? { createLockMs: options.createLockMs } : {}),
    ...(options.coolOffMs ? { coolOffMs: options.coolOffMs } : {}),
  });
  if (options.connected !== false) await logged(/shared cache \(MCP_CACHE_URL\) connected/);
  const directory = new Directory({ now: options.now, ...shared.directory, ...options.directory });
  const w = await wire(upstreamUrl, {
    now: options.now,
    deps: { directory, locks: options.locks ?? shared.locks, logger },
  });
  return {
    w,
    shared,
    directory,
    logs,
    logger,
    logged,
    close: async () => {
      await w.close();
      await shared.close();
    },
  };
}
