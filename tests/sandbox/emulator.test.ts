import { describe, expect, test } from 'vitest';
import { Emulator, type EmuRequest, type Exchange } from '../../src/sandbox/emulator.js';
import { SANDBOX_API_KEY, USERS } from '../../src/sandbox/seed.js';
import { contractViolations } from '../helpers/contract.js';

const AUTH = `Basic ${Buffer.from(`${SANDBOX_API_KEY}:`).toString('base64')}`;
const NOW = Date.parse('2026-11-22T12:00:00Z');

function request(over: Partial<EmuRequest> & { headers?: Record<string, string | undefined> } = {}): EmuRequest {
  return {
    method: 'GET',
    url: '/unified/lms/users/emp-1001/assignments',
    body: '',
    ...over,
    headers: { authorization: AUTH, 'x-account-id': 'acme-lms', ...over.headers },
  };
}

function send(emu: Emulator, req: EmuRequest) {
  const res = emu.handle(req);
  return { ...res, json: JSON.parse(res.body) as Record<string, unknown> };
}

describe('the emulator checks what StackOne checks', () => {
  const cases: Array<[string, Partial<EmuRequest> & { headers?: Record<string, string | undefined> }, number, RegExp]> =
    [
      ['no auth', { headers: { authorization: undefined } }, 401, /Unauthorized/],
      [
        'a wrong key',
        { headers: { authorization: `Basic ${Buffer.from('other:').toString('base64')}` } },
        401,
        /Unauthorized/,
      ],
      ['no account header', { headers: { 'x-account-id': undefined } }, 400, /x-account-id/],
      ['an unknown account', { headers: { 'x-account-id': 'acct-x' } }, 404, /Account acct-x not found/],
      ['a user of another account', { headers: { 'x-account-id': 'globex-lms' } }, 404, /User emp-1001 not found/],
      ['an unknown path', { url: '/unified/lms/skills' }, 404, /Cannot GET/],
      ['a bad page_size', { url: '/unified/lms/users/emp-1001/assignments?page_size=0' }, 400, /page_size/],
      [
        'a bad status filter',
        { url: '/unified/lms/users/emp-1001/assignments?filter[status]=done' },
        400,
        /filter\[status\]/,
      ],
      [
        'a bad date filter',
        { url: '/unified/lms/users/emp-1001/assignments?filter[updated_after]=yesterday' },
        400,
        /updated_after/,
      ],
      ['a forged cursor', { url: '/unified/lms/users/emp-1001/assignments?next=abc' }, 400, /Invalid next cursor/],
      ['a body that is not JSON', { method: 'POST', body: '{' }, 400, /valid JSON/],
      ['a missing learning object', { method: 'POST', body: '{}' }, 400, /learning_object_external_reference/],
      [
        'an unknown status',
        { method: 'POST', body: '{"learning_object_external_reference":"x","status":{"value":"done"}}' },
        400,
        /status/,
      ],
      [
        'a bad date',
        { method: 'POST', body: '{"learning_object_external_reference":"x","due_date":"Friday"}' },
        400,
        /due_date/,
      ],
      [
        'a bad result',
        {
          method: 'POST',
          url: '/unified/lms/users/emp-1001/completions',
          body: '{"learning_object_external_reference":"x","result":{"value":"ok"}}',
        },
        400,
        /result/,
      ],
    ];
  test.each(cases)('%s', (_name, over, status, message) => {
    const emu = new Emulator({ now: () => NOW });
    const res = send(emu, request(over));
    expect(res.status).toBe(status);
    expect(res.json.statusCode).toBe(status);
    expect(res.json.message).toMatch(message);
    expect(contractViolations([{ request: request(over), response: res }])).toEqual([]);
  });
});

describe('seed data', () => {
  test('nothing is dated after the day the emulator starts: no completion, assignment or update from the future', () => {
    for (const start of [NOW, Date.parse('2031-02-03T04:05:06Z')]) {
      const emu = new Emulator({ now: () => start });
      const endOfDay = start + 24 * 3600_000;
      for (const user of USERS) {
        for (const a of emu.assignmentsOf(user.id)) {
          for (const field of ['assigned_at', 'created_at', 'updated_at', 'completed_at'] as const) {
            const value = a[field];
            if (typeof value === 'string')
              expect(
                Date.parse(value),
                `${user.id} ${a.learning_object_external_reference} ${field}`,
              ).toBeLessThanOrEqual(endOfDay);
          }
        }
      }
    }
  });

  test('emp-1001 has fewer than 25 assignments in every status, some overdue, some completed with results', () => {
    const emu = new Emulator({ now: () => NOW });
    const dana = emu.assignmentsOf('emp-1001');
    expect(dana.length).toBeGreaterThan(0);
    expect(dana.length).toBeLessThan(25);
    const statuses = new Set(dana.map((a) => (a.status as { value: string }).value));
    expect(statuses).toEqual(new Set(['pending', 'in_progress', 'completed']));
    expect(
      dana.some(
        (a) =>
          a.due_date && Date.parse(a.due_date as string) < NOW && (a.status as { value: string }).value !== 'completed',
      ),
    ).toBe(true);
    expect(dana.some((a) => (a.result as { value: string } | null)?.value === 'Pass')).toBe(true);
    expect(emu.assignmentsOf('emp-1099').length).toBeGreaterThan(60);
    expect(new Set(USERS.map((u) => u.account)).size).toBeGreaterThanOrEqual(3);
  });

  test('every seeded list page meets the contract', () => {
    const exchanges: Exchange[] = [];
    const emu = new Emulator({ now: () => NOW, observe: (e) => exchanges.push(e) });
    for (const user of USERS) {
      emu.handle(
        request({
          url: `/unified/lms/users/${user.id}/assignments?raw=true`,
          headers: { 'x-account-id': user.account },
        }),
      );
    }
    expect(exchanges).toHaveLength(USERS.length);
    expect(contractViolations(exchanges)).toEqual([]);
  });

  test('users, courses and content: every page meets the contract, cursors walk them all, filters apply', () => {
    const exchanges: Exchange[] = [];
    const emu = new Emulator({ now: () => NOW, observe: (e) => exchanges.push(e) });
    const walk = (path: string, account = 'acme-lms') => {
      const rows: Array<Record<string, unknown>> = [];
      let next: string | null = null;
      do {
        const res = emu.handle(
          request({
            url: `${path}${path.includes('?') ? '&' : '?'}page_size=3${next ? `&next=${next}` : ''}`,
            headers: { 'x-account-id': account },
          }),
        );
        expect(res.status).toBe(200);
        const body = JSON.parse(res.body) as { next: string | null; data: Array<Record<string, unknown>> };
        rows.push(...body.data);
        next = body.next;
      } while (next);
      return rows;
    };
    const acme = walk('/unified/lms/users');
    expect(acme.map((u) => u.name)).toContain('Dana Whitaker');
    expect(acme.map((u) => u.name)).not.toContain('Maria Santos');
    expect(acme.find((u) => u.name === 'Jordan Reyes')?.active).toBe(false);
    expect(walk('/unified/lms/users', 'globex-lms').map((u) => u.name)).toContain('Dana Kowalski');
    const courses = walk('/unified/lms/courses');
    expect(courses.find((c) => c.external_reference === 'sec-awareness-2026')).toMatchObject({
      title: 'Security Awareness 2026',
      active: true,
      duration: 'PT45M',
    });
    expect(walk('/unified/lms/content').length).toBeGreaterThan(60);
    // updated_after: only what changed after the date; fields: only the fields named.
    const since = new Date(NOW - 3 * 86_400_000).toISOString();
    const recent = walk(`/unified/lms/users?filter[updated_after]=${since}&fields=id,name`);
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(acme.length);
    expect(Object.keys(recent[0] ?? {})).toEqual(['id', 'name']);
    // The exact filters where StackOne documents them: email on users, external_reference on users and courses.
    expect(walk('/unified/lms/users?filter[email]=sam.okafor@acme.example').map((u) => u.id)).toEqual(['emp-1002']);
    expect(walk('/unified/lms/users?filter[external_reference]=HR-1003').map((u) => u.id)).toEqual(['emp-1003']);
    expect(walk('/unified/lms/courses?filter[external_reference]=gdpr-essentials')).toHaveLength(1);
    // Content documents no filter[external_reference]: ignored, as a provider ignores what it does not support.
    expect(walk('/unified/lms/content?filter[external_reference]=phishing-video-01')).toHaveLength(
      walk('/unified/lms/content').length,
    );
    expect(walk('/unified/lms/courses?filter[email]=x@y.example').length).toBe(courses.length);
    expect(contractViolations(exchanges)).toEqual([]);
  });

  test('a status fault answers without writing; a slow fault writes first', () => {
    const emu = new Emulator({ now: () => NOW });
    const before = emu.assignmentsOf('emp-1002').length;
    emu.injectFaults(1, { type: 'status', status: 502 });
    const post = {
      method: 'POST',
      body: '{"learning_object_external_reference":"first-aid-basics"}',
      url: '/unified/lms/users/emp-1002/assignments',
    };
    expect(emu.handle(request(post)).status).toBe(502);
    expect(emu.assignmentsOf('emp-1002')).toHaveLength(before);
    emu.injectFaults(1, { type: 'slow', delayMs: 5 });
    const slow = emu.handle(request(post));
    expect(slow.delivery).toEqual({ kind: 'slow', delayMs: 5 });
    expect(slow.status).toBe(201);
    expect(emu.assignmentsOf('emp-1002')).toHaveLength(before + 1);
  });
});

describe('the org-wide lists, completions, and references the LMS does not know', () => {
  const get = (emu: Emulator, url: string, account = 'acme-lms') =>
    send(emu, request({ url, headers: { 'x-account-id': account } }));
  /** Every page of a list, following next. */
  const walk = (emu: Emulator, url: string, account = 'acme-lms') => {
    const all: Array<Record<string, unknown>> = [];
    const exchanges: Exchange[] = [];
    let next: string | null = null;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const req = request({
        url: next ? `${url}${sep}next=${next}` : url,
        headers: { 'x-account-id': account },
      });
      const res = emu.handle(req);
      exchanges.push({ request: req, response: res });
      const body = JSON.parse(res.body) as { data: Array<Record<string, unknown>>; next: string | null };
      all.push(...body.data);
      next = body.next;
    } while (next);
    return { all, exchanges };
  };

  test('GET /assignments: every person of the account, filtered by status, user and date, paged by cursor', () => {
    const emu = new Emulator({ now: () => NOW });
    const { all, exchanges } = walk(emu, '/unified/lms/assignments?page_size=7');
    const acme = new Set(USERS.filter((u) => u.account === 'acme-lms').map((u) => u.id));
    const expected = [...acme].flatMap((id) => emu.assignmentsOf(id));
    expect(all.map((a) => a.id).sort()).toEqual(expected.map((a) => a.id).sort());
    expect(all.every((a) => acme.has(a.user_id as string))).toBe(true);
    const pending = walk(emu, '/unified/lms/assignments?filter[status]=pending&page_size=100').all;
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((a) => (a.status as { value: string }).value === 'pending')).toBe(true);
    expect(get(emu, '/unified/lms/assignments?user_id=emp-1001&page_size=100').json.data).toEqual(
      emu.assignmentsOf('emp-1001'),
    );
    const globex = walk(emu, '/unified/lms/assignments', 'globex-lms').all;
    expect(globex.every((a) => String(a.user_id).startsWith('gx-'))).toBe(true);
    expect(contractViolations(exchanges)).toEqual([]);
  });

  test('completions: one per completed seed and per new one, with score, time spent and certificate; org-wide too', () => {
    const emu = new Emulator({ now: () => NOW });
    const seeded = emu.completionsOf('emp-1001');
    expect(seeded.length).toBe(emu.assignmentsOf('emp-1001').filter((a) => a.completed_at).length);
    const created = send(
      emu,
      request({
        method: 'POST',
        url: '/unified/lms/users/emp-1001/completions',
        body: JSON.stringify({
          learning_object_external_reference: 'first-aid-basics',
          result: { value: 'Pass' },
          score: { percentage: 91 },
          time_spent: 'PT2H',
        }),
      }),
    );
    expect(created.status).toBe(201);
    const mine = walk(emu, '/unified/lms/users/emp-1001/completions?page_size=2');
    const recorded = mine.all.find((c) => c.id === (created.json.data as { id: string }).id);
    expect(recorded).toMatchObject({
      learning_object_external_reference: 'first-aid-basics',
      learning_object_type: { value: 'course' },
      result: { value: 'Pass' },
      score: { percentage: 91, raw_value: null },
      time_spent: 'PT2H',
      completed_at: new Date(NOW).toISOString(),
      certificate_url: expect.stringMatching(/^https:\/\/sandbox-lms\.example\/certificates\//),
    });
    expect(mine.all).toHaveLength(seeded.length + 1);
    const org = walk(emu, '/unified/lms/completions?page_size=5');
    expect(org.all.some((c) => c.user_id === 'emp-1003')).toBe(true);
    expect(org.all.every((c) => String(c.user_id).startsWith('emp-'))).toBe(true);
    const since = new Date(NOW - 1000).toISOString();
    expect(get(emu, `/unified/lms/completions?filter[updated_after]=${since}`).json.data).toEqual([recorded]);
    expect(contractViolations([...mine.exchanges, ...org.exchanges])).toEqual([]);
  });

  test.each([
    ['assignments', '{"learning_object_external_reference":"no-such-course"}'],
    ['completions', '{"learning_object_external_reference":"no-such-course","result":{"value":"Pass"}}'],
  ])(
    'a create of an unknown learning object (%s) is refused as a provider refuses it, writing nothing',
    (kind, body) => {
      const emu = new Emulator({ now: () => NOW });
      const before = [emu.assignmentsOf('emp-1002').length, emu.completionsOf('emp-1002').length];
      const req = request({ method: 'POST', url: `/unified/lms/users/emp-1002/${kind}`, body });
      const res = emu.handle(req);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({
        statusCode: 400,
        provider_errors: [{ status: 404, raw: { message: expect.stringMatching(/no-such-course/) } }],
      });
      expect([emu.assignmentsOf('emp-1002').length, emu.completionsOf('emp-1002').length]).toEqual(before);
      expect(contractViolations([{ request: req, response: res }])).toEqual([]);
    },
  );
});

describe('the contract check itself', () => {
  test('flags fields the spec does not name, bad enums, bad dates and mismatched status codes', () => {
    const req = request();
    const response = (status: number, body: unknown) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      delivery: { kind: 'now' as const },
    });
    const problems = contractViolations([
      { request: req, response: response(200, { data: [{ id: 'a', title: 'extra' }] }) },
      { request: req, response: response(200, { data: [{ status: { value: 'done' } }] }) },
      { request: req, response: response(200, { data: [{ due_date: 'Friday' }] }) },
      { request: req, response: response(404, { statusCode: 400, message: 'x', timestamp: '2026-11-22T00:00:00Z' }) },
      { request: req, response: response(418, {}) },
    ]);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/title/);
  });
});
