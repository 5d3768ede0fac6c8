/**
 * A fake StackOne on the scripted upstream: the directory (GET /unified/lms/users, /courses, /content) and the org-wide
 * lists (/assignments, /completions) for each tenant (picked by API key and account), with cursor paging, page_size,
 * fields and the filters StackOne documents for each list: filter[updated_after] everywhere, filter[status] and user_id
 * on assignments, filter[email] on users, filter[external_reference] on users and courses. Content documents no
 * filter[external_reference], so it is ignored there, as a provider may ignore what it does not support.
 */
import type { ServerResponse } from 'node:http';
import type { Recorded, Responder } from './upstream.js';

export type Row = Record<string, unknown> & { id: string; updated_at: string };

export interface TenantData {
  users: Row[];
  courses: Row[];
  content: Row[];
  assignments?: Row[];
  completions?: Row[];
}

export const T0 = Date.parse('2026-11-01T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const FIRST = ['Alex', 'Sam', 'Priya', 'Lee', 'Morgan', 'Ava', 'Noah', 'Mia', 'Omar', 'Ivy', 'Ben', 'Kai', 'Rosa'];
const LAST = ['Smith', 'Jones', 'Patel', 'Chen', 'Garcia', 'Brown', 'Khan', 'Novak', 'Silva', 'Ito', 'Moreau'];

/** A person row as StackOne's LmsUser has it. */
export function person(id: string, name: string, email: string, extra: Partial<Row> = {}): Row {
  return {
    id,
    remote_id: `r-${id}`,
    external_reference: `HR-${id}`,
    active: true,
    email,
    phone_number: '+441234567890',
    name,
    created_at: iso(T0 - 86_400_000),
    updated_at: iso(T0),
    unified_custom_fields: { cost_centre: 'CC-1' },
    ...extra,
  };
}

/**
 * `count` people: generated names, plus the ones the tests look for: two Danas, an inactive person, accented names,
 * and an email holding another person's name.
 */
export function people(count = 320, prefix = 'u'): Row[] {
  const rows: Row[] = [];
  for (let i = 0; rows.length < count - 7; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    rows.push(person(`${prefix}${1000 + i}`, `${first} ${last}`, `${first}.${last}${i}@corp.example`.toLowerCase()));
  }
  rows.splice(
    37,
    0,
    person(`${prefix}-dana-w`, 'Dana Whitaker', 'dana.whitaker@corp.example'),
    person(`${prefix}-jordan`, 'Jordan Reyes', 'jordan.reyes@corp.example', { active: 'false' }),
  );
  rows.splice(
    150,
    0,
    person(`${prefix}-dana-l`, 'Dana Li', 'd.li@corp.example'),
    person(`${prefix}-zoe`, 'Zoë Lefèvre', 'z.l@corp.example'),
    person(`${prefix}-soren`, 'Søren Østergaard', 'so@corp.example'),
  );
  rows.push(
    person(`${prefix}-chris`, 'Chris Park', 'dana.whitaker.backup@corp.example'),
    person(`${prefix}-nunez`, 'José Núñez', 'jn@corp.example'),
  );
  return rows;
}

export function catalogue(): Pick<TenantData, 'courses' | 'content'> {
  const lo = (id: string, ref: string, title: string, extra: Partial<Row> = {}): Row => ({
    id,
    remote_id: `r-${id}`,
    external_reference: ref,
    title,
    description: 'A long description the lookup does not keep.',
    active: true,
    duration: 'PT45M',
    languages: [{ value: 'en_GB', source_value: 'en-GB' }],
    created_at: iso(T0),
    updated_at: iso(T0),
    ...extra,
  });
  const courses = [
    lo('c1', 'sec-awareness-2026', 'Security Awareness 2026', {
      languages: [{ value: 'en_GB' }, { value: 'de_DE' }],
    }),
    lo('c2', 'sec-awareness-2025', 'Security Awareness 2025', { active: false }),
    lo('c3', 'gdpr-essentials', 'GDPR Essentials', { duration: 'PT30M' }),
    ...Array.from({ length: 130 }, (_, i) => lo(`cx${i}`, `elective-${i}`, `Elective Course ${i}`)),
  ];
  const content = [
    lo('k1', 'phishing-video-01', 'Spotting a Phishing Email', {
      content_type: { value: 'video', source_value: 'VIDEO' },
      duration: 'PT8M',
    }),
    lo('k2', 'cafe-etiquette', 'Café Etiquette', { content_type: { value: 'article' } }),
  ];
  return { courses, content };
}

export interface FakeDirectory {
  responder: Responder;
  tenants: Map<string, TenantData>;
  /** Hold the reply to the nth directory request (1-based) until `release` is called or the socket closes. */
  hold(n: number): { release(): void };
  /** Called before each directory page is answered, e.g. to move a test clock. */
  onPage?: (req: Recorded) => void;
}

/** Tenants keyed `${apiKey} ${accountId}`. */
export function fakeDirectory(tenants: Record<string, TenantData>): FakeDirectory {
  const map = new Map(Object.entries(tenants));
  const holds = new Map<number, Promise<void>>();
  let served = 0;
  const fake: FakeDirectory = {
    tenants: map,
    hold(n) {
      let release = () => {};
      holds.set(
        n,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return { release: () => release() };
    },
    responder: async (req, res, raw) => {
      const match = /^\/unified\/lms\/(users|courses|content|assignments|completions)$/.exec(req.path);
      if (req.method !== 'GET' || !match) return send(res, 404, { statusCode: 404, message: 'Not Found' });
      const n = ++served;
      const held = holds.get(n);
      if (held) {
        const closed = new Promise<void>((resolve) => raw?.socket.once('close', () => resolve()));
        await Promise.race([held, closed]);
        if (raw?.socket.destroyed) return;
      }
      fake.onPage?.(req);
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const key = basic ? Buffer.from(basic, 'base64').toString().replace(/:$/, '') : '';
      const tenant = map.get(`${key} ${req.headers['x-account-id']}`);
      if (!tenant) return send(res, 401, { statusCode: 401, message: 'Unauthorized' });
      const list = match[1] as keyof TenantData;
      const all = tenant[list] ?? [];
      const q = (name: string) => req.query.get(name) ?? undefined;
      const since = q('filter[updated_after]');
      const status = list === 'assignments' ? q('filter[status]') : undefined;
      const userId = list === 'assignments' ? q('user_id') : undefined;
      const email = list === 'users' ? q('filter[email]') : undefined;
      const ref = list === 'users' || list === 'courses' ? q('filter[external_reference]') : undefined;
      const rows = all.filter(
        (r) =>
          (since === undefined || Date.parse(r.updated_at) > Date.parse(since)) &&
          (status === undefined || (r.status as { value?: string } | undefined)?.value === status) &&
          (userId === undefined || r.user_id === userId) &&
          (email === undefined || r.email === email) &&
          (ref === undefined || r.external_reference === ref),
      );
      const size = Number(req.query.get('page_size') ?? 25);
      const start = Number(Buffer.from(req.query.get('next') ?? 'MA', 'base64url').toString());
      const fields = req.query.get('fields')?.split(',');
      const page = rows
        .slice(start, start + size)
        .map((r) => (fields ? Object.fromEntries(Object.entries(r).filter(([k]) => fields.includes(k))) : r));
      const next = start + size < rows.length ? Buffer.from(String(start + size)).toString('base64url') : null;
      send(res, 200, { next, data: page });
    },
  };
  return fake;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Directory requests among those recorded. */
export function directoryRequests(requests: readonly Recorded[], kind = 'users'): Recorded[] {
  return requests.filter((r) => r.path === `/unified/lms/${kind}`);
}

/** Org-wide requests (assignments, completions) among those recorded. */
export function orgRequests(requests: readonly Recorded[]): Recorded[] {
  return requests.filter((r) => /^\/unified\/lms\/(assignments|completions)$/.test(r.path));
}

const DAY = 86_400_000;

/**
 * An organisation's training, made by rule from its people and courses, dated around `now`: for each person and each
 * of the first `courses` courses, by a hash of the two, nothing, a completion alone, a completed assignment (with
 * its completion), or an open one, pending or in progress, due in the past or the future, some with last year's
 * completed one beside it. Some records name the course by id alone and some by reference alone, as StackOne allows,
 * and a completion may name it the other way from its assignment. No record carries a title.
 */
export function training(
  users: readonly Row[],
  learning: readonly Row[],
  now: number,
  courses = 8,
): { assignments: Row[]; completions: Row[] } {
  const assignments: Row[] = [];
  const completions: Row[] = [];
  const updated = new Date(now - 10 * DAY).toISOString();
  users.forEach((u, i) => {
    learning.slice(0, courses).forEach((lo, j) => {
      const h = (i * 31 + j * 17) % 20;
      const byId = (i + j) % 7 === 0;
      const byRef = !byId && (i + j) % 11 === 0;
      const names = {
        learning_object_id: byRef ? null : lo.id,
        learning_object_external_reference: byId ? null : (lo.external_reference as string),
        learning_object_type: { value: 'course', source_value: 'COURSE' },
      };
      const n = assignments.length;
      if (h < 3) {
        if (h === 0 && i % 3 === 0) {
          completions.push({
            id: `cmp-${u.id}-${lo.id}`,
            user_id: u.id,
            ...names,
            completed_at: new Date(now - (40 + j) * DAY).toISOString(),
            result: { value: 'Pass', source_value: 'passed' },
            updated_at: updated,
          });
        }
        return;
      }
      const base = { id: `asg-${n}`, user_id: u.id, ...names, assigned_at: new Date(now - 60 * DAY).toISOString() };
      if (h < 9) {
        const completedAt = new Date(now - (h + 1) * DAY).toISOString();
        const result = { value: h % 4 === 0 ? 'Fail' : 'Pass', source_value: h % 4 === 0 ? 'failed' : 'passed' };
        assignments.push({
          ...base,
          status: { value: 'completed', source_value: 'Completed' },
          progress: 100,
          due_date: new Date(now + (h - 5) * DAY).toISOString(),
          completed_at: completedAt,
          result,
          updated_at: updated,
        });
        // Its completion names the course the other way round when the assignment gives one identifier only.
        completions.push({
          id: `cmp-${n}`,
          user_id: u.id,
          ...names,
          ...(byId ? { learning_object_id: null, learning_object_external_reference: lo.external_reference } : {}),
          ...(byRef ? { learning_object_id: lo.id, learning_object_external_reference: null } : {}),
          completed_at: completedAt,
          result,
          updated_at: updated,
        });
        return;
      }
      const pending = h < 14;
      assignments.push({
        ...base,
        status: pending
          ? { value: 'pending', source_value: 'Not Started' }
          : { value: 'in_progress', source_value: 'In Progress' },
        progress: pending ? 0 : 10 * (h - 13),
        // Odd hashes are past due (1 to 16 days), even ones due ahead; every tenth open one has no due date.
        due_date: n % 10 === 0 ? null : new Date(now + (h % 2 === 1 ? -(h - 8) : h - 8) * DAY).toISOString(),
        completed_at: null,
        result: null,
        updated_at: updated,
      });
      // A recertification: last year's completed assignment of the same course, listed after this year's open one.
      if (h === 10) {
        assignments.push({
          ...base,
          id: `asg-${n}-2025`,
          status: { value: 'completed', source_value: 'Completed' },
          progress: 100,
          due_date: new Date(now - 300 * DAY).toISOString(),
          completed_at: new Date(now - 320 * DAY).toISOString(),
          result: { value: 'Pass', source_value: 'passed' },
          updated_at: updated,
        });
      }
    });
  });
  return { assignments, completions };
}
