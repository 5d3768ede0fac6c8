import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { frozenClock } from '../helpers/clock.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { textOf, type Wired, wire } from '../helpers/wire.js';

const PAGE = {
  next: 'cursor-2',
  data: [
    {
      id: 'a1',
      learning_object_external_reference: 'sec-awareness-2026',
      status: { value: 'in_progress', source_value: 'Started' },
      progress: 40,
      due_date: '2020-01-10T17:00:00.000Z',
      vendor_extra: { kept: true },
    },
    {
      id: 'a2',
      learning_object_external_reference: 'onboarding-101',
      status: { value: 'completed' },
      progress: 100,
      due_date: '2020-01-01T00:00:00Z',
      completed_at: '2019-12-20T10:00:00Z',
      result: { value: 'Pass' },
    },
  ],
};

let up: Upstream;
let w: Wired;
beforeEach(async () => {
  up = await startUpstream(json(200, PAGE));
  w = await wire(up.url);
});
afterEach(async () => {
  await w.close();
  await up.close();
});

describe('list_user_assignments', () => {
  test('GETs the encoded path with filter and proxy as deep-object query parameters', async () => {
    const result = await w.call('list_user_assignments', {
      id: 'emp 1001',
      filter: { status: 'completed', updated_after: '2020-01-01T00:00:00.000Z' },
      page_size: 50,
      next: 'abc+/=',
      fields: 'id,status',
      user_id: 'u-1',
      remote_user_id: 'r-1',
      raw: true,
      proxy: { region: 'eu', tags: ['a', 'b'], deep: { x: 1 } },
    });
    expect(result.isError).toBeFalsy();
    const req = up.requests[0]!;
    expect(req.method).toBe('GET');
    expect(req.path).toBe('/unified/lms/users/emp%201001/assignments');
    expect(req.query.get('filter[status]')).toBe('completed');
    expect(req.query.get('filter[updated_after]')).toBe('2020-01-01T00:00:00.000Z');
    expect(req.query.get('page_size')).toBe('50');
    expect(req.query.get('next')).toBe('abc+/=');
    expect(req.query.get('fields')).toBe('id,status');
    expect(req.query.get('user_id')).toBe('u-1');
    expect(req.query.get('remote_user_id')).toBe('r-1');
    expect(req.query.get('raw')).toBe('true');
    expect(req.query.get('proxy[region]')).toBe('eu');
    expect(req.query.getAll('proxy[tags]')).toEqual(['a', 'b']);
    expect(req.query.get('proxy[deep][x]')).toBe('1');
    expect(req.url).toContain('filter[status]=completed');
    expect(req.headers['x-account-id']).toBe('acct-42');
    expect(req.body).toBe('');
  });

  test('with no options the query string is empty (StackOne pages at its default of 25)', async () => {
    await w.call('list_user_assignments', { id: 'u1' });
    expect(up.requests[0]!.url).toBe('/unified/lms/users/u1/assignments');
  });

  test('the summary has the count, one line per assignment and how to get the next page', async () => {
    const result = await w.call('list_user_assignments', { id: 'emp-1001' });
    const summary = textOf(result);
    expect(summary).toMatch(/^2 assignments for user emp-1001/);
    const lines = summary.split('\n');
    expect(lines[1]).toBe('- sec-awareness-2026: in_progress, 40%, due 2020-01-10 (overdue)');
    expect(lines[2]).toBe('- onboarding-101: completed 2019-12-20, result Pass, due 2020-01-01');
    expect(summary).toContain('next: "cursor-2"');
    expect(result.structuredContent).toEqual({ summary: expect.any(String), ...PAGE });
    expect(result.content).toHaveLength(1);
    expect(w.errors).toEqual([]);
  });

  test('"overdue" is judged by the server\'s clock (wire freezes it at TEST_NOW), not the machine\'s', async () => {
    // Whatever day the suite runs, code that read the machine's clock would get one of these two wrong.
    for (const [now, line] of [
      ['2020-01-10T16:59:59Z', '- sec-awareness-2026: in_progress, 40%, due 2020-01-10'],
      ['2020-01-10T17:00:01Z', '- sec-awareness-2026: in_progress, 40%, due 2020-01-10 (overdue)'],
    ] as const) {
      const at = await wire(up.url, { now: frozenClock(Date.parse(now)) });
      try {
        expect(textOf(await at.call('list_user_assignments', { id: 'emp-1001' })).split('\n')[1]).toBe(line);
      } finally {
        await at.close();
      }
    }
  });

  test('an empty last page says so and offers no cursor', async () => {
    up.enqueue(json(200, { data: [] }));
    const result = await w.call('list_user_assignments', { id: 'u1', filter: { status: 'pending' } });
    expect(textOf(result)).toBe('No assignments for user u1 (status pending).');
  });

  test.each([
    [{ id: 'u1', page_size: 0 }, /page_size must be from 1 to 100/],
    [{ id: 'u1', page_size: 101 }, /page_size must be from 1 to 100/],
    [{ id: 'u1', page_size: 2.5 }, /page_size must be a whole number/],
    [{ id: 'u1', filter: { status: 'done' } }, /filter\.status must be one of/],
    [{ id: 'u1', filter: { updated_after: 'last week' } }, /filter\.updated_after must be an ISO 8601/],
    [{ id: 'u1', page: 2 }, /unknown field "page"/],
    [{ id: 'u1', proxy: { a: [{ b: 1 }] } }, /no query-string form/],
  ])('invalid input %j is refused before any request', async (args, message) => {
    const result = await w.call('list_user_assignments', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(up.requests).toHaveLength(0);
  });
});

describe('titles come from the course and content directories', () => {
  const byPath =
    (courses: unknown) => (req: import('../helpers/upstream.js').Recorded, res: import('node:http').ServerResponse) => {
      if (req.path === '/unified/lms/courses')
        return courses === 'fail'
          ? json(503, { statusCode: 503, message: 'down', timestamp: '2026-11-22T10:00:00.000Z' })(req, res)
          : json(200, { data: courses, next: null })(req, res);
      if (req.path === '/unified/lms/content')
        return json(200, { data: [{ id: 'lo-9', external_reference: 'phish-1', title: 'Spot a Phish' }], next: null })(
          req,
          res,
        );
      return json(200, {
        data: [
          {
            id: 'a1',
            learning_object_external_reference: 'sec-awareness-2026',
            learning_object_type: { value: 'course' },
            status: { value: 'pending' },
          },
          // Only the id: a provider that leaves the reference out still gets its title.
          { id: 'a2', learning_object_id: 'lo-9', status: { value: 'pending' } },
        ],
        next: null,
      })(req, res);
    };

  test('a record without a title is named by the title its learning object has in the directory', async () => {
    up.fallback = byPath([{ id: 'c1', external_reference: 'sec-awareness-2026', title: 'Security Awareness 2026' }]);
    const text = textOf(await w.call('list_user_assignments', { id: 'emp-1' }));
    expect(text).toContain('- sec-awareness-2026 "Security Awareness 2026": pending');
    expect(text).toContain('- lo-9 "Spot a Phish": pending');
  });

  test('a directory that cannot be read leaves the references, and the list still answers', async () => {
    up.fallback = byPath('fail');
    const result = await w.call('list_user_assignments', { id: 'emp-1' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('- sec-awareness-2026: pending');
    expect(textOf(result)).toContain('- lo-9 "Spot a Phish": pending');
  });
});
