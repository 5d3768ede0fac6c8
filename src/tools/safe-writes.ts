/**
 * Writes a person can trust: look before creating (an open assignment of the same learning object is not created
 * twice), check after a failure that may have reached the LMS, and show a create without sending it (dry_run).
 * A duplicate assignment or a lost completion is worse than a slow answer. Provider timestamps are never trusted
 * to rule a record out: they are often absent, stale, rounded, in another zone, or the provider's own.
 */

import { LmsError } from '../errors.js';
import { MASK } from '../secrets.js';
import type { PreparedRequest } from '../stackone/client.js';
import { LIST_USER_ASSIGNMENTS } from '../stackone/endpoints.js';
import type { Assignment, CreateResult } from '../stackone/schemas.js';
import { checkBudgetMs } from './budget.js';
import { callOptions, type ToolContext } from './define-tool.js';
import { describeAssignment } from './summaries.js';

/** Pages read when looking for an assignment: 10 × 100 covers any real person's training record. */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;
/** Clock skew allowed between this machine and the provider when a timestamp is used to confirm a record is new. */
const SKEW_MS = 5 * 60_000;

export type WriteKind = 'assignment' | 'completion';

export interface Found {
  /** The user's assignments of the learning object, newest first. */
  records: Assignment[];
  /** False when pages remained after the page cap or the time budget: absence then proves nothing. */
  complete: boolean;
}

/**
 * The user's assignments for a learning object, walking pages under one time budget (a bounded list: at most
 * 10 pages of 100, at most checkBudgetMs in all). `status` narrows the list, and is re-checked for providers that
 * ignore the filter.
 */
export async function findAssignments(
  ctx: ToolContext,
  userId: string,
  ref: string,
  options: { status?: 'completed' } = {},
): Promise<Found> {
  const budget = checkBudgetMs(ctx.stackone.timeoutMs);
  const started = ctx.now();
  const records: Assignment[] = [];
  let next: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const left = budget - (ctx.now() - started);
    if (left <= 0) break;
    const query = {
      ...(options.status ? { filter: { status: options.status } } : {}),
      page_size: PAGE_SIZE,
      ...(next ? { next } : {}),
    };
    const reply = await ctx.stackone.call(LIST_USER_ASSIGNMENTS, { id: userId, query }, callOptions(ctx, left));
    for (const a of reply.data) {
      if (a.learning_object_external_reference !== ref) continue;
      if (options.status && a.status?.value !== options.status) continue;
      records.push(a);
    }
    next = reply.next ?? undefined;
    if (!next) return { records: sortNewest(records), complete: true };
  }
  return { records: sortNewest(records), complete: false };
}

/** Pending or in progress: what a second plain assignment would duplicate. Completed ones may be assigned again. */
export function isOpen(a: Assignment): boolean {
  // Fail closed: only an assignment the LMS says is completed may be assigned again. A status the provider could not
  // map (unmapped_value), or none at all, counts as open, so a plain create never duplicates it.
  return a.status?.value !== 'completed';
}

/**
 * After a create failed in a way that may have reached the provider, look for what it would have written.
 * Returns the record when the list shows this call made it: an id that was not there before the create (`before`,
 * from the duplicate check), or, with no such snapshot, a record dated after the call started. Otherwise marks the
 * error and rethrows: "exists" (a matching record is there, whoever made it: retrying would duplicate it), "absent"
 * (the complete list has none: safe to retry) or "unknown" (the check failed or could not read every page).
 */
export async function checkAfterFailure(
  error: unknown,
  kind: WriteKind,
  ctx: ToolContext,
  userId: string,
  ref: string,
  started: number,
  before?: Found,
): Promise<Assignment> {
  if (!(error instanceof LmsError) || !error.reached || ctx.signal.aborted) throw error;
  let found: Found;
  ctx.log('warning', `The create may have reached the LMS (${error.message}); checking with a list before answering.`);
  try {
    found = await findAssignments(ctx, userId, ref, kind === 'completion' ? { status: 'completed' } : {});
  } catch (checkError) {
    error.writeCheck = {
      outcome: 'unknown',
      reason: checkError instanceof Error ? checkError.message : String(checkError),
    };
    throw error;
  }
  const known = before?.complete ? new Set(before.records.map((a) => a.id)) : undefined;
  const mine = found.records.find((a) =>
    known ? a.id != null && !known.has(a.id) : after(kind === 'assignment' ? a.created_at : a.updated_at, started),
  );
  if (mine) return mine;
  const existing = found.records[0];
  if (existing) {
    error.writeCheck = { outcome: 'exists', record: describeAssignment(existing, ctx.now()) };
  } else if (found.complete) {
    error.writeCheck = { outcome: 'absent' };
  } else {
    error.writeCheck = {
      outcome: 'unknown',
      reason: `the list had more than ${MAX_PAGES} pages, or took longer than ${checkBudgetMs(ctx.stackone.timeoutMs)} ms, and none of those read showed it`,
    };
  }
  throw error;
}

/** A CreateResult for an assignment whose reply was lost but whose record the check found. */
export function confirmedAssignment(record: Assignment): CreateResult {
  return {
    message: "Created: StackOne's reply was lost, and a follow-up list found the new assignment.",
    data: { id: record.id ?? null, remote_id: record.remote_id ?? null },
    confirmed_by_list: true,
    record,
  };
}

/**
 * A CreateResult for a completion whose reply was lost: the list shows the assignment now completed. The
 * completion's own id was in the lost reply, so `data` says it is unknown rather than pass the assignment's id off
 * as the completion's; the completed assignment is in `completed_assignment`.
 */
export function confirmedCompletion(record: Assignment): CreateResult {
  return {
    message: "Recorded: StackOne's reply was lost, and a follow-up list shows the learning object completed.",
    data: { id: null, remote_id: null },
    confirmed_by_list: true,
    completed_assignment: record,
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

function sortNewest(records: Assignment[]): Assignment[] {
  return records.sort((a, b) => time(b.created_at) - time(a.created_at));
}

function time(value: string | null | undefined): number {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** True only when the date is known and no earlier than the call (less skew): only ever used to confirm. */
function after(value: string | null | undefined, started: number): boolean {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) && ms >= started - SKEW_MS;
}
