/** Our error classes, the one factory that maps an upstream reply to a class, and the wording a model reads. */
import { oneLine } from './text.js';

/** What a failed call was doing: a write must never be blindly repeated, a read may be. */
export type Intent = 'read' | 'write';

/** Configuration that cannot work, found at start: the bin prints the message (which names the fix) and exits 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export abstract class LmsError extends Error {
  /** True when the request may have reached StackOne, and so the provider, before it failed. */
  reached = false;
  /** Upstream requests made for this call, retries included. */
  attempts = 0;
  /** Why retrying stopped, when that is worth saying (e.g. the wait asked for is longer than we wait). */
  retryNote: string | undefined;
  /** The upstream request that failed, when one was sent: a failed lookup before a create wrote nothing. */
  method: 'GET' | 'POST' | undefined;
  /** For a write that may have reached the LMS: what a follow-up list found. */
  writeCheck:
    | { outcome: 'absent' }
    | { outcome: 'unknown'; reason: string }
    /** A matching record is there, whoever made it; `record` describes it in one line for the model. */
    | { outcome: 'exists'; record: string }
    | undefined;
  /** For a write: the list tool that shows what it would have made, named in the advice to check before retrying. */
  checkWith: string | undefined;
}

/** A credential or account id is missing or unusable; nothing was sent. */
export class CredentialError extends LmsError {
  override name = 'CredentialError';
}

/** An input problem our schema cannot see (e.g. `.` as a user id); nothing was sent. */
export class InputError extends LmsError {
  override name = 'InputError';
}

/** The look before a create (the duplicate check) failed or could not read every page; nothing was created. */
export class PrecheckError extends LmsError {
  override name = 'PrecheckError';
  /** `looksFor` is what the check looks for ("an open assignment"); `list` the tool that shows it. */
  constructor(looksFor: string, reason: string, list: string) {
    super(
      `Could not check for ${looksFor} before creating (${clean(reason, 200)}), so nothing was created. Try again, look with ${list} yourself, or pass allow_duplicate: true to create without the check.`,
    );
    this.checkWith = list;
  }
}

export interface ProviderErrorSummary {
  status?: number;
  host?: string;
  message?: string;
}

/** StackOne answered with an error status (in the HTTP status line or in the body's `statusCode`). */
export class UpstreamError extends LmsError {
  override name = 'UpstreamError';
  constructor(
    readonly status: number,
    readonly upstreamMessage: string | undefined,
    readonly providerErrors: ProviderErrorSummary[],
    /** Seconds StackOne asked us to wait, when it said. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(`StackOne answered HTTP ${status}`);
    // 4xx other than 408 and 429 are refusals: StackOne or the provider rejected the request, so nothing was written.
    this.reached = status === 408 || status >= 500;
  }
}

/** The whole-request budget (STACKONE_TIMEOUT_MS) ran out. */
export class TimeoutError extends LmsError {
  override name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no complete answer from StackOne within ${timeoutMs} ms`);
    // Whether the provider saw it cannot be known from here: assume it may have.
    this.reached = true;
  }
}

/** The MCP client cancelled the call. */
export class CancelledError extends LmsError {
  override name = 'CancelledError';
  constructor() {
    super('the call was cancelled by the client');
    this.reached = true;
  }
}

/** The connection failed; `reached` says whether the request could have gone out first. */
/**
 * This machine would not build the request (undici refused a header value, say): nothing left it, and sending it
 * again would be refused the same way, so it is never retried, and a create is known not to have been written.
 */
export class NotSentError extends LmsError {
  override name = 'NotSentError';
  constructor(readonly reason: string) {
    super(`The request to StackOne could not be sent (${reason}). Nothing was sent.`);
    this.reached = false;
  }
}

export class NetworkError extends LmsError {
  override name = 'NetworkError';
  constructor(
    readonly code: string,
    reached: boolean,
  ) {
    super(`network error talking to StackOne (${code})`);
    this.reached = reached;
  }
}

/** A reply we cannot use: HTML, truncated or invalid JSON, not UTF-8, too large, empty, or a redirect. */
export class BadResponseError extends LmsError {
  override name = 'BadResponseError';
  constructor(
    readonly status: number,
    readonly problem: string,
  ) {
    super(`StackOne answered HTTP ${status}, but ${problem}`);
    // A 2xx we cannot read still means the write happened; a 3xx was never acted on by StackOne.
    this.reached = status < 300 || status >= 500 || status === 408;
  }
}

/** The one factory: an error status plus whatever body came with it becomes an UpstreamError. */
export function upstreamErrorFrom(status: number, body: unknown, retryAfterSeconds: number | undefined): UpstreamError {
  const record = isRecord(body) ? body : undefined;
  const message = typeof record?.message === 'string' ? clean(record.message) : undefined;
  const providerErrors = Array.isArray(record?.provider_errors)
    ? record.provider_errors.slice(0, 3).map(summarizeProviderError)
    : [];
  return new UpstreamError(status, message, providerErrors, retryAfterSeconds);
}

function summarizeProviderError(entry: unknown): ProviderErrorSummary {
  if (!isRecord(entry)) return {};
  const out: ProviderErrorSummary = {};
  if (typeof entry.status === 'number') out.status = entry.status;
  if (typeof entry.url === 'string') {
    // Only the host: a provider URL's path and query can carry tokens or personal data.
    try {
      out.host = new URL(entry.url).host;
    } catch {
      /* not a URL: leave it out */
    }
  }
  const raw = entry.raw;
  if (isRecord(raw)) {
    const text = raw.message ?? raw.error ?? raw.detail ?? raw.error_description;
    out.message = clean(typeof text === 'string' ? text : JSON.stringify(raw));
  } else if (typeof raw === 'string') {
    out.message = clean(raw);
  }
  return out;
}

const STATUS_HINTS: Record<number, string> = {
  400: 'StackOne found the request invalid. Check the fields named above and try again.',
  401: 'The API key was rejected. Check STACKONE_API_KEY: it must be a valid StackOne API key (the server sends it as HTTP Basic user name).',
  403: "The API key is not allowed to do this. Check the key's scopes in StackOne (it needs the LMS assignments/completions permissions) and that it belongs to this account's project.",
  404: 'Not found. Check the account id (the linked account in StackOne) and any id passed (a user id is the StackOne one, as `id`, from find_users) belongs to that account.',
  408: "StackOne's 60 s request lifetime ran out while the provider was working.",
  409: "The request conflicts with what the LMS already has (for example the user already has this assignment). List the user's assignments to see what exists.",
  412: "The linked account's integration is disabled in StackOne. Re-enable it in the StackOne dashboard, then try again.",
  422: 'The LMS rejected some fields. Fix the fields named above and try again.',
  429: 'Rate limited: StackOne allows 1,000 requests a minute per API key.',
};

export interface DescribeContext {
  intent: Intent;
  /** What a write was trying to create, without an article ("assignment of sec-101"), for the advice. */
  what?: string | undefined;
}

/** The wording a model reads for a failed call: what happened, StackOne's own words, and what to do. */
export function describeError(error: unknown, ctx: DescribeContext): string {
  const lines: string[] = [];
  if (error instanceof UpstreamError) {
    lines.push(
      `StackOne answered HTTP ${error.status}${error.upstreamMessage ? `: ${error.upstreamMessage}` : ` (${reasonPhrase(error.status)})`}.`,
    );
    for (const p of error.providerErrors) {
      const where = [p.status !== undefined ? `status ${p.status}` : '', p.host ? `from ${p.host}` : '']
        .filter(Boolean)
        .join(' ');
      lines.push(`Provider error${where ? ` (${where})` : ''}: ${p.message ?? 'no message'}`);
    }
    const hint = STATUS_HINTS[error.status] ?? (error.status >= 500 ? serverHint(error.status) : undefined);
    if (hint) lines.push(hint);
    if (error.status === 429 || error.retryAfterSeconds !== undefined) {
      lines.push(
        error.retryAfterSeconds !== undefined
          ? `Retry after ${error.retryAfterSeconds} s.`
          : 'Retry after a short wait (StackOne did not say how long).',
      );
    }
  } else if (error instanceof TimeoutError) {
    lines.push(
      `Timed out: StackOne did not answer within ${error.timeoutMs} ms (STACKONE_TIMEOUT_MS, retries included).`,
    );
  } else if (error instanceof CancelledError) {
    lines.push('Cancelled: the client cancelled the call and the request to StackOne was closed.');
  } else if (error instanceof NetworkError) {
    lines.push(
      error.reached
        ? `The connection to StackOne failed mid-request (${error.code}).`
        : `Could not connect to StackOne (${error.code}). Check STACKONE_BASE_URL and the network; nothing was sent.`,
    );
  } else if (error instanceof BadResponseError) {
    lines.push(`StackOne answered HTTP ${error.status}, but ${error.problem}.`);
  } else if (error instanceof LmsError) {
    lines.push(error.message);
  } else {
    lines.push(`Unexpected error: ${clean(error instanceof Error ? error.message : String(error))}`);
  }
  if (error instanceof LmsError) {
    if (error.retryNote) lines.push(error.retryNote);
    else if (error.attempts > 1) lines.push(`(${error.attempts} attempts were made.)`);
  }
  if (ctx.intent === 'write') {
    const advice = writeAdvice(error, ctx.what ?? 'record');
    if (advice) lines.push(advice);
  }
  return lines.join('\n');
}

/**
 * What may have happened to a write that ended in `error`, decided once: the advice a model reads (describeError)
 * and the audit outcome (audit.ts) both come from it, so the answer and the audit trail cannot disagree.
 *   refused      this server refused before sending anything (no key, an account not allowed, input it rejects, a
 *                request this machine would not build).
 *   not_written  nothing was written: it never left, StackOne or the provider refused it, the check before it
 *                failed, or a follow-up list found none after a failure that cannot still be working.
 *   pending      a follow-up list found none yet, but the create timed out or was cut off after it was sent: StackOne
 *                or the LMS may still be writing it.
 *   exists       a follow-up list found a matching record, whoever made it: a retry would duplicate it.
 *   unknown      it may have reached the LMS and no check could tell.
 */
export type WriteFate = 'refused' | 'not_written' | 'pending' | 'exists' | 'unknown';

export function writeFate(error: unknown): WriteFate {
  if (!(error instanceof LmsError)) return 'not_written';
  if (error instanceof CredentialError || error instanceof InputError || error instanceof NotSentError) {
    return 'refused';
  }
  const check = error.writeCheck?.outcome;
  if (check === 'exists') return 'exists';
  if (check === 'absent') return stillWorking(error) ? 'pending' : 'not_written';
  if (check === 'unknown') return 'unknown';
  // A create that may have reached the LMS with no check after it (the caller cancelled first) may have written; a
  // failed GET (the look before a create) wrote nothing.
  return error.reached && error.method !== 'GET' ? 'unknown' : 'not_written';
}

/** The advice line for a failed write, from its fate; `what` names the record ("assignment of sec-101"). */
function writeAdvice(error: unknown, what: string): string | undefined {
  const check = error instanceof LmsError ? error.writeCheck : undefined;
  // The list that shows what the write would have made; a write that failed before its own check names none.
  const list = (error instanceof LmsError && error.checkWith) || 'list_user_assignments or list_user_completions';
  switch (writeFate(error)) {
    case 'exists':
      return `A follow-up ${list} found an existing ${what} for this user: ${check?.outcome === 'exists' ? check.record : 'see the list'}. This create may or may not be what made it; retrying would make a duplicate, so do not retry. Report this record, or call ${list} to look at it.`;
    case 'pending':
      // The request timed out or its connection dropped after it was sent: StackOne or the LMS may still be working
      // on it, and a list made straight away cannot see what is not written yet.
      return `A follow-up ${list} found no ${what} yet, but the create timed out or was cut off after it was sent, so StackOne or the LMS may still be working on it. Wait a minute and call ${list} again; retry only if it is still absent.`;
    case 'unknown': {
      const why = check?.outcome === 'unknown' ? ` (a follow-up check failed too: ${clean(check.reason, 160)})` : '';
      return `This create may have reached the LMS, so it was not retried${why}. Call ${list} for this user to check whether the ${what} now exists before trying again.`;
    }
    case 'not_written':
      if (check?.outcome === 'absent')
        return `A follow-up ${list} found no ${what}: it was not created, and it is safe to retry.`;
      if (error instanceof NetworkError || error instanceof CancelledError) {
        return 'Nothing was written; it is safe to try again.';
      }
      return undefined;
    case 'refused':
      return undefined;
  }
}

/** A failure after which the provider may still be writing: our deadline, StackOne's 408/504, a dropped connection. */
function stillWorking(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  if (error instanceof UpstreamError) return error.status === 408 || error.status === 504;
  return error instanceof NetworkError && error.reached;
}

function serverHint(status: number): string {
  if (status === 501) return 'This provider does not support the operation through StackOne.';
  return 'StackOne or the LMS behind it failed. Try again shortly; if it persists, check StackOne status.';
}

function reasonPhrase(status: number): string {
  const phrases: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    408: 'Request Timeout',
    409: 'Conflict',
    412: 'Precondition Failed',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    501: 'Not Implemented',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
  };
  return phrases[status] ?? 'no message';
}

/** Upstream text passes through only trimmed and on one line, without the characters text.ts lists as unsafe. */
export const clean: (text: string, max?: number) => string = oneLine;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
