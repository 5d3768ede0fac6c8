/**
 * The audit trail: one JSON line per write attempt and its outcome (who, which tool, which StackOne account, user
 * and learning object, what happened). Only those fields, each trimmed and checked for secrets: never a key, a
 * token or a free-text argument, so the file can be handed to an auditor as it is.
 */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';
import type { Clock } from './clock.js';
import type { AuditTarget } from './config.js';
import { ConfigError, type WriteFate, writeFate } from './errors.js';
import { MASK, redactText } from './secrets.js';
import { oneLine } from './text.js';

/**
 * created                 StackOne answered with the new record.
 * created_confirmed       StackOne's reply was lost; a follow-up list found the record.
 * duplicate               the check before a create found one already (an open assignment, a completion that
 *                         day, or any with if_not_exists): nothing sent; record_id is the one found.
 * dry_run                 validated and shown, nothing sent.
 * may_have_been_created   the request may have reached the LMS and nobody could tell whether it wrote: no check could
 *                         run, a follow-up list found a matching record (this call's or not), or found none yet after
 *                         a create that timed out or was cut off once sent (it may still land).
 * failed                  nothing was written: StackOne or the provider refused it, the connection never carried
 *                         it, a lookup before it failed, or the follow-up list found no record after a failure that
 *                         cannot still be working.
 * refused                 this server refused before sending: no key, an account not allowed, input it rejects
 *                         (or a request this machine would not build),
 *                         a token without the scope.
 */
export type AuditOutcome =
  | 'created'
  | 'created_confirmed'
  | 'duplicate'
  | 'dry_run'
  | 'may_have_been_created'
  | 'failed'
  | 'refused';

/** Who made the call: the token's subject in OAuth mode; "token" for the shared MCP_AUTH_TOKEN; "stdio" locally. */
export type Caller =
  | { kind: 'oauth'; subject: string; clientId?: string }
  | { kind: 'token' }
  | { kind: 'stdio' }
  | { kind: 'http' };

export interface WriteAttempt {
  caller: Caller;
  tool: string;
  /** The call's parsed arguments: only `id` and `learning_object_external_reference` are read from them. */
  args: Readonly<Record<string, unknown>>;
  /** The StackOne account the call used (or would have used). */
  accountId: string | undefined;
  durationMs: number;
}

/** How the call ended: the tool's structured result, or what it threw. */
export type WriteEnd = { result: unknown } | { error: unknown };

export interface AuditLog {
  /** Never throws: an audit sink that fails says so once on stderr, and the call's answer is unaffected. */
  write(attempt: WriteAttempt, end: WriteEnd, extraSecrets?: readonly string[]): void;
  close(): void;
}

/** The longest value kept for an id-like field; a longer one is cut and marked, never dropped. */
const MAX_FIELD = 200;

/** One audit line's fields, in the order they are written. */
export interface AuditLine {
  time: string;
  level: 'info';
  msg: 'audit';
  event: 'write';
  outcome: AuditOutcome;
  tool: string;
  who: string;
  auth: Caller['kind'];
  client_id?: string;
  account_id?: string;
  user_id?: string;
  learning_object?: string;
  record_id?: string;
  error?: string;
  status?: number;
  duration_ms: number;
}

/** The outcome of a write, read from what the tool returned or threw (see src/tools/safe-writes.ts). */
export function outcomeOf(end: WriteEnd): {
  outcome: AuditOutcome;
  recordId?: string;
  error?: string;
  status?: number;
} {
  if ('result' in end) {
    const raw = (end.result ?? {}) as Record<string, unknown>;
    // A write that created nothing names the record that stopped it in `existing`, never in `data`.
    const record = (raw.created === false ? raw.existing : raw.data) ?? {};
    const id = (record as Record<string, unknown>).id;
    const recordId = typeof id === 'string' ? id : undefined;
    const outcome: AuditOutcome =
      raw.dry_run === true
        ? 'dry_run'
        : raw.created === false
          ? 'duplicate'
          : raw.confirmed_by_list === true
            ? 'created_confirmed'
            : 'created';
    return { outcome, ...(recordId === undefined || outcome === 'dry_run' ? {} : { recordId }) };
  }
  const error = end.error;
  const name = error instanceof Error ? error.name : 'Error';
  const status =
    typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : undefined;
  const base = { error: name, ...(status === undefined ? {} : { status }) };
  // The same classification the answer's advice comes from (errors.ts writeFate).
  return { outcome: OUTCOME_OF_FATE[writeFate(error)], ...base };
}

const OUTCOME_OF_FATE: Record<WriteFate, AuditOutcome> = {
  refused: 'refused',
  not_written: 'failed',
  // A create that was sent and may still land, or may have landed: the audit must not say "nothing was written".
  pending: 'may_have_been_created',
  exists: 'may_have_been_created',
  unknown: 'may_have_been_created',
};

/** One line for one attempt at `now`, every agent-supplied value trimmed, cut to length and cleaned of secrets. */
export function auditLine(attempt: WriteAttempt, end: WriteEnd, secrets: readonly string[], now: number): AuditLine {
  const clean = (value: unknown): string | undefined => {
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    // One line whatever a caller or a token sends: text.ts's unsafe characters (NEL, U+2028/2029, bidi) become spaces.
    return oneLine(redactText(String(value), secrets), MAX_FIELD + 1);
  };
  const { outcome, recordId, error, status } = outcomeOf(end);
  const { caller } = attempt;
  const line: Omit<AuditLine, 'duration_ms'> = {
    time: new Date(now).toISOString(),
    level: 'info',
    msg: 'audit',
    event: 'write',
    outcome,
    tool: attempt.tool,
    who: caller.kind === 'oauth' ? (clean(caller.subject) ?? MASK) : caller.kind,
    auth: caller.kind,
  };
  const optional: Array<[keyof AuditLine, string | number | undefined]> = [
    ['client_id', caller.kind === 'oauth' ? clean(caller.clientId) : undefined],
    ['account_id', clean(attempt.accountId)],
    ['user_id', clean(attempt.args.id)],
    ['learning_object', clean(attempt.args.learning_object_external_reference)],
    ['record_id', clean(recordId)],
    ['error', error],
    ['status', status],
  ];
  for (const [key, value] of optional) if (value !== undefined) Object.assign(line, { [key]: value });
  return { ...line, duration_ms: Math.round(attempt.durationMs) };
}

/**
 * The audit log for a target. `secrets` are the process's own (the StackOne key's forms, MCP_AUTH_TOKEN); a call's
 * bearer token is passed per write. A file is opened for appending, owner-only, and written synchronously: a
 * write is rare, and a line that reached the OS survives the process dying right after.
 */
export function createAuditLog(
  target: AuditTarget,
  options: { secrets: readonly string[]; stderr: (line: string) => void; now: Clock },
): AuditLog {
  if (target.kind === 'off') return { write: () => {}, close: () => {} };
  let fd: number | undefined;
  let broken = false;
  if (target.kind === 'file') {
    try {
      fd = openSync(target.path, 'a', 0o600);
      // The mode given to open applies only to a file it creates: an audit file that already existed keeps its own,
      // perhaps world-readable, so it is set here either way.
      fchmodSync(fd, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(
        `MCP_AUDIT_LOG: cannot open ${target.path} for appending (${code}). Point it at a writable file, or set it to stderr.`,
      );
    }
  }
  const sink = (text: string) => {
    if (fd === undefined) return options.stderr(text);
    try {
      writeSync(fd, text);
    } catch (error) {
      if (!broken) {
        broken = true;
        options.stderr(
          `${JSON.stringify({ time: new Date(options.now()).toISOString(), level: 'error', msg: 'audit log write failed; audit lines go to stderr from now on', error: error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.name) : 'unknown' })}\n`,
        );
      }
      options.stderr(text);
    }
  };
  return {
    write(attempt, end, extraSecrets = []) {
      try {
        sink(`${JSON.stringify(auditLine(attempt, end, [...options.secrets, ...extraSecrets], options.now()))}\n`);
      } catch {
        /* an audit line must never turn a call's answer into an error */
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
