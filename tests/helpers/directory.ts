/**
 * A fake StackOne directory on the scripted upstream: GET /unified/lms/users, /courses and /content for each tenant
 * (picked by API key and account), with cursor paging, page_size, fields and filter[updated_after], as documented.
 */
import type { ServerResponse } from 'node:http';
import type { Recorded, Responder } from './upstream.js';

export type Row = Record<string, unknown> & { id: string; updated_at: string };

export interface TenantData {
  users: Row[];
  courses: Row[];
  content: Row[];
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
      const match = /^\/unified\/lms\/(users|courses|content)$/.exec(req.path);
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
      const all = tenant[match[1] as keyof TenantData];
      const since = req.query.get('filter[updated_after]');
      const rows = since ? all.filter((r) => Date.parse(r.updated_at) > Date.parse(since)) : all;
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
