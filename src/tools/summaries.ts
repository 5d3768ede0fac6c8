/**
 * The text a model reads first: pure functions of the request, the upstream JSON and "now" (the caller's clock, for
 * "overdue"). Short, complete, actionable.
 */
import { clean } from '../errors.js';
import type { Assignment, AssignmentsPaginated, CreateResult } from '../stackone/schemas.js';
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
  const score = [
    dto.score?.percentage !== undefined ? `${dto.score.percentage}%` : '',
    dto.score?.raw_value ? `(${dto.score.raw_value})` : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (score) parts.push(`score ${score}`);
  if (dto.completed_at) parts.push(`completed ${dto.completed_at}`);
  if (dto.time_spent) parts.push(`time spent ${dto.time_spent}`);
  return [
    `Recorded completion (${ids(reply)}) for user ${userId}: ${parts.join(', ')}.`,
    ...(note ? [note] : []),
    'Next: list_user_assignments with filter.status "completed" to confirm it.',
  ].join('\n');
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
  const filters = [
    query.filter?.status ? `status ${query.filter.status}` : '',
    query.filter?.updated_after ? `updated after ${query.filter.updated_after}` : '',
  ].filter(Boolean);
  const scope = `for user ${userId}${filters.length ? ` (${filters.join(', ')})` : ''}`;
  const n = page.data.length;
  const where = walk.pages > 1 ? ` across ${walk.pages} pages` : query.next || page.next ? ' on this page' : '';
  const lines = [
    n === 0 ? `No assignments ${scope}${where}.` : `${n} assignment${n === 1 ? '' : 's'} ${scope}${where}:`,
  ];
  for (const a of page.data.slice(0, SUMMARY_LINES)) lines.push(`- ${assignmentLine(a, now, titleOf)}`);
  if (n > SUMMARY_LINES) lines.push(`(${n - SUMMARY_LINES} more in the JSON below.)`);
  if (walk.stoppedAtBudget) {
    lines.push(
      `Stopped after ${walk.pages} of up to ${walk.maxPages} pages: the result reached this server's size budget. Narrow the query (filter.status, filter.updated_after, fields) or continue from the cursor below.`,
    );
  } else if (walk.maxPages > 1 && page.next) {
    lines.push(`Read ${walk.pages} pages (the max_pages asked for); more remain.`);
  }
  if (page.next) {
    lines.push(
      `More on the next page: call list_user_assignments again with the same arguments and next: "${page.next}".`,
    );
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
