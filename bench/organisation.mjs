// @ts-check
/**
 * The bench's organisation and its StackOne (bench/report.mjs, bench/shared-cache.mjs): 5,000 people, 200 courses,
 * 10 assignments a person (50,000, of which 8,000 open: 5,000 pending, 3,000 in progress) and the 42,000 completions
 * of the completed ones, dated around `now`; served on loopback by cursor, 100 a page if asked, with StackOne's
 * documented filters (filter[status], filter[updated_after], fields), counting requests per list.
 */
import { createServer } from 'node:http';

export const PEOPLE = 5_000;
export const COURSES = 200;
const PER_PERSON = 10;
const DAY = 86_400_000;

/** @typedef {Record<string, unknown> & { updated_at: string }} Row */

/** @param {number} NOW */
export function organisation(NOW) {
  const iso = (/** @type {number} */ ms) => new Date(ms).toISOString();
  const OLD = iso(NOW - 30 * DAY);
  /** @type {Row[]} */
  const users = Array.from({ length: PEOPLE }, (_, i) => ({
    id: `u${100_000 + i}`,
    remote_id: `r${i}`,
    external_reference: `HR-${i}`,
    active: i % 50 !== 0,
    email: `person.${i}@corp.example`,
    phone_number: '+441234567890',
    name: `Person ${i} Example`,
    created_at: OLD,
    updated_at: OLD,
  }));
  /** @type {Row[]} */
  const courses = Array.from({ length: COURSES }, (_, i) => ({
    id: `c${i}`,
    remote_id: `rc${i}`,
    external_reference: `course-${i}`,
    title: `Course number ${i}`,
    description: 'A description the cache does not keep.',
    active: true,
    duration: 'PT45M',
    languages: [{ value: 'en_GB' }],
    created_at: OLD,
    updated_at: OLD,
  }));
  /** @type {Row[]} */
  const assignments = [];
  /** @type {Row[]} */
  const completions = [];
  for (let p = 0; p < PEOPLE; p++) {
    for (let k = 0; k < PER_PERSON; k++) {
      const i = assignments.length;
      const course = courses[(p * 7 + k * 13) % COURSES];
      const slot = i % 50;
      const status = slot < 5 ? 'pending' : slot < 8 ? 'in_progress' : 'completed';
      const names = {
        learning_object_id: course?.id,
        learning_object_external_reference: course?.external_reference,
        learning_object_type: { value: 'course', source_value: 'COURSE' },
      };
      const due = NOW + ((i % 7) - 3) * 5 * DAY;
      assignments.push({
        id: `a${i}`,
        remote_id: `ra${i}`,
        user_id: users[p]?.id,
        remote_user_id: `r${p}`,
        ...names,
        status: { value: status, source_value: status },
        progress: status === 'completed' ? 100 : status === 'pending' ? 0 : 40,
        assigned_at: iso(NOW - 90 * DAY),
        due_date: iso(due),
        completed_at: status === 'completed' ? iso(due - DAY) : null,
        result: status === 'completed' ? { value: 'Pass', source_value: 'passed' } : null,
        certificate_url: null,
        unified_custom_fields: null,
        created_at: OLD,
        updated_at: OLD,
      });
      if (status === 'completed') {
        completions.push({
          id: `k${i}`,
          user_id: users[p]?.id,
          ...names,
          completed_at: iso(due - DAY),
          result: { value: 'Pass', source_value: 'passed' },
          time_spent: 'PT40M',
          score: { percentage: 90, raw_value: '90 / 100' },
          created_at: OLD,
          updated_at: OLD,
        });
      }
    }
  }
  const open = assignments.filter((a) => /** @type {{ value: string }} */ (a.status).value !== 'completed');
  return { users, courses, assignments, completions, open };
}

/**
 * The organisation's lists on a loopback StackOne; `counts` holds the requests per list (a caller may reset it).
 * @param {Record<string, Row[]>} LISTS users, courses, content, assignments, completions
 */
export async function serveOrganisation(LISTS) {
  /** @type {Record<string, number>} */
  const counts = {};
  const upstream = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    const list = /^\/unified\/lms\/(users|courses|content|assignments|completions)$/.exec(url.pathname)?.[1];
    if (!list) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"message":"Not Found"}');
      return;
    }
    counts[list] = (counts[list] ?? 0) + 1;
    const q = (/** @type {string} */ name) => url.searchParams.get(name);
    const since = q('filter[updated_after]');
    const status = list === 'assignments' ? q('filter[status]') : null;
    let rows = LISTS[list] ?? [];
    if (status) rows = rows.filter((r) => /** @type {{ value: string }} */ (r.status).value === status);
    if (since) rows = rows.filter((r) => Date.parse(r.updated_at) > Date.parse(since));
    const size = Number(q('page_size') ?? 25);
    const start = Number(q('next') ?? 0);
    const fields = q('fields')?.split(',');
    const data = rows
      .slice(start, start + size)
      .map((r) => (fields ? Object.fromEntries(Object.entries(r).filter(([k]) => fields.includes(k))) : r));
    const body = JSON.stringify({ next: start + size < rows.length ? String(start + size) : null, data });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = upstream.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { origin, counts, close: () => upstream.close() };
}
