import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, test } from 'vitest';
import { Directory, type DirectoryOptions, type DirectoryRecord } from '../../src/stackone/directory.js';
import { MAX_ROWS, reportOf, summarizeReport } from '../../src/tools/training-report.js';
import { DAY, frozenClock, type ManualClock, TEST_NOW } from '../helpers/clock.js';
import {
  catalogue,
  directoryRequests,
  type FakeDirectory,
  fakeDirectory,
  orgRequests,
  people,
  type Row,
  type TenantData,
  training,
} from '../helpers/directory.js';
import { type HttpServerUnderTest, httpClient, startHttp } from '../helpers/http.js';
import { CREATED, type Recorded, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY, textOf, type Wired, wire } from '../helpers/wire.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

/** An organisation of `count` people, 135 courses and a few thousand assignments across pages, dated around now. */
function org(count = 400, prefix = 'u'): Required<TenantData> {
  const users = people(count, prefix);
  const { courses, content } = catalogue();
  return { users, courses, content, ...training(users, courses, TEST_NOW) };
}

interface Setup {
  data: Required<TenantData>;
  fake: FakeDirectory;
  up: Upstream;
  w: Wired;
  directory: Directory;
  clock: ManualClock;
}

/**
 * The report against a fake StackOne holding `data`. `intercept` may answer a request itself (return true); the fake
 * also takes a user's assignments and a new assignment, as StackOne does, so a write can be followed by a report.
 */
async function setup(
  options: Partial<DirectoryOptions> = {},
  data = org(),
  intercept?: (req: Recorded, res: ServerResponse, raw?: IncomingMessage) => Promise<boolean> | boolean,
): Promise<Setup> {
  const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: data });
  const clock = frozenClock(TEST_NOW);
  const up = await startUpstream(async (req, res, raw) => {
    if (intercept && (await intercept(req, res, raw))) return;
    const mine = /^\/unified\/lms\/users\/([^/]+)\/assignments$/.exec(req.path);
    if (mine && req.method === 'GET') {
      const id = decodeURIComponent(mine[1] as string);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ next: null, data: data.assignments.filter((a) => a.user_id === id) }));
      return;
    }
    if (mine && req.method === 'POST') {
      const body = JSON.parse(req.body) as Record<string, unknown>;
      data.assignments.push({
        id: `asg-new-${data.assignments.length}`,
        user_id: decodeURIComponent(mine[1] as string),
        learning_object_external_reference: body.learning_object_external_reference,
        learning_object_type: { value: 'course' },
        status: { value: 'pending' },
        progress: 0,
        due_date: body.due_date,
        updated_at: new Date(clock()).toISOString(),
      });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify(CREATED));
      return;
    }
    return fake.responder(req, res, raw);
  });
  cleanup.push(() => up.close());
  const directory = new Directory({ now: clock, ...options });
  const w = await wire(up.url, { deps: { directory }, now: clock });
  cleanup.push(() => w.close());
  return { data, fake, up, w, directory, clock };
}

const report = (w: Wired, args: Record<string, unknown> = {}) => w.call('training_report', args);
type Structured = {
  totals: { completed?: number; open: number; overdue: number; not_assigned?: number };
  completion_rate?: number;
  rows: Array<Record<string, unknown>>;
  more: number;
  complete: boolean;
  as_of: string;
};
const structured = (r: CallToolResult) => r.structuredContent as unknown as Structured;

// ---------------------------------------------------------------- independent counts, straight from the data

const isActive = (u: Row) => u.active !== false && u.active !== 'false';
const isOpen = (a: Row) => (a.status as { value?: string } | null)?.value !== 'completed';
const isOverdue = (a: Row) => isOpen(a) && typeof a.due_date === 'string' && Date.parse(a.due_date) < TEST_NOW;

/** Per active person, where they stand on one course: counted here without the server's code. */
function courseCounts(data: Required<TenantData>, course: Row) {
  const names = (r: Row) =>
    r.learning_object_id === course.id || r.learning_object_external_reference === course.external_reference;
  const counts = { completed: 0, open: 0, overdue: 0, not_assigned: 0 };
  for (const u of data.users.filter(isActive)) {
    const mine = data.assignments.filter((a) => a.user_id === u.id && names(a));
    const done = data.completions.some((c) => c.user_id === u.id && names(c));
    if (mine.some(isOpen)) {
      counts.open++;
      if (mine.some(isOverdue)) counts.overdue++;
    } else if (mine.length > 0 || done) counts.completed++;
    else counts.not_assigned++;
  }
  return counts;
}

const activeIds = (data: Required<TenantData>) => new Set(data.users.filter(isActive).map((u) => u.id));

describe('training_report', () => {
  test('overdue: walks only the open assignments, by filter[status], never one person at a time; most overdue first', async () => {
    const s = await setup();
    const result = await report(s.w, { status: 'overdue' });
    expect(result.isError).toBeFalsy();
    const org = orgRequests(s.up.requests);
    expect(org.length).toBeGreaterThan(3);
    expect(new Set(org.map((r) => r.query.get('filter[status]')))).toEqual(
      new Set(['pending', 'in_progress', 'unmapped_value']),
    );
    expect(org.every((r) => r.path === '/unified/lms/assignments' && r.query.get('page_size') === '100')).toBe(true);
    expect(org[0]?.query.get('fields')).toBe(
      'id,user_id,remote_user_id,learning_object_id,learning_object_external_reference,learning_object_type,status,progress,assigned_at,due_date,completed_at,result,updated_at',
    );
    // Nobody is read one at a time; people and titles come from the directory, content is not needed for courses.
    expect(s.up.requests.filter((r) => /^\/unified\/lms\/users\/./.test(r.path))).toEqual([]);
    expect(directoryRequests(s.up.requests, 'users')).toHaveLength(4);
    expect(directoryRequests(s.up.requests, 'courses')).toHaveLength(2);
    expect(directoryRequests(s.up.requests, 'content')).toHaveLength(0);

    const active = activeIds(s.data);
    const overdue = s.data.assignments.filter((a) => active.has(a.user_id as string) && isOverdue(a));
    const open = s.data.assignments.filter((a) => active.has(a.user_id as string) && isOpen(a));
    const out = structured(result);
    expect(out.totals).toEqual({ open: open.length, overdue: overdue.length });
    expect(out.complete).toBe(true);
    expect(out.rows).toHaveLength(MAX_ROWS);
    expect(out.more).toBe(overdue.length - MAX_ROWS);
    expect(out.rows.every((r) => r.status === 'overdue')).toBe(true);
    const days = out.rows.map((r) => r.days_overdue as number);
    expect(days).toEqual([...days].sort((a, b) => b - a));
    expect(days[0]).toBe(
      // Whole UTC calendar days from the due date to today.
      Math.max(...overdue.map((a) => Math.floor(TEST_NOW / DAY) - Math.floor(Date.parse(a.due_date as string) / DAY))),
    );

    const text = textOf(result);
    expect(text.length).toBeLessThan(2_000);
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Training report for every course and content item, account acct-42, as of 2026-11-22 12:00 UTC.',
    );
    expect(lines[1]).toBe(
      `Open ${open.length.toLocaleString('en-US')}, of which ${overdue.length} overdue. Only open assignments were read; status "all" counts the completed and not assigned too.`,
    );
    expect(lines[2]).toBe('Overdue, most overdue first:');
    expect(lines[3]).toMatch(
      /^- [A-Z][\w ]+ \(u[\w-]+\): "[^"]+" [\w-]+, (pending|in_progress \d+%), due \d{4}-\d{2}-\d{2}, 11 days overdue$/,
    );
    expect(text).toMatch(
      new RegExp(
        `…and ${overdue.length - lines.filter((l) => l.startsWith('- ')).length} more not listed \\(the first 50 are in the JSON\\): narrow with a learning object, user_ids, status or due_before\\.`,
      ),
    );
  });

  test('titles come from the course directory (no record has one), and an assignment named by id alone still shows its reference', async () => {
    const s = await setup();
    const byIdOnly = s.data.assignments.find(
      (a) => a.learning_object_external_reference === null && isOverdue(a) && a.learning_object_id === 'c3',
    );
    if (!byIdOnly) throw new Error('fixture: an overdue GDPR assignment named by id alone');
    expect(JSON.stringify(s.data.assignments)).not.toMatch(/title|custom/);
    const result = await report(s.w, { status: 'overdue', user_ids: [byIdOnly.user_id] });
    const row = structured(result).rows.find((r) => r.learning_object_id === 'c3');
    expect(row).toMatchObject({
      learning_object_external_reference: 'gdpr-essentials',
      title: 'GDPR Essentials',
      status: 'overdue',
    });
    expect(textOf(result)).toContain(': "GDPR Essentials" gdpr-essentials, ');
  });

  test('one course: its totals and completion rate against a count made here, every status, and who is not assigned', async () => {
    const s = await setup();
    const gdpr = s.data.courses.find((c) => c.id === 'c3') as Row;
    const want = courseCounts(s.data, gdpr);
    // The fixture has every case: done (some by a completion alone), open, overdue, never assigned.
    expect(Math.min(want.completed, want.open, want.overdue, want.not_assigned)).toBeGreaterThan(10);

    const all = await report(s.w, { learning_object_external_reference: 'gdpr-essentials' });
    const out = structured(all);
    expect(out.totals).toEqual(want);
    expect(out.completion_rate).toBe(Math.round((want.completed / (want.completed + want.open)) * 1000) / 10);
    expect(textOf(all).split('\n').slice(0, 2)).toEqual([
      'Training report for "GDPR Essentials" (course, gdpr-essentials), account acct-42, as of 2026-11-22 12:00 UTC.',
      `Completed ${want.completed}, open ${want.open} (${want.overdue} overdue), not assigned ${want.not_assigned} (active people). Completion rate ${out.completion_rate}% (${want.completed} of the ${want.completed + want.open} who have it).`,
    ]);
    // Every list was read: assignments and completions unfiltered, for everyone. The course's kind came from its
    // assignments, so the content directory was not needed for its title.
    expect(directoryRequests(s.up.requests, 'content')).toHaveLength(0);
    const lists = orgRequests(s.up.requests);
    expect(lists.some((r) => r.path === '/unified/lms/completions')).toBe(true);
    expect(lists.some((r) => r.query.has('filter[status]'))).toBe(false);

    // The same figures by the course's id; each status lists only its own rows; the cache answers.
    const before = s.up.requests.length;
    const byId = structured(await report(s.w, { learning_object_id: 'c3' }));
    expect(byId.totals).toEqual(want);
    for (const status of ['completed', 'open', 'overdue', 'not_assigned'] as const) {
      const r = structured(await report(s.w, { learning_object_external_reference: 'gdpr-essentials', status }));
      const count = status === 'open' ? want.open : want[status];
      expect(r.rows.length + r.more, status).toBe(count);
      const shown = new Set(r.rows.map((row) => row.status));
      expect(
        [...shown].every((x) => x === status || (status === 'open' && x === 'overdue')),
        status,
      ).toBe(true);
    }
    expect(s.up.requests.length).toBe(before);
    const missing = structured(await report(s.w, { learning_object_id: 'c3', status: 'not_assigned' }));
    const assigned = new Set(
      s.data.assignments
        .filter((a) => a.learning_object_id === 'c3' || a.learning_object_external_reference === 'gdpr-essentials')
        .map((a) => a.user_id),
    );
    expect(missing.rows.every((r) => !assigned.has(r.user_id) && activeIds(s.data).has(r.user_id as string))).toBe(
      true,
    );
  });

  test('people the LMS marks inactive are left out of every figure, and the answer says so', async () => {
    const s = await setup();
    const jordan = s.data.users.find((u) => u.id === 'u-jordan') as Row;
    expect(s.data.assignments.some((a) => a.user_id === jordan.id)).toBe(true);
    const result = await report(s.w, {});
    expect(JSON.stringify(structured(result).rows)).not.toContain('u-jordan');
    const theirs = new Set(
      [...s.data.assignments, ...s.data.completions]
        .filter((r) => r.user_id === 'u-jordan')
        .map(
          (r) =>
            r.learning_object_id ??
            s.data.courses.find((c) => c.external_reference === r.learning_object_external_reference)?.id,
        ),
    ).size;
    expect(textOf(result)).toContain(`${theirs} rows of people the LMS marks inactive left out.`);
    // A course nobody has: every active person is without it, and the inactive one is not counted.
    const nobody = structured(await report(s.w, { learning_object_external_reference: 'elective-10' }));
    expect(nobody.totals).toEqual({ completed: 0, open: 0, overdue: 0, not_assigned: activeIds(s.data).size });
    expect(activeIds(s.data).size).toBe(s.data.users.length - 1);
  });

  test('user_ids and a due window narrow the rows; an unknown id is said to be one', async () => {
    const s = await setup();
    const ids = ['u1003', 'u1010'];
    const after = TEST_NOW - 5 * DAY;
    const before = TEST_NOW + 5 * DAY;
    const result = await report(s.w, {
      user_ids: [...ids, 'Dana Whitaker'],
      due_after: new Date(after).toISOString(),
      due_before: new Date(before).toISOString(),
    });
    const due = (a: Row) =>
      typeof a.due_date === 'string' && Date.parse(a.due_date) > after && Date.parse(a.due_date) < before;
    const want = s.data.assignments.filter((a) => ids.includes(a.user_id as string) && due(a));
    const out = structured(result);
    expect(out.rows.map((r) => r.user_id).sort()).toEqual(want.map((a) => a.user_id).sort());
    expect(out.totals.open + (out.totals.completed ?? 0)).toBe(want.length);
    expect(textOf(result)).toMatch(
      /^Training report for every course and content item, 3 people \(user_ids\), due after 2026-11-17 and before 2026-11-27, account acct-42/,
    );
    expect(textOf(result)).toContain("1 of the user_ids are not in the LMS's users: get ids from find_users.");
  });

  test('a repeat inside the TTL makes no request; after it, one delta per list; a write through this server is seen at once', async () => {
    const s = await setup({ ttlMs: 60_000 });
    const first = structured(await report(s.w, { status: 'overdue' }));
    const walked = s.up.requests.length;
    s.clock.advance(59_000);
    expect(structured(await report(s.w, { status: 'overdue' })).totals).toEqual(first.totals);
    expect(s.up.requests).toHaveLength(walked);

    // An overdue assignment is completed in the LMS; the next report after the TTL asks each list for changes only.
    const done = s.data.assignments.find((a) => isOverdue(a) && activeIds(s.data).has(a.user_id as string)) as Row;
    Object.assign(done, {
      status: { value: 'completed' },
      completed_at: new Date(s.clock()).toISOString(),
      updated_at: new Date(s.clock()).toISOString(),
    });
    s.clock.advance(2_000);
    const after = structured(await report(s.w, { status: 'overdue' }));
    const deltas = s.up.requests.slice(walked);
    expect(deltas.map((r) => r.path).sort()).toEqual([
      '/unified/lms/assignments',
      '/unified/lms/courses',
      '/unified/lms/users',
    ]);
    // Not filtered by status: an assignment that stopped being open must be seen to leave the open list.
    expect(deltas.every((r) => r.query.has('filter[updated_after]') && !r.query.has('filter[status]'))).toBe(true);
    expect(after.totals).toEqual({ open: first.totals.open - 1, overdue: first.totals.overdue - 1 });

    // A write through this server: the next report, inside the TTL, asks the written lists (only) for changes.
    const gdpr = (a: Row) =>
      a.learning_object_id === 'c3' || a.learning_object_external_reference === 'gdpr-essentials';
    const who = s.data.users.find((u) => isActive(u) && !s.data.assignments.some((a) => a.user_id === u.id && gdpr(a)));
    if (!who) throw new Error('fixture: someone without GDPR');
    const create = await s.w.call('create_user_assignment', {
      id: who.id,
      learning_object_external_reference: 'gdpr-essentials',
      due_date: new Date(s.clock() - 30 * DAY).toISOString(),
    });
    expect(textOf(create)).toMatch(/^Created assignment/);
    const seen = s.up.requests.length;
    const written = await report(s.w, { status: 'overdue', user_ids: [who.id] });
    expect(s.up.requests.slice(seen).map((r) => r.path)).toEqual(['/unified/lms/assignments']);
    expect(structured(written).rows).toContainEqual(
      expect.objectContaining({ learning_object_external_reference: 'gdpr-essentials', days_overdue: 30 }),
    );
    await report(s.w, { status: 'overdue' });
    expect(s.up.requests).toHaveLength(seen + 1);
  });

  test('the open index drops an assignment completed since, and a provider that ignores filter[status] costs pages, not truth', async () => {
    const s = await setup({ ttlMs: 60_000 });
    const reader = {
      stackone: s.w.stackone,
      credentials: { apiKey: API_KEY, accountId: ACCOUNT },
      signal: new AbortController().signal,
    };
    const before = await s.directory.read('open_assignments', reader);
    const done = s.data.assignments.find((a) => isOpen(a)) as Row;
    expect(before.records.some((r) => r.id === done.id)).toBe(true);
    Object.assign(done, { status: { value: 'completed' }, updated_at: new Date(s.clock()).toISOString() });
    s.clock.advance(61_000);
    const after = await s.directory.read('open_assignments', reader);
    expect(after.records.some((r) => r.id === done.id)).toBe(false);
    expect(after.records).toHaveLength(before.records.length - 1);

    // StackOne's filter[status] ignored: each status walk lists everything, and the answer is still the open ones.
    const deaf = await setup({}, org(), (req, res, raw) => {
      if (req.path !== '/unified/lms/assignments') return false;
      const query = new URLSearchParams(req.query);
      query.delete('filter[status]');
      return Promise.resolve(deaf.fake.responder({ ...req, query }, res, raw)).then(() => true);
    });
    const honest = await setup();
    const [a, b] = [await report(deaf.w, { status: 'overdue' }), await report(honest.w, { status: 'overdue' })];
    expect(structured(a).totals).toEqual(structured(b).totals);
    expect(orgRequests(deaf.up.requests).length).toBeGreaterThan(orgRequests(honest.up.requests).length);
    const kept = await deaf.directory.read('open_assignments', { ...reader, stackone: deaf.w.stackone });
    expect(kept.records.length).toBeGreaterThan(0);
    expect(kept.records.every((r) => isOpen(r as Row))).toBe(true);
  });

  test('once every assignment is cached, an overdue report is answered from it with no request', async () => {
    const s = await setup();
    const all = structured(await report(s.w, {}));
    const seen = s.up.requests.length;
    const overdue = structured(await report(s.w, { status: 'overdue' }));
    expect(s.up.requests).toHaveLength(seen);
    expect(overdue.totals).toEqual({ open: all.totals.open, overdue: all.totals.overdue });
  });

  test('concurrent reports share one walk of each list', async () => {
    const s = await setup();
    const [a, b] = await Promise.all([report(s.w, { status: 'overdue' }), report(s.w, { status: 'open' })]);
    expect(structured(a).totals).toEqual(structured(b).totals);
    const single = await setup();
    await report(single.w, { status: 'overdue' });
    expect(s.up.requests.length).toBe(single.up.requests.length);
  });

  test('a walk cut short at its page bound says what it covered; asking again continues where it stopped', async () => {
    const s = await setup({ maxPages: 5 });
    const first = await report(s.w, { status: 'overdue' });
    expect(structured(first).complete).toBe(false);
    expect(textOf(first)).toContain(
      "Not complete: the open assignments were read only in part (500 so far, this call's page limit), so the figures cover what was read. Call training_report again with the same arguments to continue where it stopped.",
    );
    expect(textOf(first).length).toBeLessThan(2_000);
    let result = first;
    for (let i = 0; i < 10 && !structured(result).complete; i++) result = await report(s.w, { status: 'overdue' });
    expect(structured(result).complete).toBe(true);
    // Every page was read once: each call went on from the cursor (and the status) where the last one stopped.
    const pages = orgRequests(s.up.requests);
    const fresh = await setup();
    await report(fresh.w, { status: 'overdue' });
    expect(pages).toHaveLength(orgRequests(fresh.up.requests).length);
    expect(structured(result).totals).toEqual(structured(await report(fresh.w, { status: 'overdue' })).totals);
  });

  test('a walk is bounded in time too, and the answer says which bound stopped it', async () => {
    const s = await setup({ maxWalkMs: 1_000 });
    s.fake.onPage = () => s.clock.advance(600);
    const result = await report(s.w, { status: 'overdue' });
    expect(structured(result).complete).toBe(false);
    expect(textOf(result)).toMatch(
      /Not complete: the open assignments were read only in part \(\d+ so far, this call's time limit\)/,
    );
  });

  test('account controls apply before any request, as for every tool', async () => {
    const s = await setup();
    const guarded = await wire(s.up.url, { deps: { allowedAccountIds: [ACCOUNT] } });
    cleanup.push(() => guarded.close());
    const refused = await report(guarded, { account_id: 'acct-99' });
    expect(textOf(refused)).toMatch(/Account "acct-99" is not allowed on this server/);
    expect(s.up.requests).toHaveLength(0);
  });

  test('progress after each page, with a total only once every list is read', async () => {
    const s = await setup();
    const seen: Array<[number, number | undefined]> = [];
    await s.w.client.callTool(
      { name: 'training_report', arguments: { status: 'overdue' } },
      { onprogress: (p) => seen.push([p.progress, p.total]) },
    );
    const pages = orgRequests(s.up.requests).length + directoryRequests(s.up.requests, 'users').length;
    expect(seen.map(([p]) => p)).toEqual(Array.from({ length: pages }, (_, i) => i + 1));
    expect(seen.slice(0, -1).every(([, total]) => total === undefined)).toBe(true);
    expect(seen.at(-1)).toEqual([pages, pages]);
  });

  test('cancelled mid-walk: the request is dropped, no further page is asked for, and the next report resumes', async () => {
    let held: (() => void) | undefined;
    let assignmentPages = 0;
    const s = await setup({}, org(), async (req, _res, raw) => {
      if (req.path !== '/unified/lms/assignments' || ++assignmentPages !== 3) return false;
      await new Promise<void>((resolve) => {
        held = resolve;
        raw?.socket.once('close', () => resolve());
      });
      return raw?.socket.destroyed ?? false;
    });
    const controller = new AbortController();
    const call = s.w.call('training_report', { status: 'overdue' }, { signal: controller.signal });
    await s.up.waitForRequests(3);
    while (assignmentPages < 3) await new Promise((r) => setImmediate(r));
    controller.abort();
    await expect(call).rejects.toThrow();
    await s.up.waitForSocketsClosed(1);
    held?.();
    expect(orgRequests(s.up.requests)).toHaveLength(3);
    const again = await report(s.w, { status: 'overdue' });
    expect(structured(again).complete).toBe(true);
    // Pages 1 and 2 were kept: the next report asked for page 3 again, not page 1.
    expect(orgRequests(s.up.requests)[3]?.query.get('next')).toBe(orgRequests(s.up.requests)[2]?.query.get('next'));
  });

  test('completions StackOne cannot list: the report answers from the assignments and says so', async () => {
    const s = await setup({}, org(), (req, res) => {
      if (req.path !== '/unified/lms/completions') return false;
      stackoneError(501, 'Not implemented for this provider')(req, res);
      return true;
    });
    const result = await report(s.w, { learning_object_external_reference: 'gdpr-essentials' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain(
      'The completions could not be read (StackOne answered HTTP 501): completed counts come from the assignments alone.',
    );
  });

  test('questions that cannot be answered are actionable errors, and nothing is read', async () => {
    const s = await setup();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { status: 'not_assigned' },
        /status "not_assigned" needs a learning object: pass learning_object_external_reference/,
      ],
      [
        { due_after: '2026-12-01T00:00:00Z', due_before: '2026-11-01T00:00:00Z' },
        /due_before must be later than due_after/,
      ],
      [{ status: 'late' }, /status must be one of overdue, open, completed, not_assigned, all/],
      [{ user_ids: [] }, /user_ids must not be empty/],
      [{ user_ids: Array.from({ length: 101 }, (_, i) => `u${i}`) }, /user_ids takes at most 100 ids/],
      [{ user_ids: ['a\nb'] }, /control character/],
    ];
    for (const [args, message] of cases) {
      const result = await report(s.w, args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(textOf(result)).toMatch(message);
    }
    expect(s.up.requests).toHaveLength(0);
    // A reference no directory knows is answered, and the answer says to check it.
    const typo = await report(s.w, { learning_object_external_reference: 'gdpr-esentials' });
    expect(textOf(typo)).toMatch(
      /^Training report for learning object gdpr-esentials \(not in the course or content directory: check it with find_learning_objects\)/,
    );
  });
});

describe('training_report over HTTP for two tenants at once', () => {
  let server: HttpServerUnderTest | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test("each tenant's report holds its own people and rows only", async () => {
    const alpha = org(300, 'alpha');
    const beta = org(220, 'beta');
    const fake = fakeDirectory({ 'key-alpha acct-1': alpha, 'key-beta acct-1': beta });
    const up = await startUpstream(fake.responder);
    cleanup.push(() => up.close());
    server = await startHttp(up.url);
    const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const a = await httpClient(server.url, { authorization: basic('key-alpha'), 'x-account-id': 'acct-1' });
    const b = await httpClient(server.url, { authorization: basic('key-beta'), 'x-account-id': 'acct-1' });
    cleanup.push(async () => {
      await a.close();
      await b.close();
    });
    const [ra, rb] = await Promise.all([
      a.call('training_report', { status: 'open' }),
      b.call('training_report', { status: 'open' }),
    ]);
    const count = (data: Required<TenantData>) =>
      data.assignments.filter((x) => activeIds(data).has(x.user_id as string) && isOpen(x)).length;
    const sa = ra.structuredContent as unknown as Structured;
    const sb = rb.structuredContent as unknown as Structured;
    expect(sa.totals.open).toBe(count(alpha));
    expect(sb.totals.open).toBe(count(beta));
    expect(sa.rows.every((r) => String(r.user_id).startsWith('alpha'))).toBe(true);
    expect(sb.rows.every((r) => String(r.user_id).startsWith('beta'))).toBe(true);
    const text = (r: typeof ra) => (r.content[0] as { text: string }).text;
    expect(text(ra)).not.toMatch(/beta/);
    expect(text(rb)).not.toMatch(/alpha/);
  });
});

/** What reportOf is given besides the records, for the pure tests below. */
const base = {
  completions: [] as DirectoryRecord[],
  usersComplete: true,
  loOf: () => undefined,
  asked: undefined,
  userIds: undefined,
  dueAfter: undefined,
  dueBefore: undefined,
  openOnly: false,
  status: 'all' as const,
  now: TEST_NOW,
};

describe('the summary, whatever the size of the organisation', () => {
  test('50,000 rows of long names and ids: totals first, under 2,000 characters, the rest counted', () => {
    const users: DirectoryRecord[] = Array.from({ length: 5_000 }, (_, i) => ({
      id: `user-${'x'.repeat(60)}-${i}`,
      name: `${'Bartholomew-Alexander '.repeat(4)}${i}`,
      active: true,
    }));
    const assignments: DirectoryRecord[] = Array.from({ length: 50_000 }, (_, i) => ({
      id: `a${i}`,
      user_id: users[i % users.length]?.id,
      learning_object_external_reference: `course-${'y'.repeat(80)}-${Math.floor(i / users.length)}`,
      status: { value: i % 3 === 0 ? 'completed' : 'pending' },
      due_date: new Date(TEST_NOW - ((i % 40) - 20) * DAY).toISOString(),
    }));
    for (const status of ['all', 'overdue', 'completed'] as const) {
      const built = reportOf({ ...base, assignments, users, openOnly: status === 'overdue', status });
      const text = summarizeReport(built, {
        account: 'a'.repeat(300),
        asOf: new Date(TEST_NOW).toISOString(),
        status,
        openOnly: status === 'overdue',
        notes: ['Not complete: a long note. '.repeat(8)],
        userIds: undefined,
        dueAfter: undefined,
        dueBefore: undefined,
      });
      expect(text.length, status).toBeLessThan(2_000);
      expect(text.split('\n')[1], status).toMatch(/^(Completed|Open) [\d,]+/);
      expect(text, status).toMatch(/…and [\d,]+ more not listed/);
    }
  });
});

describe('rows as a provider may hand them over', () => {
  const summary = (built: ReturnType<typeof reportOf>) =>
    summarizeReport(built, {
      account: ACCOUNT,
      asOf: new Date(TEST_NOW).toISOString(),
      status: 'all',
      openOnly: false,
      notes: [],
      userIds: undefined,
      dueAfter: undefined,
      dueBefore: undefined,
    });
  const midnight = Math.floor(TEST_NOW / DAY) * DAY;
  const open = (id: string, user: Record<string, unknown>, due: number, extra: DirectoryRecord = {}) => ({
    id,
    ...user,
    learning_object_external_reference: `course-${id}`,
    status: { value: 'pending' },
    due_date: new Date(due).toISOString(),
    ...extra,
  });

  test('days overdue are whole calendar days since the due date, and a date earlier today is said as such', () => {
    const users = [{ id: 'u1', name: 'Ada', active: true }];
    const built = reportOf({
      ...base,
      users,
      assignments: [
        open('a30', { user_id: 'u1' }, midnight - 30 * DAY),
        open('a1', { user_id: 'u1' }, midnight - DAY),
        open('a25h', { user_id: 'u1' }, TEST_NOW - 25 * 3_600_000),
        open('a0', { user_id: 'u1' }, Math.max(midnight, TEST_NOW - 3_600_000)),
      ],
    });
    const days = Object.fromEntries(built.rows.map((r) => [r.learning_object_external_reference, r.days_overdue]));
    const yesterday = Math.floor(TEST_NOW / DAY) - Math.floor((TEST_NOW - 25 * 3_600_000) / DAY);
    expect(days).toEqual({ 'course-a30': 30, 'course-a1': 1, 'course-a25h': yesterday, 'course-a0': 0 });
    expect(summary(built)).toContain('overdue since earlier today');
    expect(summary(built)).toContain('30 days overdue');
  });

  test('a completion recorded while the provider left the assignment open counts as done; one from before it was assigned does not', () => {
    const users = [
      { id: 'u1', name: 'Ada', active: true },
      { id: 'u2', name: 'Bo', active: true },
    ];
    const assignedAt = new Date(TEST_NOW - 20 * DAY).toISOString();
    const built = reportOf({
      ...base,
      users,
      assignments: [
        open('x', { user_id: 'u1' }, TEST_NOW - 5 * DAY, { assigned_at: assignedAt }),
        open('x', { user_id: 'u2' }, TEST_NOW - 5 * DAY, { assigned_at: assignedAt }),
      ],
      completions: [
        {
          id: 'c1',
          user_id: 'u1',
          learning_object_external_reference: 'course-x',
          completed_at: new Date(TEST_NOW - 3 * DAY).toISOString(),
          result: { value: 'Pass' },
        },
        {
          id: 'c2',
          user_id: 'u2',
          learning_object_external_reference: 'course-x',
          completed_at: new Date(TEST_NOW - 400 * DAY).toISOString(),
          result: { value: 'Pass' },
        },
      ],
    });
    const byUser = Object.fromEntries(built.rows.map((r) => [r.user_id, r]));
    expect(byUser.u1).toMatchObject({ status: 'completed', result: 'Pass' });
    expect(byUser.u2).toMatchObject({ status: 'overdue' });
    expect(built.totals).toMatchObject({ completed: 1, open: 1, overdue: 1 });
  });

  test('a record that names its person only by remote_user_id is theirs; a nameless person is not called missing', () => {
    const users = [
      { id: 'u1', remote_id: 'r-1', name: 'Ada', active: true },
      { id: 'u2', name: null, email: 'noname@example.com', active: true },
    ];
    const built = reportOf({
      ...base,
      users,
      assignments: [
        open('r', { user_id: null, remote_user_id: 'r-1' }, TEST_NOW - 2 * DAY),
        open('n', { user_id: 'u2' }, TEST_NOW - 2 * DAY),
        open('g', { user_id: 'u-gone' }, TEST_NOW - 2 * DAY),
      ],
    });
    expect(built.totals.open).toBe(3);
    const text = summary(built);
    expect(text).toContain('Ada (u1): course-r, pending');
    expect(text).toContain('(no name in the LMS) (u2)');
    expect(text).toContain('(not in the users directory) (u-gone)');
  });

  test('a learning object nobody has and no directory knows does not list everyone as not assigned', () => {
    const users = [{ id: 'u1', name: 'Ada', active: true }];
    const asked = { learning_object_external_reference: 'nope-999' };
    const built = reportOf({ ...base, users, assignments: [], asked });
    expect(built.rows).toEqual([]);
    expect(built.totals.not_assigned).toBeUndefined();
  });
});
