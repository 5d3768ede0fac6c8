import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CREATED, json, type Recorded, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY, textOf, type Wired, wire } from '../helpers/wire.js';

let up: Upstream;
let w: Wired;
/** The POSTs: every plain create first lists the user's assignments (the duplicate check). */
const posts = () => up.requests.filter((r) => r.method === 'POST');
beforeEach(async () => {
  up = await startUpstream((req, res) =>
    (req.method === 'GET' ? json(200, { data: [] }) : json(201, CREATED))(req, res),
  );
  w = await wire(up.url);
});
afterEach(async () => {
  await w.close();
  await up.close();
});

describe('create_user_assignment', () => {
  test('sends exactly the given DTO fields to the encoded path with the documented headers', async () => {
    const args = {
      id: 'emp/1001 ü',
      learning_object_external_reference: 'sec-awareness-2026',
      learning_object_id: 'lo-9',
      progress: 40,
      assigned_at: '2026-11-20T09:00:00Z',
      due_date: '2026-11-27T17:00:00.000+01:00',
      status: { value: 'in_progress', source_value: 'Started' },
      passthrough: { other_known_names: 'Dana', nested: { a: [1, 2] } },
    };
    const result = await w.call('create_user_assignment', args);
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    const req = posts()[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/unified/lms/users/emp%2F1001%20%C3%BC/assignments');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`);
    expect(req.headers['x-account-id']).toBe(ACCOUNT);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.accept).toBe('application/json');
    expect(req.headers['user-agent']).toMatch(/^stackone-lms-mcp\/\d+\.\d+\.\d+/);
    const { id: _id, ...dto } = args;
    expect(JSON.parse(req.body)).toEqual(dto);
  });

  test('never puts id, account_id or absent fields in the body; account_id overrides the default', async () => {
    await w.call('create_user_assignment', {
      id: 'u1',
      account_id: 'other-account',
      learning_object_external_reference: 'course-1',
    });
    const req = posts()[0]!;
    expect(req.body).toBe('{"learning_object_external_reference":"course-1"}');
    expect(req.headers['x-account-id']).toBe('other-account');
  });

  test('the summary names what was created for whom; the raw JSON is structured', async () => {
    const result = await w.call('create_user_assignment', {
      id: 'emp-1001',
      learning_object_external_reference: 'sec-awareness-2026',
      status: { value: 'pending' },
      due_date: '2026-11-27T17:00:00Z',
    });
    const summary = textOf(result);
    expect(summary).toContain('asg_123');
    expect(summary).toContain('remote-987');
    expect(summary).toContain('emp-1001');
    expect(summary).toContain('sec-awareness-2026');
    expect(summary).toContain('pending');
    expect(summary).toContain('2026-11-27T17:00:00Z');
    expect(result.structuredContent).toEqual({ summary: expect.any(String), ...CREATED });
    // The raw JSON travels once, in structuredContent (no text copy: docs/PERFORMANCE.md).
    expect(result.content).toHaveLength(1);
    expect(w.errors).toEqual([]);
  });

  test.each([
    [{ id: 'u1' }, /learning_object_external_reference is required/],
    [
      { id: 'u1', learning_object_external_reference: 'x', status: { value: 'done' } },
      /status\.value must be one of pending, in_progress \(got "done"\)/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', progress: 150 },
      /progress must be a number from 0 to 100 \(got 150\)/,
    ],
    [{ id: 'u1', learning_object_external_reference: 'x', progress: '40' }, /progress must be a number/],
    [
      { id: 'u1', learning_object_external_reference: 'x', due_date: 'next Friday' },
      /due_date must be an ISO 8601 date-time/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', due_date: '2026-11-27' },
      /due_date must be an ISO 8601 date-time/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', assigned_at: '2026-13-01T00:00:00Z' },
      /assigned_at must be an ISO 8601/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', account_id: 'acct\r\nX-Evil: 1' },
      /account_id must be visible ASCII with no spaces/,
    ],
    // A Cyrillic А looks like a Latin A; undici would refuse it as a header anyway, after "may have reached" advice.
    [
      { id: 'u1', learning_object_external_reference: 'x', account_id: 'acct-\u0410' },
      /account_id must be visible ASCII with no spaces/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', account_id: 'acct\u200b1' },
      /account_id must be visible ASCII/,
    ],
    // An id echoed into every summary: bidi and zero-width characters are refused like control characters.
    [{ id: 'emp\u202e1001', learning_object_external_reference: 'x' }, /id must not contain control characters/],
    [{ id: 'u1', learning_object_external_reference: 'x', due: '2026-11-27T00:00:00Z' }, /unknown field "due"/],
    [{ id: '..', learning_object_external_reference: 'x' }, /id must be a user id/],
    [{ id: '', learning_object_external_reference: 'x' }, /id must not be empty/],
    [{ id: 'u1', learning_object_external_reference: 'x', passthrough: 'nope' }, /passthrough must be a JSON object/],
    [
      { id: 'u1', learning_object_external_reference: 'x', status: { value: 'completed' } },
      /"completed" is not for a new assignment: to record that the user finished, call create_user_completion instead/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', status: { value: 'completed' }, dry_run: true },
      /call create_user_completion instead/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', progress: 0.4 },
      /progress is a percentage from 0 to 100, not a fraction: for 0.4 send 40/,
    ],
    [{ id: 'u1', learning_object_external_reference: 'x', progress: 0.925 }, /for 0.925 send 92.5/],
    [{ id: 'user a\r\nX-Evil: 1', learning_object_external_reference: 'x' }, /id must not contain control characters/],
    [
      { id: 'u1', learning_object_external_reference: 'x\ny' },
      /learning_object_external_reference must not contain control characters/,
    ],
  ])('invalid input %j is an isError result naming the field, and nothing is sent', async (args, message) => {
    const result = await w.call('create_user_assignment', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(up.requests).toHaveLength(0);
  });

  test('the deprecated external_reference is accepted and forwarded', async () => {
    await w.call('create_user_assignment', {
      id: 'u1',
      learning_object_external_reference: 'x',
      external_reference: 'old',
    });
    expect(JSON.parse(posts()[0]!.body)).toEqual({
      learning_object_external_reference: 'x',
      external_reference: 'old',
    });
  });

  test('null means not set: the field is left out of the request', async () => {
    const result = await w.call('create_user_assignment', {
      id: 'u1',
      account_id: null,
      learning_object_external_reference: 'x',
      learning_object_id: null,
      progress: null,
      assigned_at: null,
      due_date: null,
      status: null,
      passthrough: null,
      external_reference: null,
      allow_duplicate: null,
      if_not_exists: null,
      dry_run: null,
    });
    expect(result.isError).toBeFalsy();
    expect(posts()[0]!.body).toBe('{"learning_object_external_reference":"x"}');
    expect(posts()[0]!.headers['x-account-id']).toBe(ACCOUNT);
    expect(textOf(result)).toMatch(/status the LMS's default, no due date/);
    await w.call('create_user_assignment', {
      id: 'u1',
      learning_object_external_reference: 'y',
      status: { value: 'pending', source_value: null },
    });
    expect(posts()[1]!.body).toBe('{"learning_object_external_reference":"y","status":{"value":"pending"}}');
  });

  test('0, 1 and whole percentages are taken as given (1 means 1%)', async () => {
    for (const progress of [0, 1, 1.5, 40, 100]) {
      const result = await w.call('create_user_assignment', {
        id: 'u1',
        learning_object_external_reference: 'x',
        progress,
      });
      expect(result.isError).toBeFalsy();
      expect(JSON.parse(posts().at(-1)!.body).progress).toBe(progress);
    }
  });
});

describe('the duplicate check reads every page, or creates nothing', () => {
  test('a person whose assignments run past the pages the check reads: refused, nothing posted, says why', async () => {
    // Every page has another after it, and none holds this learning object: absence proves nothing.
    up.fallback = (req, res) =>
      (req.method === 'GET'
        ? json(200, {
            data: [{ id: `a-${req.query.get('next') ?? 0}`, learning_object_external_reference: 'other-course' }],
            next: `p${Number(req.query.get('next')?.slice(1) ?? 0) + 1}`,
          })
        : json(201, CREATED))(req, res);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
    });
    expect(result.isError).toBe(true);
    expect(posts()).toHaveLength(0);
    expect(up.requests.length).toBeGreaterThan(1);
    expect(textOf(result)).toMatch(/did not fit in the pages and time this check reads/);
    expect(textOf(result)).toMatch(/allow_duplicate/);
  });

  test('the same with if_not_exists: refused, never a create on an unfinished look', async () => {
    up.fallback = (req, res) =>
      (req.method === 'GET'
        ? json(200, { data: [], next: `c${Number(req.query.get('next')?.slice(1) ?? 0) + 1}` })
        : json(201, CREATED))(req, res);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      if_not_exists: true,
    });
    expect(result.isError).toBe(true);
    expect(posts()).toHaveLength(0);
  });
});

describe('a provider that lists assignments by learning_object_id only', () => {
  const routed = (courses: unknown[]) => (req: Recorded, res: ServerResponse) => {
    if (req.method === 'POST') return json(201, CREATED)(req, res);
    if (req.path === '/unified/lms/courses') return json(200, { data: courses, next: null })(req, res);
    if (req.path === '/unified/lms/content') return json(200, { data: [], next: null })(req, res);
    return json(200, {
      data: [{ id: 'asg-9', learning_object_id: 'lo-77', status: { value: 'pending' } }],
      next: null,
    })(req, res);
  };

  test('the reference in the call is matched through the course list: nothing is created, the open one named', async () => {
    up.fallback = routed([{ id: 'lo-77', external_reference: 'sec-101', title: 'Security 101' }]);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
    });
    expect(result.isError).toBeFalsy();
    expect(posts()).toHaveLength(0);
    expect(textOf(result)).toMatch(/^Not created: .*asg-9/);
    expect(result.structuredContent).toMatchObject({ created: false, existing: { id: 'asg-9' } });
  });

  test('a reference the course and content lists do not know: refused, saying to pass learning_object_id', async () => {
    up.fallback = routed([{ id: 'lo-1', external_reference: 'other', title: 'Other' }]);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
    });
    expect(result.isError).toBe(true);
    expect(posts()).toHaveLength(0);
    expect(textOf(result)).toMatch(/by id only.*pass learning_object_id too/);
    // With the id in the call, the record is matched directly and the lists are not needed.
    const withId = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      learning_object_id: 'lo-77',
    });
    expect(textOf(withId)).toMatch(/^Not created: .*asg-9/);
  });
});
