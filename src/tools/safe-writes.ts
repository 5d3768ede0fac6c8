/**
 * Writes that are safe to retry: look before creating (if_not_exists), check after a failure that may have
 * reached the LMS, and show a create without sending it (dry_run). A duplicate assignment or a lost completion
 * is worse than a slow answer.
 */
import { LmsError } from '../errors.js';
import { MASK } from '../secrets.js';
import type { PreparedRequest } from '../stackone/client.js';
import type { Assignment, CreateResult } from '../stackone/schemas.js';
import { callOptions, type ToolContext } from './define-tool.js';

/** Pages read when looking for an assignment: 10 × 100 covers any real person's training record. */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;
/** Clock skew allowed between this machine and the provider when deciding what "new" means. */
const SKEW_MS = 5 * 60_000;
/** Each page of a follow-up check gets this long at most: the failed call may already have used its whole budget. */
const CHECK_TIMEOUT_MS = 15_000;

export type WriteKind = 'assignment' | 'completion';

/**
 * The user's assignments for a learning object, newest first, walking pages. `since` narrows the list to records
 * updated after it, `status` to one status; both are also re-checked here, for providers that ignore the filter.
 */
export async function findAssignments(
  ctx: ToolContext,
  userId: string,
  ref: string,
  options: { since?: number; status?: 'completed'; timeoutMs?: number } = {},
): Promise<Assignment[]> {
  const found: Assignment[] = [];
  const filter: Record<string, string> = {};
  if (options.status) filter.status = options.status;
  if (options.since !== undefined) filter.updated_after = new Date(options.since).toISOString();
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const reply = await ctx.stackone.listUserAssignments(
      userId,
      { ...(Object.keys(filter).length ? { filter } : {}), page_size: PAGE_SIZE, ...(next ? { next } : {}) },
      callOptions(ctx, options.timeoutMs),
    );
    for (const a of reply.data) {
      if (a.learning_object_external_reference !== ref) continue;
      if (options.status && a.status?.value !== options.status) continue;
      if (options.since !== undefined && before(a.updated_at ?? a.created_at, options.since)) continue;
      found.push(a);
    }
    next = reply.next ?? undefined;
    if (!next) break;
  }
  return found.sort((a, b) => time(b.created_at) - time(a.created_at));
}

/**
 * After a create failed in a way that may have reached the provider, look for what it would have written.
 * Returns the record when it is there; otherwise marks the error "not written" (or "could not check") and rethrows.
 */
export async function checkAfterFailure(
  error: unknown,
  kind: WriteKind,
  ctx: ToolContext,
  userId: string,
  ref: string,
  started: number,
): Promise<Assignment> {
  if (!(error instanceof LmsError) || !error.reached || ctx.signal.aborted) throw error;
  let matches: Assignment[];
  ctx.log('warning', `The create may have reached the LMS (${error.message}); checking with a list before answering.`);
  try {
    matches = await findAssignments(ctx, userId, ref, {
      since: started - SKEW_MS,
      timeoutMs: CHECK_TIMEOUT_MS,
      ...(kind === 'completion' ? { status: 'completed' as const } : {}),
    });
  } catch (checkError) {
    error.writeCheck = {
      outcome: 'unknown',
      reason: checkError instanceof Error ? checkError.message : String(checkError),
    };
    throw error;
  }
  // An assignment created before this call started is someone else's; a completion is judged by its update time.
  const mine = kind === 'assignment' ? matches.filter((a) => !before(a.created_at, started - SKEW_MS)) : matches;
  const hit = mine[0];
  if (hit) return hit;
  error.writeCheck = { outcome: 'absent' };
  throw error;
}

/** A CreateResult for a write whose reply was lost but whose record the check found. */
export function confirmedResult(record: Assignment, kind: WriteKind): CreateResult {
  return {
    message: `${kind === 'assignment' ? 'Created' : 'Recorded'}: StackOne's reply was lost, and a follow-up list found the record.`,
    data: { id: record.id ?? null, remote_id: record.remote_id ?? null },
    confirmed_by_list: true,
    record,
  };
}

/** The exact request a create would send, the key masked, and a CreateResult-shaped result that says so. */
export function dryRunResult(request: PreparedRequest, baseUrl: string): { summary: string; raw: CreateResult } {
  const headers = { ...request.headers, authorization: `Basic ${MASK}` };
  // The path is absolute and already carries any base path prefix, so it resolves against the origin.
  const shown = { method: request.method, url: new URL(request.path, baseUrl).href, headers, body: request.body };
  return {
    summary: [
      `Dry run: input is valid; nothing was sent. The request would be:`,
      `${shown.method} ${shown.url}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      JSON.stringify(request.body),
      'Call again without dry_run to send it.',
    ].join('\n'),
    raw: {
      message: 'Dry run: validated, nothing was sent.',
      data: { id: null, remote_id: null },
      dry_run: true,
      request: shown,
    },
  };
}

function time(value: string | null | undefined): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** True only when the date is known and earlier: an absent or unreadable date does not rule a record out. */
function before(value: string | null | undefined, limit: number): boolean {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) && ms < limit;
}
