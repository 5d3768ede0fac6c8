/**
 * What the view shows, as a pure function of a tool result's structuredContent and "now": one row per assignment,
 * completion or report line, the totals by status, and the follow-up a person may ask the host to send. No DOM here,
 * so the rules (what is overdue, where a title comes from) are unit-tested in Node against the server's own
 * summaries; the view reads only what every client of the tool already got.
 */

export type Kind = 'assignments' | 'completions' | 'report';

/** Where a row stands. The status words are always shown as text; colour only repeats them. */
export type State = 'overdue' | 'open' | 'in_progress' | 'pending' | 'completed' | 'not_assigned' | 'unknown';

export const STATE_LABEL: Readonly<Record<State, string>> = {
  overdue: 'Overdue',
  open: 'Open',
  in_progress: 'In progress',
  pending: 'Pending',
  completed: 'Completed',
  not_assigned: 'Not assigned',
  unknown: 'Status unknown',
};

export interface Row {
  /** Report rows only: who. */
  person?: string;
  personId?: string;
  /** The learning object's title, or its reference when no title is known. */
  title: string;
  /** The reference (or id), shown under a title that differs from it. */
  reference?: string;
  state: State;
  /** The status as the person reads it: the label, or the provider's own word for a status it did not map. */
  status: string;
  /** 0-100, when the record gives one. */
  progress?: number;
  /** Calendar days (YYYY-MM-DD) as the summaries print them. */
  due?: string;
  daysOverdue?: number;
  completed?: string;
  result?: string;
  score?: string;
  /** 0-100, for the score bar. */
  scorePercent?: number;
  timeSpent?: string;
}

export interface Total {
  /** A state, or a result ('Pass', 'Fail', 'No result') for completions. */
  key: string;
  label: string;
  count: number;
}

export interface Model {
  kind: Kind;
  heading: string;
  rows: Row[];
  /** How many there are in all: the rows, or for the report the rows with those past its cap. */
  count: number;
  /** What `count` counts, singular and plural. */
  noun: [string, string];
  /** The report is about one learning object, named in the heading: its rows need no column for it. */
  oneLearningObject?: true;
  /** Totals by status (or by result, for completions), in the order the bar shows them. */
  totals: Total[];
  /** Rows overdue: what the summary marks "(overdue)"; for the report, the report's own total. */
  overdue: number;
  /** One learning object's completion rate (the report, when it names one). */
  rate?: { title: string; percent: number; completed?: number; of?: number };
  /** A line on what the rows do not cover: more pages, rows beyond the report's cap. */
  note?: string;
  /** A question the view may offer to send to the host's chat (ui/message); never a tool call. */
  followUp?: FollowUp;
}

export interface FollowUp {
  label: string;
  text: string;
}

/** What the host told the view besides the result (ui/notifications/tool-input, hostContext.toolInfo). */
export interface Hints {
  toolName?: string;
  args?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const DAY_MS = 86_400_000;

/**
 * The model of one result, or why there is nothing to show. `now` decides what is overdue, as the server's clock
 * does for the summary: a due date before it, with no completion.
 */
export function modelOf(content: unknown, now: number, hints: Hints = {}): Model | { empty: string } {
  if (!isObject(content)) return { empty: 'This result has no structured data to show.' };
  const summary = typeof content.summary === 'string' ? content.summary : '';
  const kind = kindOf(content, summary, hints.toolName);
  if (kind === undefined) return { empty: 'This result is not one this view knows how to show.' };
  if (kind === 'report') return reportModel(content, hints.args);
  const user = userOf(summary, hints.args);
  const records = Array.isArray(content.data) ? content.data.filter(isObject) : [];
  const titles = titlesFromSummary(summary, new Set(records.map(referenceOf).filter((r) => r !== undefined)));
  return kind === 'assignments'
    ? assignmentsModel(records, titles, now, user, content.next)
    : completionsModel(records, titles, user, content.next);
}

/**
 * Which tool's result this is. The host may say (toolInfo); otherwise the shape does: the report has totals, an
 * assignment has a status, due date or progress, which a completion never has. An empty page says in its summary.
 */
export function kindOf(content: Json, summary: string, toolName?: string): Kind | undefined {
  if (toolName === 'training_report' || isObject(content.totals)) return 'report';
  if (toolName === 'list_user_assignments') return 'assignments';
  if (toolName === 'list_user_completions') return 'completions';
  if (!Array.isArray(content.data)) return undefined;
  const records = content.data.filter(isObject);
  if (records.some((r) => 'status' in r || 'due_date' in r || 'progress' in r)) return 'assignments';
  if (records.some((r) => 'score' in r || 'time_spent' in r || 'completed_at' in r)) return 'completions';
  if (/\bcompletions?\b/.test(firstLine(summary))) return 'completions';
  if (/\bassignments?\b/.test(firstLine(summary))) return 'assignments';
  return undefined;
}

/**
 * Titles the server joined from the course and content directories, as its summary lists them: `- ref "Title": ...`
 * (summaries.ts). StackOne's records carry no title, and the summary is part of structuredContent, so the view
 * takes them from there rather than asking the server for anything. A reference whose title only restates it is
 * listed without one, and shown as the reference.
 */
export function titlesFromSummary(summary: string, references: Iterable<string>): Map<string, string> {
  const lines = summary.split('\n').filter((line) => line.startsWith('- '));
  const titles = new Map<string, string>();
  // Looked up by the references the records carry, so a reference or title with quotes in it is still read whole.
  for (const reference of references) {
    const start = `- ${reference} "`;
    const rest = lines.find((line) => line.startsWith(start))?.slice(start.length);
    const end = rest?.indexOf('": ') ?? -1;
    if (rest && end > 0) titles.set(reference, rest.slice(0, end));
  }
  return titles;
}

function userOf(summary: string, args: Record<string, unknown> | undefined): string | undefined {
  if (typeof args?.id === 'string' && args.id) return args.id;
  return / for user (\S+?)[:.,( ]/.exec(firstLine(summary))?.[1];
}

function firstLine(summary: string): string {
  // The sandbox prefix and the count come first: "[sandbox: ...] 5 assignments for user emp-1001:".
  return summary.split('\n', 1)[0] ?? '';
}

// ---------------------------------------------------------------- a person's assignments or completions

/** What a person's list shows whatever it lists: whose, how many, the totals, and whether a next page exists. */
function personModel(
  kind: 'assignments' | 'completions',
  user: string | undefined,
  rows: Row[],
  totals: Total[],
  next: unknown,
): Model {
  const noun: [string, string] = kind === 'assignments' ? ['assignment', 'assignments'] : ['completion', 'completions'];
  const what = kind === 'assignments' ? 'Assignments' : 'Completions';
  const model: Model = {
    kind,
    heading: user ? `${what} of ${user}` : what,
    rows,
    count: rows.length,
    noun,
    totals,
    overdue: 0,
  };
  if (typeof next === 'string' && next) model.note = 'More on the next page: ask for it in the chat.';
  return model;
}

function assignmentsModel(
  records: Json[],
  titles: Map<string, string>,
  now: number,
  user: string | undefined,
  next: unknown,
): Model {
  const rows = records.map((a) => assignmentRow(a, titles, now));
  const overdue = rows.filter((r) => r.state === 'overdue');
  const totals = totalsByState(rows, ['overdue', 'in_progress', 'pending', 'completed', 'unknown']);
  const model = personModel('assignments', user, rows, totals, next);
  model.overdue = overdue.length;
  if (overdue.length > 0) {
    const n = overdue.length;
    const list = listed(overdue.map((r) => `${r.title}${r.due ? ` (due ${r.due})` : ''}`));
    model.followUp = {
      label: 'Ask about the overdue training',
      text: `${user ? `User ${user} has` : 'There are'} ${n} overdue assignment${n === 1 ? '' : 's'}: ${list}. What should we do about ${n === 1 ? 'it' : 'them'}?`,
    };
  }
  return model;
}

/** The summary's rule (summaries.ts assignmentLine): overdue is a due date passed with no completion. */
export function assignmentRow(a: Json, titles: Map<string, string>, now: number): Row {
  const value = enumValue(a.status);
  const completedAt = text(a.completed_at);
  const completed = value === 'completed';
  const dueAt = text(a.due_date);
  const due = dueAt === undefined ? Number.NaN : Date.parse(dueAt);
  const overdue = !completed && !completedAt && Number.isFinite(due) && due < now;
  const state: State = overdue
    ? 'overdue'
    : completed || (completedAt && !value)
      ? 'completed'
      : value === 'in_progress' || value === 'pending'
        ? value
        : 'unknown';
  const row: Row = {
    ...learningObject(a, titles),
    state,
    status: state === 'unknown' ? enumText(a.status) : STATE_LABEL[state],
  };
  const progress = percent(a.progress);
  if (progress !== undefined) row.progress = progress;
  if (dueAt) row.due = day(dueAt);
  if (overdue) row.daysOverdue = Math.floor((now - due) / DAY_MS);
  if (completedAt) row.completed = day(completedAt);
  const result = enumValue(a.result);
  if (result) row.result = result;
  return row;
}

function completionsModel(
  records: Json[],
  titles: Map<string, string>,
  user: string | undefined,
  next: unknown,
): Model {
  const rows = records.map((c) => completionRow(c, titles));
  const byResult = new Map<string, number>();
  for (const row of rows) byResult.set(row.result ?? 'No result', (byResult.get(row.result ?? 'No result') ?? 0) + 1);
  const order = ['Pass', 'Fail', ...[...byResult.keys()].filter((k) => k !== 'Pass' && k !== 'Fail')];
  const totals = order
    .filter((key) => byResult.has(key))
    .map((key) => ({
      key,
      label: key === 'Pass' ? 'Passed' : key === 'Fail' ? 'Failed' : key,
      count: byResult.get(key) ?? 0,
    }));
  const model = personModel('completions', user, rows, totals, next);
  const failed = rows.filter((r) => r.result === 'Fail');
  if (failed.length > 0) {
    model.followUp = {
      label: 'Ask about the failed ones',
      text: `${user ? `User ${user} failed` : 'Failed'}: ${listed(failed.map((r) => r.title))}. Should any be assigned again?`,
    };
  }
  return model;
}

export function completionRow(c: Json, titles: Map<string, string>): Row {
  const row: Row = { ...learningObject(c, titles), state: 'completed', status: STATE_LABEL.completed };
  const completedAt = text(c.completed_at);
  if (completedAt) row.completed = day(completedAt);
  const result = enumValue(c.result);
  if (result) row.result = result;
  const score = isObject(c.score) ? c.score : undefined;
  const scorePercent = percent(score?.percentage);
  const raw = score?.raw_value;
  const rawText = typeof raw === 'number' || (typeof raw === 'string' && raw) ? String(raw) : undefined;
  if (scorePercent !== undefined) row.scorePercent = scorePercent;
  // As the summary shows it: the provider's own figure only when it says more than the percentage ("94 / 100" does not).
  const own = rawText !== undefined && !(scorePercent !== undefined && restatesPercent(rawText, scorePercent));
  const shown = [
    scorePercent !== undefined ? `${scorePercent}%` : '',
    own ? (scorePercent !== undefined ? `(${rawText})` : rawText) : '',
  ]
    .filter(Boolean)
    .join(' ');
  if (shown) row.score = shown;
  const spent = text(c.time_spent);
  if (spent) row.timeSpent = duration(spent);
  return row;
}

// ---------------------------------------------------------------- the organisation's report

/**
 * training_report's structuredContent: `totals` (open counts the overdue too; completed and not_assigned only when
 * the report read them), `completion_rate` (a percentage) for one learning object, `rows` (one per person and
 * learning object, most overdue first, capped), `more` (rows past the cap), `complete` (false when a walk was cut
 * short) and `as_of` (the server's "now"). The totals are the server's count of everything, shown as given.
 */
function reportModel(content: Json, args: Record<string, unknown> | undefined): Model {
  const totals = isObject(content.totals) ? content.totals : {};
  const overdue = countOf(totals.overdue) ?? 0;
  const open = countOf(totals.open);
  const counts: Total[] = [{ key: 'overdue', label: STATE_LABEL.overdue, count: overdue }];
  if (open !== undefined) counts.push({ key: 'open', label: 'Open, not overdue', count: Math.max(0, open - overdue) });
  const completed = countOf(totals.completed);
  if (completed !== undefined) counts.push({ key: 'completed', label: STATE_LABEL.completed, count: completed });
  const notAssigned = countOf(totals.not_assigned);
  if (notAssigned !== undefined)
    counts.push({ key: 'not_assigned', label: STATE_LABEL.not_assigned, count: notAssigned });
  const rows = (Array.isArray(content.rows) ? content.rows.filter(isObject) : []).map(reportRow).sort(mostOverdueFirst);
  const asOf = text(content.as_of);
  const more = countOf(content.more) ?? 0;
  // A report on one learning object: every row is a person, and the object is named once, in the heading.
  const asked = text(args?.learning_object_external_reference) ?? text(args?.learning_object_id);
  const one = asked ?? (content.completion_rate !== undefined ? rows.find((r) => r.reference)?.reference : undefined);
  const title = one ? (rows.find((r) => r.reference === one && r.title !== one)?.title ?? one) : undefined;
  const model: Model = {
    kind: 'report',
    heading: `${title ? `${title}: training report` : 'Training report'}${asOf ? `, ${day(asOf)}` : ''}`,
    rows,
    count: rows.length + more,
    noun: title ? ['person', 'people'] : ['assignment', 'assignments'],
    totals: counts.filter((t) => t.count > 0),
    overdue,
  };
  if (title) model.oneLearningObject = true;
  const rate = percent(content.completion_rate);
  if (rate !== undefined) {
    model.rate = { title: title ?? 'The learning object', percent: rate };
    if (completed !== undefined && open !== undefined) {
      model.rate.completed = completed;
      model.rate.of = completed + open;
    }
  }
  const notes: string[] = [];
  if (content.complete === false) {
    notes.push('Cut short: the figures cover what was read so far; ask again in the chat to continue.');
  }
  if (more > 0)
    notes.push(`The first ${rows.length} rows of ${rows.length + more}: ask in the chat to narrow the report.`);
  if (notes.length) model.note = notes.join(' ');
  const worst = rows.map(personFollowUp).find((f) => f !== undefined);
  if (worst) model.followUp = worst;
  return model;
}

/** For a report row of someone overdue: the question about them, as the person would ask it. */
export function personFollowUp(row: Row): FollowUp | undefined {
  if (row.state !== 'overdue' || !row.person) return undefined;
  return {
    label: `Ask about ${row.person}'s overdue courses`,
    text: `Tell me about ${row.person}'s${row.personId && row.personId !== row.person ? ` (${row.personId})` : ''} overdue training and what to do about it.`,
  };
}

export function reportRow(r: Json): Row {
  const status = text(r.status);
  const lms = text(r.lms_status);
  const state: State =
    status === 'overdue' || status === 'completed' || status === 'not_assigned'
      ? status
      : status === 'open'
        ? lms === 'in_progress' || lms === 'pending'
          ? lms
          : 'open'
        : 'unknown';
  const row: Row = {
    ...learningObject(r, new Map()),
    state,
    status: state === 'unknown' ? (status ?? STATE_LABEL.unknown) : STATE_LABEL[state],
  };
  const personId = text(r.user_id);
  const person = text(r.name) ?? personId;
  if (person) row.person = person;
  if (personId) row.personId = personId;
  const progress = percent(r.progress);
  if (progress !== undefined) row.progress = progress;
  const due = text(r.due_date);
  if (due) row.due = day(due);
  const late = countOf(r.days_overdue);
  if (late !== undefined && state === 'overdue') row.daysOverdue = late;
  const completedAt = text(r.completed_at);
  if (completedAt) row.completed = day(completedAt);
  const result = text(r.result) ?? enumValue(r.result);
  if (result) row.result = result;
  return row;
}

/** Most days overdue first; otherwise the server's order (a stable sort), which its summary lists the same way. */
function mostOverdueFirst(a: Row, b: Row): number {
  return (b.daysOverdue ?? -1) - (a.daysOverdue ?? -1);
}

// ---------------------------------------------------------------- shared

/** A question names a few; the model has the rest. */
const LISTED = 10;

function listed(items: string[]): string {
  const shown = items.slice(0, LISTED).join('; ');
  return items.length > LISTED ? `${shown}; and ${items.length - LISTED} more` : shown;
}

function totalsByState(rows: Row[], order: State[]): Total[] {
  return order
    .map((state) => ({ key: state, label: STATE_LABEL[state], count: rows.filter((r) => r.state === state).length }))
    .filter((t) => t.count > 0);
}

/** What names a record's learning object, in the order the summaries pick it (summaries.ts assignmentLine). */
function referenceOf(record: Json): string | undefined {
  return (
    text(record.learning_object_external_reference) ??
    text(record.learning_object_id) ??
    text(record.content_external_reference) ??
    text(record.external_reference) ??
    text(record.id)
  );
}

function learningObject(record: Json, titles: Map<string, string>): Pick<Row, 'title' | 'reference'> {
  const reference = referenceOf(record);
  const title =
    text(record.title) ?? text(record.learning_object_title) ?? (reference ? titles.get(reference) : undefined);
  if (title && reference && title !== reference) return { title, reference };
  return { title: title ?? reference ?? '(no learning object)' };
}

/** A unified enum's value, unless StackOne could not map it. */
function enumValue(e: unknown): string | undefined {
  if (!isObject(e)) return undefined;
  const value = text(e.value);
  return value && value !== 'unmapped_value' ? value : undefined;
}

/** A unified enum as a person reads it: the provider's own word when StackOne could not map it. */
function enumText(e: unknown): string {
  const value = enumValue(e);
  if (value) return value.replace(/_/g, ' ');
  const source = isObject(e) ? e.source_value : undefined;
  if (typeof source === 'string' && source) return source;
  return STATE_LABEL.unknown;
}

/** A percentage from a number or a numeric string ('40', StackOne's own example), within 0-100. */
function percent(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  return Math.round(Math.min(100, Math.max(0, n)) * 10) / 10;
}

function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The calendar day of a date-time, as the summaries print it (summaries.ts `day`). */
function day(value: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value.slice(0, 30);
}

/** "94", "94 / 100" or "94/100" beside 94%. */
function restatesPercent(raw: string, percentage: number): boolean {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*100\s*)?$/.exec(raw);
  return m !== null && Number(m[1]) === percentage;
}

/** P2D, PT1H30M as "2 d", "1 h 30 min"; anything else as written. */
function duration(value: string): string {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(value);
  const parts = m ? [m[1] && `${m[1]} d`, m[2] && `${m[2]} h`, m[3] && `${m[3]} min`, m[4] && `${m[4]} s`] : [];
  return parts.some(Boolean) ? parts.filter(Boolean).join(' ') : value.slice(0, 30);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
