/**
 * The text a model reads first: pure functions of the request, the upstream JSON and "now" (the caller's clock, for
 * "overdue"). Short, complete, actionable.
 */
import { clean } from '../errors.js';
import type {
  Assignment,
  AssignmentsPaginated,
  Completion,
  CompletionsPaginated,
  CreateResult,
} from '../stackone/schemas.js';
import { NO_TITLES, type TitleOf } from './titles.js';

interface AssignmentFields {
  learning_object_external_reference: string;
  progress?: number | undefined;
  due_date?: string | undefined;
  assigned_at?: string | undefined;
  status?: { value: string } | undefined;
}

interface CompletionFields {
  learning_object_external_reference: string;
  result?: { value: string } | undefined;
  completed_at?: string | undefined;
  time_spent?: string | undefined;
  score?: { percentage?: number | undefined; raw_value?: string | undefined } | undefined;
}

interface ListQuery {
  filter?: { status?: string | undefined; updated_after?: string | undefined } | undefined;
  next?: string | undefined;
}

function ids(reply: CreateResult): string {
  const id = reply.data.id ? clean(reply.data.id, 120) : 'not known';
  const remote = reply.data.remote_id ? `, remote id ${clean(reply.data.remote_id, 120)}` : '';
  return `id ${id}${remote}`;
}

export function summarizeCreatedAssignment(
  userId: string,
  dto: AssignmentFields,
  reply: CreateResult,
  note?: string,
): string {
  const parts = [`learning object ${dto.learning_object_external_reference}`];
  parts.push(`status ${dto.status?.value ?? "the LMS's default"}`);
  if (dto.progress !== undefined) parts.push(`progress ${dto.progress}%`);
  if (dto.assigned_at) parts.push(`assigned ${dto.assigned_at}`);
  parts.push(dto.due_date ? `due ${dto.due_date}` : 'no due date');
  return [
    `Created assignment (${ids(reply)}) for user ${userId}: ${parts.join(', ')}.`,
    ...(note ? [note] : []),
    'Next: list_user_assignments to confirm it; create_user_completion when they finish.',
  ].join('\n');
}

/** The duplicate check found one: say which, and what to do instead of assigning twice. */
export function summarizeExisting(userId: string, ref: string, existing: Assignment, now: number): string {
  const open = existing.status?.value !== 'completed';
  const marked = existing.status?.value === 'pending' || existing.status?.value === 'in_progress';
  // An unmapped or missing status counts as open (safe-writes.ts, isOpen): say so rather than call it open.
  const what = !open
    ? 'an assignment'
    : marked
      ? 'an open assignment'
      : 'an assignment not marked completed (treated as open)';
  return [
    `Not created: user ${userId} already has ${what} for ${ref} (${describeAssignment(existing, now)}).`,
    'Nothing was sent to StackOne to create a duplicate.',
    open
      ? 'Next: report this one; create_user_completion when they finish; change its due date or progress in the LMS itself; or call again with allow_duplicate: true to assign it a second time anyway.'
      : 'Next: report this one, or call again without if_not_exists to assign it again (a completed assignment may be reassigned).',
  ].join('\n');
}

/** One assignment in one line, its id first: how a write names a record it found. `now` decides "overdue". */
export function describeAssignment(a: Assignment, now: number): string {
  return `id ${a.id ? clean(a.id, 120) : 'unknown'}: ${assignmentLine(a, now)}`;
}

export function summarizeCreatedCompletion(
  userId: string,
  dto: CompletionFields,
  reply: CreateResult,
  note?: string,
): string {
  const parts = [`learning object ${dto.learning_object_external_reference}`];
  parts.push(dto.result ? `result ${dto.result.value}` : 'no result given');
  const score = scoreText(dto.score);
  if (score) parts.push(`score ${score}`);
  if (dto.completed_at) parts.push(`completed ${dto.completed_at}`);
  if (dto.time_spent) parts.push(`time spent ${dto.time_spent}`);
  return [
    `Recorded completion (${ids(reply)}) for user ${userId}: ${parts.join(', ')}.`,
    ...(note ? [note] : []),
    'Next: list_user_completions to confirm it.',
  ].join('\n');
}

/** The duplicate check found a completion of it recorded that day (or one without a date): say which, and what to do. */
export function summarizeExistingCompletion(userId: string, ref: string, existing: Completion, day: string): string {
  const when = completionDay(existing) ? `recorded on ${day}` : `with no completion date (it may be from ${day})`;
  return [
    `Not created: user ${userId} already has a completion of ${ref} ${when} (${describeCompletion(existing)}).`,
    'Nothing was sent to StackOne to create a duplicate.',
    'Next: report this one; for a recertification pass its own completed_at (another day goes ahead); or call again with allow_duplicate: true to record a second completion that day anyway.',
  ].join('\n');
}

/** One completion in one line, its id first: how a write names a completion it found. */
export function describeCompletion(c: Completion): string {
  return `id ${c.id ? clean(c.id, 120) : 'unknown'}: ${completionLine(c)}`;
}

/** The note a create's summary carries when StackOne's reply was lost and the list of its kind found the record. */
export function lostReplyNote(error: unknown, kind: { noun: string; list: string }): string {
  return `StackOne's reply was lost (${error instanceof Error ? error.message : 'failed'}), so this server checked with ${kind.list}: it was ${kind.noun === 'completion' ? 'recorded' : 'created'}.`;
}

/** How a multi-page list went, for the summary. */
export interface Walk {
  pages: number;
  maxPages: number;
  stoppedAtBudget: boolean;
}

/** Past this many, the summary lists the first ones and points at the JSON for the rest. */
export const SUMMARY_LINES = 100;

/** The count, one compact line per assignment, and how to get the next page. `now` decides "overdue". */
export function summarizeAssignments(
  userId: string,
  query: ListQuery,
  page: AssignmentsPaginated,
  walk: Walk = { pages: 1, maxPages: 1, stoppedAtBudget: false },
  now: number,
  titleOf: TitleOf = NO_TITLES,
): string {
  return summarizeList({
    tool: 'list_user_assignments',
    noun: 'assignment',
    userId,
    filters: [
      query.filter?.status ? `status ${query.filter.status}` : '',
      query.filter?.updated_after ? `updated after ${query.filter.updated_after}` : '',
    ],
    narrow: 'filter.status, filter.updated_after, fields',
    query,
    page,
    walk,
    line: (a) => assignmentLine(a, now, titleOf),
  });
}

/** The count, one line per completion (title, date, result, score, time spent, certificate), and the next page. */
export function summarizeCompletions(
  userId: string,
  query: ListQuery,
  page: CompletionsPaginated,
  walk: Walk = { pages: 1, maxPages: 1, stoppedAtBudget: false },
  titleOf: TitleOf = NO_TITLES,
): string {
  return summarizeList({
    tool: 'list_user_completions',
    noun: 'completion',
    userId,
    filters: [query.filter?.updated_after ? `updated after ${query.filter.updated_after}` : ''],
    narrow: 'filter.updated_after, fields',
    query,
    page,
    walk,
    line: (c) => completionLine(c, titleOf),
  });
}

/** What a list summary is made of: the tool to call again, what it lists, for whom, and how to show one record. */
interface ListSummary<T> {
  tool: string;
  noun: string;
  userId: string;
  /** The filters in force, in words; empty strings are left out. */
  filters: string[];
  /** The inputs that make a list smaller, for a walk stopped by the size budget. */
  narrow: string;
  query: ListQuery;
  page: { data: T[]; next?: string | null | undefined };
  walk: Walk;
  line: (record: T) => string;
}

function summarizeList<T>(s: ListSummary<T>): string {
  const filters = s.filters.filter(Boolean);
  const scope = `for user ${s.userId}${filters.length ? ` (${filters.join(', ')})` : ''}`;
  const { page, walk } = s;
  const n = page.data.length;
  const where = walk.pages > 1 ? ` across ${walk.pages} pages` : s.query.next || page.next ? ' on this page' : '';
  const lines = [n === 0 ? `No ${s.noun}s ${scope}${where}.` : `${n} ${s.noun}${n === 1 ? '' : 's'} ${scope}${where}:`];
  for (const record of page.data.slice(0, SUMMARY_LINES)) lines.push(`- ${s.line(record)}`);
  if (n > SUMMARY_LINES) lines.push(`(${n - SUMMARY_LINES} more in the JSON below.)`);
  if (walk.stoppedAtBudget) {
    lines.push(
      `Stopped after ${walk.pages} of up to ${walk.maxPages} pages: the result reached this server's size budget. Narrow the query (${s.narrow}) or continue from the cursor below.`,
    );
  } else if (walk.maxPages > 1 && page.next) {
    lines.push(`Read ${walk.pages} pages (the max_pages asked for); more remain.`);
  }
  if (page.next) {
    lines.push(`More on the next page: call ${s.tool} again with the same arguments and next: "${page.next}".`);
  }
  return lines.join('\n');
}

function assignmentLine(a: Assignment, now: number, titleOf: TitleOf = NO_TITLES): string {
  const what = a.learning_object_external_reference ?? a.learning_object_id ?? a.external_reference ?? a.id;
  const title = shownTitle(titleOf(a), what);
  const completed = a.status?.value === 'completed';
  // "completed 2026-11-19" reads as one fact; 100% when completed and 0% when pending say nothing more.
  const parts = [
    `${what ? clean(what, 80) : '(no learning object)'}${title}: ${statusOf(a)}${completed && a.completed_at ? ` ${day(a.completed_at)}` : ''}`,
  ];
  const progress = a.progress === undefined || a.progress === null ? '' : clean(String(a.progress), 8);
  const implied = (completed && Number(progress) === 100) || (a.status?.value === 'pending' && Number(progress) === 0);
  if (progress !== '' && !implied) parts.push(`${progress}%`);
  if (a.result?.value || a.result?.source_value !== undefined) parts.push(`result ${enumText(a.result)}`);
  if (a.due_date) {
    const due = Date.parse(a.due_date);
    const overdue = !completed && !a.completed_at && Number.isFinite(due) && due < now;
    parts.push(`due ${day(a.due_date)}${overdue ? ' (overdue)' : ''}`);
  }
  if (a.completed_at && !completed) parts.push(`completed ${day(a.completed_at)}`);
  return parts.join(', ');
}

/** A completion as a person reads it: what, when, how it went, how long it took, where the certificate is. */
function completionLine(c: Completion, titleOf: TitleOf = NO_TITLES): string {
  const what = c.learning_object_external_reference ?? c.learning_object_id ?? c.content_external_reference ?? c.id;
  const title = shownTitle(titleOf(c), what);
  const parts = [
    `${what ? clean(what, 80) : '(no learning object)'}${title}: ${c.completed_at ? `completed ${day(c.completed_at)}` : 'completion date not given'}`,
  ];
  if (c.result?.value || c.result?.source_value !== undefined) parts.push(`result ${enumText(c.result)}`);
  const score = scoreText(c.score);
  if (score) parts.push(`score ${score}`);
  if (c.time_spent) parts.push(`time spent ${clean(c.time_spent, 30)}`);
  if (c.certificate_url) parts.push(`certificate ${clean(c.certificate_url, 200)}`);
  return parts.join(', ');
}

/**
 * "87% (43.5 / 50)": the percentage and the provider's own figure, either of which may be missing. A figure that
 * only restates the percentage ("87 / 100", "87%", 87) is left out: on a page of completions that is a line's worth.
 */
function scoreText(
  score: { percentage?: number | null | undefined; raw_value?: string | number | null | undefined } | null | undefined,
): string {
  const pct = typeof score?.percentage === 'number' ? score.percentage : undefined;
  const rawValue = score?.raw_value === undefined || score.raw_value === null ? '' : String(score.raw_value);
  const restated = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*100|%)?\s*$/.exec(rawValue);
  const raw = restated && Number(restated[1]) === pct ? '' : clean(rawValue, 30);
  const percentage = pct === undefined ? '' : `${pct}%`;
  return [percentage, raw && (percentage ? `(${raw})` : raw)].filter(Boolean).join(' ');
}

/**
 * The UTC calendar day a completion is recorded for: its completed_at, else when the LMS created it; undefined
 * when it gives neither in a form that names a day. A date-time with an offset is moved to UTC; one without is
 * taken as written.
 */
export function completionDay(c: Pick<Completion, 'completed_at' | 'created_at'>): string | undefined {
  return utcDay(c.completed_at) ?? utcDay(c.created_at);
}

export function utcDay(value: string | null | undefined): string | undefined {
  const written = value ? /^(\d{4}-\d{2}-\d{2})([Tt ][^Zz+-]*(Z|z|[+-]\d{2}(:?\d{2})?)?)?$/.exec(value.trim()) : null;
  if (!written?.[1]) return undefined;
  const ms = Date.parse(written[3] ? (value as string).trim().replace(' ', 'T') : written[1]);
  if (!Number.isFinite(ms)) return undefined;
  return written[3] ? new Date(ms).toISOString().slice(0, 10) : written[1];
}

/**
 * The title from the directories, quoted, unless it only restates the reference ("compliance-module-01" is
 * "Compliance Module 1"): on a long page that is a tenth of the text.
 */
function shownTitle(title: string | undefined, ref: string | null | undefined): string {
  if (title === undefined || !title.trim()) return '';
  if (ref && words(title) === words(ref)) return '';
  return ` "${clean(title, 40)}"`;
}

/** Lower-case words and numbers without leading zeros: what a title and a slug have in common. */
function words(text: string): string {
  return (text.toLowerCase().match(/[a-z]+|\d+/g) ?? []).map((w) => (/^\d/.test(w) ? String(Number(w)) : w)).join(' ');
}

function statusOf(a: Assignment): string {
  return a.status ? enumText(a.status) : 'status unknown';
}

/** A unified enum as a person reads it; an unmapped value shows the provider's own word. */
export function enumText(e: { value?: string | null | undefined; source_value?: unknown }): string {
  if (e.value && e.value !== 'unmapped_value') return clean(e.value, 30);
  const source = e.source_value;
  if (source !== undefined && source !== null) return `unmapped (${clean(String(JSON.stringify(source)), 40)})`;
  return 'unknown';
}

/** The calendar day as written (no time-zone shift); anything else, trimmed. */
export function day(value: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : clean(value, 30);
}
