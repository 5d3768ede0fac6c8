/** A structured logger that writes one JSON line per event to stderr: stdout belongs to JSON-RPC in stdio mode. */
import type { Clock } from './clock.js';
import type { LogLevel } from './config.js';
import { escapeUnsafe } from './text.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Callers pass only fields they chose to log (tool, status, duration): never headers, bodies or keys. */
export function createLogger(level: LogLevel, write: (line: string) => void, now: Clock): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) =>
    RANK[lvl] < RANK[level]
      ? () => {}
      : (msg: string, fields?: LogFields) => {
          // JSON escapes C0 controls but not NEL, U+2028/2029 or bidi controls, which line readers and terminals honour.
          write(
            `${escapeUnsafe(JSON.stringify({ time: new Date(now()).toISOString(), level: lvl, msg, ...fields }))}\n`,
          );
        };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const quiet = () => {};
export const silentLogger: Logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

/**
 * Lines written together once per turn of the event loop, not one write each: under load the access log is one
 * line per request, and stderr writes are synchronous. Whatever is queued is written before the process exits.
 */
export function batchedWriter(write: (chunk: string) => void): (line: string) => void {
  let queued: string[] = [];
  const flush = () => {
    if (queued.length === 0) return;
    const chunk = queued.join('');
    queued = [];
    write(chunk);
  };
  process.on('exit', flush);
  return (line) => {
    if (queued.push(line) === 1) setImmediate(flush);
  };
}
