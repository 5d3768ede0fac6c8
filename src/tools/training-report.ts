/**
 * training_report: the organisation's training status in one call (who is overdue, who has or has not done a course,
 * a course's completion rate), from the org-wide assignment and completion lists cached per tenant, with names from
 * the users directory and titles from the course and content directories. It never reads one person at a time.
 */
import * as z from 'zod';
import { CancelledError, clean, InputError } from '../errors.js';
import { type DirectoryRecord, type DirectoryView, isOpenAssignment, type ListKind } from '../stackone/directory.js';
import { AccountId, dateTime, enumOf, optional, text } from '../stackone/schemas.js';
import { hasControlChars } from '../text.js';
import { defineTool, directoryReader, sharedProgress } from './define-tool.js';
import { cutShortText, isInactive, str, verbatim } from './lookup.js';
import { day, enumText } from './summaries.js';
import {
  type KnownLearningObject,
  type LearningObjectOf,
  type LearningObjectRef,
  learningObjectsFor,
} from './titles.js';

export const REPORT_STATUSES = ['overdue', 'open', 'completed', 'not_assigned', 'all'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
type RowStatus = Exclude<ReportStatus, 'all'>;

/** Rows carried in structuredContent; the rest are counted. */
export const MAX_ROWS = 50;
/** The summary's length, whatever the organisation's size: under 2,000 characters with the sandbox's prefix. */
export const SUMMARY_BUDGET = 1_900;
const DAY = 86_400_000;
const MAX_USER_IDS = 100;
/** An id as find_users gives it; echoed in the summary, so no control characters. */
const UserIdItem = z
  .string({ error: 'each of user_ids must be a string' })
  .min(1, { error: 'user_ids must not hold an empty id' })
  .max(1024, { error: 'an id in user_ids is longer than 1024 characters' })
  .refine((v) => !hasControlChars(v), { error: 'an id in user_ids holds a control character' });

/** One person and one learning object: what the report lists, in the summary and in structuredContent. */
export interface ReportRow {
  user_id: string;
  name?: string;
  /** The record names a person the users directory does not have. */
  not_in_directory?: true;
  learning_object_id?: string;
  learning_object_external_reference?: string;
  title?: string;
  status: RowStatus;
  /** The LMS's own status word (pending, in_progress, completed, or the provider's for an unmapped one). */
  lms_status?: string;
  progress?: number | string;
  due_date?: string;
  /** Whole UTC calendar days since the due date: 0 when it fell earlier today. */
  days_overdue?: number;
  completed_at?: string;
  result?: string;
}

export interface Totals {
  /** Not counted when only open assignments were read (status overdue or open). */
  completed?: number;
  /** Open (pending, in progress, or a status the LMS did not map), overdue ones included. */
  open: number;
  overdue: number;
  /** Active people without the learning object; only for one learning object with every assignment read. */
  not_assigned?: number;
}

const Output = z.object({
  totals: z.object({
    completed: z.number().optional(),
    open: z.number(),
    overdue: z.number(),
    not_assigned: z.number().optional(),
  }),
  completion_rate: z.number().optional(),
  rows: z.array(z.looseObject({})),
  more: z.number(),
  complete: z.boolean(),
  as_of: z.string(),
});

export default defineTool({
  name: 'training_report',
  title: 'Training report for the organisation',
  description: [
    "The organisation's training status in one call: totals by status (and a course's completion rate), then one line per person, most overdue first. Use to answer who is overdue, who has or hasn't done a course, or how compliance stands; never go person by person.",
    'Next: list_user_assignments for one person; create_user_assignment for those not assigned.',
  ].join('\n'),
  input: {
    learning_object_external_reference: optional(
      text('learning_object_external_reference', 'One course or content item, from find_learning_objects.'),
    ),
    learning_object_id: optional(text('learning_object_id', 'Or its id.')),
    status: optional(
      enumOf('status', REPORT_STATUSES).meta({
        description:
          'overdue, open (pending or in progress, overdue too), completed, not_assigned (needs a learning object) or all (default).',
      }),
    ),
    user_ids: optional(
      z
        .array(UserIdItem, { error: 'user_ids must be a list of user ids' })
        .min(1, { error: 'user_ids must not be empty' })
        .max(MAX_USER_IDS, { error: `user_ids takes at most ${MAX_USER_IDS} ids` })
        .meta({ description: 'Only these people: ids from find_users.' }),
    ),
    due_after: optional(dateTime('due_after', 'Only assignments due after this.')),
    due_before: optional(dateTime('due_before', 'Only assignments due before this.')),
    account_id: optional(AccountId),
  },
  output: Output,
  endpoints: [
    'GET /unified/lms/assignments (cached)',
    'GET /unified/lms/completions (cached)',
    'GET /unified/lms/users (cached)',
    'GET /unified/lms/courses (cached)',
    'GET /unified/lms/content (cached)',
  ],
  example: { status: 'overdue' },
  access: 'read',
  view: true,
  async handler(args, ctx) {
    const status = args.status ?? 'all';
    const asked =
      args.learning_object_external_reference || args.learning_object_id
        ? {
            learning_object_id: args.learning_object_id,
            learning_object_external_reference: args.learning_object_external_reference,
          }
        : undefined;
    if (status === 'not_assigned' && !asked) {
      throw new InputError(
        'status "not_assigned" needs a learning object: pass learning_object_external_reference (from find_learning_objects). Nothing was read.',
      );
    }
    if (args.due_after && args.due_before && Date.parse(args.due_before) <= Date.parse(args.due_after)) {
      throw new InputError('due_before must be later than due_after. Nothing was read.');
    }
    // Walk only what the question needs: open assignments alone (by filter[status]) for overdue and open.
    const openOnly = status === 'overdue' || status === 'open';
    const kinds: ListKind[] = openOnly ? ['open_assignments', 'users'] : ['assignments', 'users', 'completions'];
    const progress = sharedProgress(ctx.progress, kinds.length);
    const settled = await Promise.allSettled(
      kinds.map((kind, i) =>
        ctx.directory.read(kind, directoryReader(ctx, progress.of(i))).finally(() => progress.settled(i)),
      ),
    );
    const failed = settled.map((r) => (r.status === 'rejected' ? (r.reason as unknown) : undefined));
    const cancelled = failed.find((e) => e instanceof CancelledError);
    // The assignments and the people are the report; without the completions it still answers, and says so.
    if (cancelled || failed[0] !== undefined || failed[1] !== undefined) throw cancelled ?? failed[0] ?? failed[1];
    const views = settled.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    const assignments = views[0] as DirectoryView;
    const users = views[1] as DirectoryView;
    const completions = views[2];
    // The learning object asked about takes its kind from a record of it, so only that kind's directory is read.
    const typed = asked && {
      ...asked,
      learning_object_type: assignments.records.find(
        (r) =>
          (asked.learning_object_id !== undefined && r.learning_object_id === asked.learning_object_id) ||
          (asked.learning_object_external_reference !== undefined &&
            r.learning_object_external_reference === asked.learning_object_external_reference),
      )?.learning_object_type as LearningObjectRef['learning_object_type'],
    };
    const loOf = await learningObjectsFor(
      [...(typed ? [typed] : []), ...assignments.records, ...(completions?.records ?? [])] as LearningObjectRef[],
      ctx,
    );
    const report = reportOf({
      assignments: assignments.records,
      completions: completions?.records,
      users: users.records,
      usersComplete: users.complete,
      loOf,
      asked,
      userIds: args.user_ids,
      dueAfter: args.due_after,
      dueBefore: args.due_before,
      openOnly,
      status,
      now: ctx.now(),
    });
    const lists: Array<[string, DirectoryView | undefined]> = [
      [openOnly ? 'open assignments' : 'assignments', assignments],
      ['people', users],
      ...(openOnly ? [] : [['completions', completions] as [string, DirectoryView | undefined]]),
    ];
    const notes: string[] = [];
    for (const [noun, view] of lists) {
      if (view && !view.complete) {
        const why = cutShortText(view.cutShort ?? 'pages', 'call');
        notes.push(
          `Not complete: the ${noun} were read only in part (${view.records.length.toLocaleString('en-US')} so far, ${why}), so the figures cover what was read. Call training_report again with the same arguments to continue where it stopped.`,
        );
      }
    }
    if (!openOnly && failed[2] !== undefined) {
      const reason = failed[2] instanceof Error ? failed[2].message : String(failed[2]);
      notes.push(
        `The completions could not be read (${clean(reason, 100)}): completed counts come from the assignments alone.`,
      );
    }
    const complete = lists.every(([, view]) => view?.complete);
    const asOf = new Date(assignments.asOf).toISOString();
    return {
      summary: summarizeReport(report, {
        account: ctx.credentials.accountId,
        asOf,
        status,
        openOnly,
        notes,
        userIds: args.user_ids?.length,
        dueAfter: args.due_after,
        dueBefore: args.due_before,
      }),
      raw: {
        totals: report.totals,
        ...(report.completionRate === undefined ? {} : { completion_rate: report.completionRate }),
        rows: report.rows.slice(0, MAX_ROWS) as unknown as Array<Record<string, unknown>>,
        more: Math.max(0, report.rows.length - MAX_ROWS),
        complete,
        as_of: asOf,
      },
    };
  },
});

// ---------------------------------------------------------------- the report: pure functions of the lists and "now"

export interface ReportInput {
  assignments: readonly DirectoryRecord[];
  /** Absent when only open assignments were read, or the completions could not be. */
  completions: readonly DirectoryRecord[] | undefined;
  users: readonly DirectoryRecord[];
  /** Whether every person was read: a person not found is then not in the LMS. */
  usersComplete: boolean;
  loOf: LearningObjectOf;
  asked:
    | { learning_object_id?: string | undefined; learning_object_external_reference?: string | undefined }
    | undefined;
  userIds: readonly string[] | undefined;
  dueAfter: string | undefined;
  dueBefore: string | undefined;
  openOnly: boolean;
  status: ReportStatus;
  now: number;
}

export interface Report {
  totals: Totals;
  /** Percent of the people who have the learning object (assigned or completed) that completed it. */
  completionRate: number | undefined;
  /** Every row the status asks for, in report order (not capped). */
  rows: ReportRow[];
  /** The learning object asked about, as the directories know it (or as asked, when they do not). */
  learningObject: (Partial<KnownLearningObject> & { known: boolean }) | undefined;
  /** Rows of people the directory marks inactive, left out of every figure. */
  inactiveLeftOut: number;
  /** user_ids not in a directory read to its end. */
  unknownUserIds: number;
}

/** One person and one learning object, from their assignment or, failing one, their latest completion. */
interface Pair {
  userId: string;
  assignment?: DirectoryRecord;
  completion?: DirectoryRecord;
}

export function reportOf(input: ReportInput): Report {
  const { loOf, now } = input;
  const known = input.asked ? loOf(input.asked) : undefined;
  const target = input.asked && {
    id: known?.id ?? input.asked.learning_object_id,
    ref: known?.ref ?? input.asked.learning_object_external_reference,
  };
  const matchesTarget = (r: DirectoryRecord) =>
    !target ||
    (target.id !== undefined && r.learning_object_id === target.id) ||
    (target.ref !== undefined && r.learning_object_external_reference === target.ref);
  const only = input.userIds ? new Set(input.userIds) : undefined;
  const people = new Map<string, DirectoryRecord>();
  // StackOne documents a record's user_id as nullable: one that names its person only by remote_user_id is that
  // person's all the same.
  const byRemoteId = new Map<string, string>();
  for (const u of input.users) {
    if (typeof u.id !== 'string') continue;
    people.set(u.id, u);
    const remote = str(u.remote_id);
    if (remote) byRemoteId.set(remote, u.id);
  }

  // One row per person and learning object, whichever identifier each record names it by.
  const pairs = new Map<string, Pair>();
  const pairOf = (r: DirectoryRecord): Pair | undefined => {
    const remote = str(r.remote_user_id);
    const userId = str(r.user_id) ?? (remote ? byRemoteId.get(remote) : undefined);
    if (!userId || (only && !only.has(userId)) || !matchesTarget(r)) return undefined;
    const lo = loKey(r, loOf) ?? `record ${str(r.id) ?? pairs.size}`;
    const key = `${userId}\n${lo}`;
    let pair = pairs.get(key);
    if (!pair) {
      pair = { userId };
      pairs.set(key, pair);
    }
    return pair;
  };
  for (const a of input.assignments) {
    const pair = pairOf(a);
    // An open assignment is the one that counts (a recertification due now); else the latest completed one.
    if (pair && (!pair.assignment || preferred(a, pair.assignment))) pair.assignment = a;
  }
  for (const c of input.completions ?? []) {
    const pair = pairOf(c);
    if (pair && (!pair.completion || later(c.completed_at, pair.completion.completed_at))) pair.completion = c;
  }

  let inactiveLeftOut = 0;
  const rows: ReportRow[] = [];
  const haveIt = new Set<string>();
  const after = input.dueAfter ? Date.parse(input.dueAfter) : undefined;
  const before = input.dueBefore ? Date.parse(input.dueBefore) : undefined;
  for (const pair of pairs.values()) {
    haveIt.add(pair.userId);
    const person = people.get(pair.userId);
    if (person && isInactive(person.active)) {
      inactiveLeftOut++;
      continue;
    }
    const row = rowOf(pair, person, loOf, now);
    if (after !== undefined || before !== undefined) {
      const due = row.due_date ? Date.parse(row.due_date) : Number.NaN;
      if (!Number.isFinite(due) || (after !== undefined && due <= after) || (before !== undefined && due >= before)) {
        continue;
      }
    }
    rows.push(row);
  }
  // A learning object neither directory knows and no record names is not one to list everyone as missing.
  const notAssigned = input.asked && !input.openOnly && (known !== undefined || pairs.size > 0);
  if (notAssigned) {
    for (const [id, person] of people) {
      if (haveIt.has(id) || isInactive(person.active) || (only && !only.has(id))) continue;
      rows.push({ user_id: id, ...nameOf(person), status: 'not_assigned' });
    }
  }

  const count = (s: RowStatus) => rows.filter((r) => r.status === s).length;
  const overdue = count('overdue');
  const open = overdue + count('open');
  const completed = count('completed');
  const totals: Totals = {
    ...(input.openOnly ? {} : { completed }),
    open,
    overdue,
    ...(notAssigned ? { not_assigned: count('not_assigned') } : {}),
  };
  const completionRate =
    input.asked && !input.openOnly && completed + open > 0
      ? Math.round((completed / (completed + open)) * 1000) / 10
      : undefined;
  const wanted = (r: ReportRow) =>
    input.status === 'all' || r.status === input.status || (input.status === 'open' && r.status === 'overdue');
  const unknownUserIds = only && input.usersComplete ? [...only].filter((id) => !people.has(id)).length : 0;
  return {
    totals,
    completionRate,
    rows: byUrgency(rows.filter(wanted)),
    learningObject: target && {
      ...known,
      id: target.id,
      ref: target.ref,
      known: known !== undefined,
    },
    inactiveLeftOut,
    unknownUserIds,
  };
}

/** How a record names its learning object, the same for a record that gives only its id and one that gives only its reference. */
function loKey(r: DirectoryRecord, loOf: LearningObjectOf): string | undefined {
  const known = loOf(r as Parameters<LearningObjectOf>[0]);
  const id = known?.id ?? str(r.learning_object_id);
  if (id) return `id ${id}`;
  const ref = known?.ref ?? str(r.learning_object_external_reference);
  return ref ? `ref ${ref}` : undefined;
}

function preferred(candidate: DirectoryRecord, current: DirectoryRecord): boolean {
  const open = isOpenAssignment(candidate);
  if (open !== isOpenAssignment(current)) return open;
  return later(candidate.completed_at ?? candidate.due_date, current.completed_at ?? current.due_date);
}

function later(a: unknown, b: unknown): boolean {
  const x = typeof a === 'string' ? Date.parse(a) : Number.NaN;
  const y = typeof b === 'string' ? Date.parse(b) : Number.NaN;
  return Number.isFinite(x) && (!Number.isFinite(y) || x > y);
}

/** The person's name; a record whose person the users directory does not have says so. */
function nameOf(person: DirectoryRecord | undefined): { name?: string; not_in_directory?: true } {
  const name = str(person?.name);
  if (name) return { name };
  return person ? {} : { not_in_directory: true };
}

function rowOf(pair: Pair, person: DirectoryRecord | undefined, loOf: LearningObjectOf, now: number): ReportRow {
  const record = (pair.assignment ?? pair.completion) as DirectoryRecord;
  const known = loOf(record as Parameters<LearningObjectOf>[0]);
  const row: ReportRow = { user_id: pair.userId, ...nameOf(person), status: 'completed' };
  const loId = str(record.learning_object_id) ?? known?.id;
  const loRef = str(record.learning_object_external_reference) ?? known?.ref;
  if (loId) row.learning_object_id = loId;
  if (loRef) row.learning_object_external_reference = loRef;
  if (known?.title) row.title = known.title;
  const a = pair.assignment;
  if (a) {
    const lms = wordOf(a.status);
    if (lms) row.lms_status = lms;
    if (typeof a.progress === 'number' || typeof a.progress === 'string') row.progress = a.progress;
    if (str(a.due_date)) row.due_date = a.due_date as string;
    if (isOpenAssignment(a) && !completedSince(pair.completion, a)) {
      const due = row.due_date ? Date.parse(row.due_date) : Number.NaN;
      row.status = Number.isFinite(due) && due < now ? 'overdue' : 'open';
      // Whole calendar days (UTC) past the due date: a course due yesterday at midnight is one day overdue at noon.
      if (row.status === 'overdue') row.days_overdue = Math.floor(now / DAY) - Math.floor(due / DAY);
      return row;
    }
  }
  // Completed: the assignment's own date and result, else those of the latest completion of it.
  const completedAt = str(a?.completed_at) ?? str(pair.completion?.completed_at);
  if (completedAt) row.completed_at = completedAt;
  const result = wordOf(a?.result) ?? wordOf(pair.completion?.result);
  if (result) row.result = result;
  return row;
}

/**
 * Whether a completion was recorded for this assignment: on or after the day it was assigned. Some providers record a
 * completion and leave the assignment open; one from before it was assigned is the last cycle's (a recertification).
 */
function completedSince(completion: DirectoryRecord | undefined, assignment: DirectoryRecord): boolean {
  const done = typeof completion?.completed_at === 'string' ? Date.parse(completion.completed_at) : Number.NaN;
  const assigned = typeof assignment.assigned_at === 'string' ? Date.parse(assignment.assigned_at) : Number.NaN;
  return Number.isFinite(done) && Number.isFinite(assigned) && Math.floor(done / DAY) >= Math.floor(assigned / DAY);
}

/** A unified enum ({value, source_value}) as a word, or undefined when it says nothing. */
function wordOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const e = value as { value?: string | null; source_value?: unknown };
  if (!e.value && (e.source_value === undefined || e.source_value === null)) return undefined;
  return enumText(e);
}

const RANK: Record<RowStatus, number> = { overdue: 0, open: 1, not_assigned: 2, completed: 3 };
const byName = new Intl.Collator('en').compare;

/**
 * Most overdue first; then open by due date (none last); then those without it; then the most recently completed;
 * then by name. The keys are worked out once per row, not per comparison: thousands of rows sort in a few ms.
 */
function byUrgency(rows: ReportRow[]): ReportRow[] {
  const keyed = rows.map((row) => {
    const due = row.due_date ? Date.parse(row.due_date) : Number.NaN;
    const done = row.completed_at ? Date.parse(row.completed_at) : Number.NaN;
    const within =
      row.status === 'completed'
        ? -(Number.isFinite(done) ? done : 0)
        : Number.isFinite(due)
          ? due
          : Number.MAX_SAFE_INTEGER;
    return { row, rank: RANK[row.status], within, name: row.name ?? '\uffff' };
  });
  keyed.sort(
    (a, b) =>
      a.rank - b.rank ||
      a.within - b.within ||
      byName(a.name, b.name) ||
      (a.row.user_id < b.row.user_id ? -1 : a.row.user_id > b.row.user_id ? 1 : 0),
  );
  return keyed.map((k) => k.row);
}

// ---------------------------------------------------------------- the summary

export interface SummaryContext {
  account: string;
  asOf: string;
  status: ReportStatus;
  openOnly: boolean;
  /** Lines on what was not read, said after the list. */
  notes: readonly string[];
  userIds: number | undefined;
  dueAfter: string | undefined;
  dueBefore: string | undefined;
}

const HEADINGS: Record<ReportStatus, string> = {
  overdue: 'Overdue, most overdue first:',
  open: 'Open, most overdue first:',
  completed: 'Completed, most recent first:',
  not_assigned: 'Not assigned (active people):',
  all: 'Most overdue first:',
};
const NONE: Record<ReportStatus, string> = {
  overdue: 'Nobody is overdue.',
  open: 'Nothing is open.',
  completed: 'Nobody has completed it.',
  not_assigned: 'Every active person has it.',
  all: 'No assignments or completions match.',
};

/** Totals first, then one line per person as long as the budget allows, then what was left out and what next. */
export function summarizeReport(report: Report, ctx: SummaryContext): string {
  const lo = report.learningObject;
  const scope = lo
    ? lo.known
      ? `${lo.title ? JSON.stringify(clean(lo.title, 60)) : 'learning object'} (${lo.type}, ${clean(lo.ref ?? lo.id ?? '', 80)})`
      : `learning object ${clean(lo.ref ?? lo.id ?? '', 80)} (not in the course or content directory: check it with find_learning_objects)`
    : 'every course and content item';
  const filters = [
    ctx.userIds ? `${ctx.userIds} ${ctx.userIds === 1 ? 'person' : 'people'} (user_ids)` : '',
    ctx.dueAfter || ctx.dueBefore
      ? `due ${ctx.dueAfter ? `after ${day(ctx.dueAfter)}` : ''}${ctx.dueAfter && ctx.dueBefore ? ' and ' : ''}${ctx.dueBefore ? `before ${day(ctx.dueBefore)}` : ''}`
      : '',
  ].filter(Boolean);
  const head = [
    `Training report for ${scope}${filters.length ? `, ${filters.join(', ')}` : ''}, account ${clean(ctx.account, 60)}, as of ${ctx.asOf.slice(0, 16).replace('T', ' ')} UTC.`,
    totalsLine(report, ctx.openOnly),
  ];
  const rows = report.rows;
  const tail: string[] = [];
  if (report.inactiveLeftOut > 0) {
    const n = report.inactiveLeftOut;
    tail.push(`${n} ${n === 1 ? 'row' : 'rows'} of people the LMS marks inactive left out.`);
  }
  if (report.unknownUserIds > 0) {
    tail.push(`${report.unknownUserIds} of the user_ids are not in the LMS's users: get ids from find_users.`);
  }
  tail.push(...ctx.notes);
  tail.push(
    ctx.status === 'not_assigned' || (lo && (report.totals.not_assigned ?? 0) > 0)
      ? 'Next: create_user_assignment for each person to assign it (one call each); list_user_assignments for one person.'
      : 'Next: list_user_assignments for one person; find_users to turn a name into user_ids.',
  );
  if (rows.length === 0) {
    const none = !lo && ctx.status === 'completed' ? 'Nothing completed matches.' : NONE[ctx.status];
    return [...head, none, ...tail].join('\n');
  }

  const withTitle = !lo;
  const lines: string[] = [];
  // Reserve room for the line that counts the rest, which may be needed.
  const reserve = 160;
  let used = [...head, HEADINGS[ctx.status], ...tail].join('\n').length + reserve;
  for (const row of rows) {
    const line = `- ${rowLine(row, withTitle)}`;
    if (used + line.length + 1 > SUMMARY_BUDGET) break;
    lines.push(line);
    used += line.length + 1;
  }
  const rest = rows.length - lines.length;
  const more =
    rest > 0
      ? [
          `…and ${rest.toLocaleString('en-US')} more not listed${rows.length > lines.length && lines.length < MAX_ROWS ? ` (the first ${Math.min(rows.length, MAX_ROWS)} are in the JSON)` : ''}: narrow with ${lo ? '' : 'a learning object, '}user_ids, status or due_before.`,
        ]
      : [];
  return [...head, HEADINGS[ctx.status], ...lines, ...more, ...tail].join('\n');
}

function totalsLine(report: Report, openOnly: boolean): string {
  const t = report.totals;
  const open = `open ${t.open.toLocaleString('en-US')} (${t.overdue.toLocaleString('en-US')} overdue)`;
  if (openOnly) {
    return `Open ${t.open.toLocaleString('en-US')}, of which ${t.overdue.toLocaleString('en-US')} overdue. Only open assignments were read; status "all" counts the completed and not assigned too.`;
  }
  const parts = [`Completed ${(t.completed ?? 0).toLocaleString('en-US')}`, open];
  if (t.not_assigned !== undefined)
    parts.push(`not assigned ${t.not_assigned.toLocaleString('en-US')} (active people)`);
  const rate =
    report.completionRate === undefined
      ? ''
      : ` Completion rate ${report.completionRate}% (${(t.completed ?? 0).toLocaleString('en-US')} of the ${((t.completed ?? 0) + t.open).toLocaleString('en-US')} who have it).`;
  return `${parts.join(', ')}.${rate}`;
}

/** Name (id): "Title" reference, status and progress, due date and days overdue, or completion date and result. */
function rowLine(row: ReportRow, withTitle: boolean): string {
  const label = row.not_in_directory ? '(not in the users directory)' : '(no name in the LMS)';
  const who = `${row.name ? clean(row.name, 40) : label} (${verbatim(row.user_id)})`;
  const parts: string[] = [];
  if (withTitle) {
    const ref = row.learning_object_external_reference ?? row.learning_object_id;
    const title = row.title ? `"${clean(row.title, 40)}"` : '';
    parts.push([title, ref ? verbatim(ref) : ''].filter(Boolean).join(' ') || '(no learning object)');
  }
  if (row.status === 'not_assigned') {
    parts.push('not assigned');
  } else if (row.status === 'completed') {
    parts.push(
      `completed${row.completed_at ? ` ${day(row.completed_at)}` : ''}${row.result ? `, ${clean(row.result, 30)}` : ''}`,
    );
  } else {
    const progress =
      row.progress === undefined || (row.lms_status === 'pending' && Number(row.progress) === 0)
        ? ''
        : ` ${clean(String(row.progress), 8)}%`;
    parts.push(`${row.lms_status ? clean(row.lms_status, 30) : 'open'}${progress}`);
    parts.push(row.due_date ? `due ${day(row.due_date)}` : 'no due date');
    if (row.days_overdue === 0) parts.push('overdue since earlier today');
    else if (row.days_overdue !== undefined) {
      parts.push(`${row.days_overdue} day${row.days_overdue === 1 ? '' : 's'} overdue`);
    }
  }
  return `${who}: ${parts.join(', ')}`;
}
