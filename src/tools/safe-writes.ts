/**
 * Writes a person can trust: look before creating (an open assignment, or a completion recorded the same day, of
 * the same learning object is not created twice), check after a failure that may have reached the LMS, and show a
 * create without sending it (dry_run). A duplicate assignment or a lost completion is worse than a slow answer.
 * Provider timestamps are never trusted to say a record is not the one a create made: they are often absent,
 * stale, rounded, in another zone, or the provider's own. (A completion's day is different: it is what makes a
 * recertification a new record rather than a repeat, so it decides what a repeat would duplicate.)
 */

import { CancelledError, LmsError, PrecheckError } from '../errors.js';
import { LockWaitError } from '../locks.js';
import { MASK } from '../secrets.js';
import type { PreparedRequest } from '../stackone/client.js';
import { tenantDigest } from '../stackone/directory.js';
import { type Endpoint, LIST_USER_ASSIGNMENTS, LIST_USER_COMPLETIONS } from '../stackone/endpoints.js';
import type { Assignment, Completion, CreateResult } from '../stackone/schemas.js';
import { checkBudgetMs, createBudgetMs } from './budget.js';
import { callOptions, type ToolContext, type ToolOutput } from './define-tool.js';
import { completionDay, describeAssignment, describeCompletion, lostReplyNote } from './summaries.js';
import { type LearningObjectRef, learningObjectsFor } from './titles.js';

/** Pages read when looking for a record: 10 × 100 covers any real person's training record. */
const MAX_PAGES = 10;
const PAGE_SIZE = 100;
/** Clock skew allowed between this machine and the provider when a timestamp is used to confirm a record is new. */
const SKEW_MS = 5 * 60_000;

/** The learning object a create names: the reference it must give and the id it may. */
export interface Target {
  learning_object_external_reference: string;
  learning_object_id?: string | undefined;
}

/**
 * Whether a listed record is of the learning object a create names: either identifier of the call against either
 * field of the record. StackOne documents both fields as nullable in lists, and providers fill one or the other.
 */
export function sameLearningObject(record: LearningObjectRef, target: Target): boolean {
  const named = [target.learning_object_external_reference, target.learning_object_id];
  return [record.learning_object_external_reference, record.learning_object_id].some(
    (value) => typeof value === 'string' && value !== '' && named.includes(value),
  );
}

/** What the checks read of a listed record. */
interface Listed extends LearningObjectRef {
  id?: string | null | undefined;
  remote_id?: string | null | undefined;
  created_at?: string | null | undefined;
  updated_at?: string | null | undefined;
}

/** A kind of record a write creates, and how its checks list and judge that kind. */
export interface WriteKind<T extends Listed> {
  noun: 'assignment' | 'completion';
  /** The list tool that shows what the write would have made: named in every "check before retrying". */
  list: 'list_user_assignments' | 'list_user_completions';
  endpoint: Endpoint<{ data: T[]; next?: string | null | undefined }>;
  /** What the check before a create looks for, for the error when it cannot: "an open assignment". */
  looksFor: string;
  /** After a failure: a record that retrying would duplicate, whoever made it. */
  repeats: (record: T) => boolean;
  /** The stamps that show a record was made by this call when there is no before-picture. */
  madeAt: (record: T) => Array<string | null | undefined>;
  /** One line naming a record, id first. `now` decides "overdue". */
  describe: (record: T, now: number) => string;
}

export const ASSIGNMENTS: WriteKind<Assignment> = {
  noun: 'assignment',
  list: 'list_user_assignments',
  endpoint: LIST_USER_ASSIGNMENTS,
  looksFor: 'an open assignment',
  // Any assignment of it: even a completed one may be what the lost create reopened.
  repeats: () => true,
  madeAt: (a) => [a.created_at],
  describe: describeAssignment,
};

export const COMPLETIONS_LIST = 'list_user_completions';

/** The completions of a learning object a new one recorded on `day` (UTC) would repeat. */
export function completionsOn(day: string): WriteKind<Completion> {
  return {
    noun: 'completion',
    list: COMPLETIONS_LIST,
    endpoint: LIST_USER_COMPLETIONS,
    looksFor: `a completion of it recorded on ${day}`,
    repeats: (c) => sameDay(c, day),
    madeAt: (c) => [c.created_at, c.updated_at],
    describe: (c) => describeCompletion(c),
  };
}

/**
 * Recorded on `day`, or with no day at all: a completion whose date cannot be read is not ruled out (fail closed;
 * allow_duplicate overrides).
 */
function sameDay(c: Completion, day: string): boolean {
  const recorded = completionDay(c);
  return recorded === undefined || recorded === day;
}

export interface Found<T> {
  /** The user's records of the learning object, newest first. */
  records: T[];
  /** False when pages remained after the page cap or the time budget: absence then proves nothing. */
  complete: boolean;
  /** Why absence proves nothing, when it does not. */
  unsure?: string;
}

/** The user's records of a learning object, walking pages under one time budget (at most 10 × 100, checkBudgetMs). */
async function findRecords<T extends Listed>(
  kind: WriteKind<T>,
  ctx: ToolContext,
  userId: string,
  target: Target,
): Promise<Found<T>> {
  const budget = checkBudgetMs(ctx.stackone.timeoutMs);
  const started = ctx.now();
  const records: T[] = [];
  // Records that name their learning object by id alone, when the call gave only the reference: which of them are
  // this one only the course and content directories can say.
  const byIdOnly: T[] = [];
  let next: string | undefined;
  let complete = false;
  for (let page = 0; page < MAX_PAGES; page++) {
    const left = budget - (ctx.now() - started);
    if (left <= 0) break;
    const query = { page_size: PAGE_SIZE, ...(next ? { next } : {}) };
    const reply = await ctx.stackone.call(kind.endpoint, { id: userId, query }, callOptions(ctx, left));
    for (const record of reply.data) {
      if (sameLearningObject(record, target)) records.push(record);
      else if (!target.learning_object_id && record.learning_object_id && !record.learning_object_external_reference) {
        byIdOnly.push(record);
      }
    }
    next = reply.next ?? undefined;
    if (!next) {
      complete = true;
      break;
    }
  }
  if (!complete) {
    const unsure = `the user's ${kind.noun}s did not fit in the pages and time this check reads (${MAX_PAGES} pages, or it took longer than ${checkBudgetMs(ctx.stackone.timeoutMs)} ms), so one may be missed`;
    return { records: sortNewest(records), complete, unsure };
  }
  if (byIdOnly.length > 0) {
    const known = (await learningObjectsFor([target], ctx))(target);
    // Not in the directories (or they could not be read): those records may be of it, so absence proves nothing.
    if (known?.id === undefined) {
      const unsure = `some of the user's ${kind.noun}s name their learning object by id only, and the course and content lists did not give the id of ${target.learning_object_external_reference}; pass learning_object_id too`;
      return { records: sortNewest(records), complete: false, unsure };
    }
    records.push(...byIdOnly.filter((r) => r.learning_object_id === known.id));
  }
  return { records: sortNewest(records), complete };
}

/** Pending or in progress: what a second plain assignment would duplicate. Completed ones may be assigned again. */
export function isOpen(a: Assignment): boolean {
  // Fail closed: only an assignment the LMS says is completed may be assigned again. A status the provider could not
  // map (unmapped_value), or none at all, counts as open, so a plain create never duplicates it.
  return a.status?.value !== 'completed';
}

/** How a guarded create ended without an error: it was created, a lost reply was confirmed, or one already exists. */
export type Created<T> =
  | { outcome: 'created'; reply: CreateResult }
  | { outcome: 'confirmed'; record: T; error: unknown }
  | { outcome: 'exists'; record: T };

/**
 * Creates through `create`, guarded both sides. Before: unless `blocks` is undefined (allow_duplicate), lists the
 * user's records of the learning object and creates nothing when one `blocks` it, or when the list cannot be read
 * in full (a PrecheckError: nothing was sent). After a failure that may have reached the LMS: checkAfterFailure.
 */
export async function createGuarded<T extends Listed>(
  kind: WriteKind<T>,
  ctx: ToolContext,
  userId: string,
  target: Target,
  blocks: ((record: T) => boolean) | undefined,
  create: () => Promise<CreateResult>,
): Promise<Created<T>> {
  // Two identical creates at the same moment (a model's parallel tool calls) would both read an empty list and both
  // post. One at a time per tenant, person, kind and learning object: the second waits for the first to finish, then
  // its own check sees what the first made. At most one create's whole budget; then nothing is sent.
  const key = `write:${tenantDigest(ctx.stackone.baseUrl, ctx.credentials)}:${kind.noun}:${userId}:${target.learning_object_external_reference}`;
  const waitMs = createBudgetMs(ctx.stackone.timeoutMs);
  try {
    return await ctx.locks.withLock(key, { waitMs, signal: ctx.signal }, async () => {
      let before: Found<T> | undefined;
      if (blocks) {
        try {
          before = await findRecords(kind, ctx, userId, target);
        } catch (error) {
          throw new PrecheckError(kind.looksFor, error instanceof Error ? error.message : String(error), kind.list);
        }
        const existing = before.records.find(blocks);
        if (existing) return { outcome: 'exists', record: existing };
        if (!before.complete)
          throw new PrecheckError(kind.looksFor, before.unsure ?? 'the check was cut short', kind.list);
      }
      const started = ctx.now();
      try {
        return { outcome: 'created', reply: await create() };
      } catch (error) {
        return {
          outcome: 'confirmed',
          record: await checkAfterFailure(error, kind, ctx, userId, target, started, before),
          error,
        };
      }
    });
  } catch (error) {
    if (error instanceof LockWaitError) {
      throw new PrecheckError(
        kind.looksFor,
        `an identical create for this person was still running after ${Math.round(waitMs / 1000)} s`,
        kind.list,
      );
    }
    if (ctx.signal.aborted && !(error instanceof LmsError)) throw new CancelledError();
    throw error;
  }
}

/**
 * After a create failed in a way that may have reached the provider, look for what it would have written.
 * Returns the record when the list shows this call made it: an id that was not there before the create (`before`,
 * from the duplicate check), or, with no such snapshot, a record dated after the call started. Otherwise marks the
 * error and rethrows: "exists" (a record a retry would repeat is there, whoever made it), "absent" (the complete
 * list has none: safe to retry) or "unknown" (the check failed or could not read every page).
 */
async function checkAfterFailure<T extends Listed>(
  error: unknown,
  kind: WriteKind<T>,
  ctx: ToolContext,
  userId: string,
  target: Target,
  started: number,
  before?: Found<T>,
): Promise<T> {
  if (error instanceof LmsError) error.checkWith = kind.list;
  if (!(error instanceof LmsError) || !error.reached || ctx.signal.aborted) throw error;
  let found: Found<T>;
  ctx.log('warning', `The create may have reached the LMS (${error.message}); checking with a list before answering.`);
  try {
    found = await findRecords(kind, ctx, userId, target);
  } catch (checkError) {
    error.writeCheck = {
      outcome: 'unknown',
      reason: checkError instanceof Error ? checkError.message : String(checkError),
    };
    throw error;
  }
  const known = before?.complete ? new Set(before.records.map((r) => r.id)) : undefined;
  const mine = found.records.find((r) =>
    known ? r.id != null && !known.has(r.id) : kind.madeAt(r).some((stamp) => after(stamp, started)),
  );
  if (mine) return mine;
  const existing = found.records.find(kind.repeats);
  if (existing) {
    error.writeCheck = { outcome: 'exists', record: kind.describe(existing, ctx.now()) };
  } else if (found.complete) {
    error.writeCheck = { outcome: 'absent' };
  } else {
    error.writeCheck = {
      outcome: 'unknown',
      reason: `${found.unsure ?? 'the check was cut short'}; none of those read showed it`,
    };
  }
  throw error;
}

/**
 * What a guarded create answers, however it ended: the record that stopped it (nothing created), StackOne's reply,
 * or the record the check after a lost reply found, with a note saying how it was found.
 */
export function answerOf<T extends Listed>(
  kind: WriteKind<T>,
  done: Created<T>,
  say: { existing: (record: T) => string; created: (reply: CreateResult, note?: string) => string },
): ToolOutput<CreateResult> {
  if (done.outcome === 'exists')
    return { summary: say.existing(done.record), raw: notCreatedResult(kind.noun, done.record) };
  if (done.outcome === 'created') return { summary: say.created(done.reply), raw: done.reply };
  const raw = confirmedResult(kind.noun, done.record);
  return { summary: say.created(raw, lostReplyNote(done.error, kind)), raw };
}

/** A CreateResult for a create whose reply was lost but whose record the check found: its ids, and the record. */
function confirmedResult(kind: WriteKind<Listed>['noun'], record: Listed): CreateResult {
  return {
    message: `${kind === 'completion' ? 'Recorded' : 'Created'}: StackOne's reply was lost, and a follow-up list found the new ${kind}.`,
    data: { id: record.id ?? null, remote_id: record.remote_id ?? null },
    confirmed_by_list: true,
    record,
  };
}

/**
 * A CreateResult that says nothing was created: `created: false`, no new ids in `data` (a model reads `data.id` as
 * the record it just made), and the record that stopped it in `existing`.
 */
function notCreatedResult(kind: WriteKind<Listed>['noun'], record: Listed): CreateResult {
  return {
    message: `Not created: a matching ${kind} already exists (see existing); nothing was sent.`,
    created: false,
    data: { id: null, remote_id: null },
    existing: record,
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

function sortNewest<T extends Listed>(records: T[]): T[] {
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
