import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CREATED, json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY, textOf, type Wired, wire } from '../helpers/wire.js';

let up: Upstream;
let w: Wired;
beforeEach(async () => {
  up = await startUpstream();
  w = await wire(up.url);
});
afterEach(async () => {
  await w.close();
  await up.close();
});

describe('create_user_completion', () => {
  test('posts the DTO to /completions with the documented headers', async () => {
    const args = {
      id: 'emp-1001',
      learning_object_external_reference: 'sec-awareness-2026',
      learning_object_id: 'lo-9',
      result: { value: 'Pass' },
      completed_at: '2026-11-21T15:30:00Z',
      time_spent: 'PT1H30M',
      score: { percentage: 87, raw_value: '87/100' },
      passthrough: { note: 'proctored' },
      content_external_reference: 'legacy-ref',
      content_id: 'legacy-id',
    };
    // The duplicate check first: none of it recorded that day.
    up.enqueue(json(200, { data: [] }));
    const result = await w.call('create_user_completion', args);
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /unified/lms/users/emp-1001/completions?page_size=100',
      'POST /unified/lms/users/emp-1001/completions',
    ]);
    const req = up.requests[1]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/unified/lms/users/emp-1001/completions');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`);
    expect(req.headers['x-account-id']).toBe(ACCOUNT);
    expect(req.headers['content-type']).toBe('application/json');
    const { id: _id, ...dto } = args;
    expect(JSON.parse(req.body)).toEqual(dto);
    const summary = textOf(result);
    for (const part of [
      'asg_123',
      'remote-987',
      'emp-1001',
      'sec-awareness-2026',
      'Pass',
      '87%',
      '2026-11-21T15:30:00Z',
      'PT1H30M',
    ]) {
      expect(summary).toContain(part);
    }
    expect(result.structuredContent).toEqual({ summary: expect.any(String), ...CREATED });
  });

  test.each([
    [{ id: 'u1', result: { value: 'Pass' } }, /learning_object_external_reference is required/],
    [
      { id: 'u1', learning_object_external_reference: 'x', result: { value: 'pass' } },
      /result\.value must be one of Pass, Fail/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', time_spent: '90 minutes' },
      /time_spent must be an ISO 8601 duration/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', completed_at: 'yesterday' },
      /completed_at must be an ISO 8601 date-time/,
    ],
    [
      { id: 'u1', learning_object_external_reference: 'x', score: { percentage: 120 } },
      /score\.percentage must be a number from 0 to 100 \(got 120\)/,
    ],
  ])('invalid input %j is refused before any request', async (args, message) => {
    const result = await w.call('create_user_completion', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(up.requests).toHaveLength(0);
  });
});
