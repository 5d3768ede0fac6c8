/**
 * Writes a person can trust: the duplicate check before a create and the follow-up check after a lost reply. The
 * server's clock is wire()'s, frozen at TEST_NOW (2026-11-22T12:00Z), and the fixture dates below are written
 * against it: due 2026-12-01 is not overdue, 2020 is long ago.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { frozenClock } from '../helpers/clock.js';
import { startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { CREATED, json, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, textOf, type Wired, wire } from '../helpers/wire.js';

let up: Upstream | undefined;
let w: Wired | undefined;
afterEach(async () => {
  await w?.close();
  await up?.close();
  w = undefined;
  up = undefined;
});

const existing = {
  id: 'asg-old',
  remote_id: 'r-old',
  learning_object_external_reference: 'sec-101',
  status: { value: 'in_progress' },
  progress: 30,
  due_date: '2026-12-01T00:00:00Z',
};

describe('if_not_exists', () => {
  test('an existing assignment for the learning object (any status) means nothing is created', async () => {
    up = await startUpstream(
      json(200, { data: [{ ...existing, learning_object_external_reference: 'other' }, existing] }),
    );
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      if_not_exists: true,
    });
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => r.method)).toEqual(['GET']);
    expect(up.requests[0]!.query.get('page_size')).toBe('100');
    expect(textOf(result)).toMatch(/^Not created: user emp-1 already has an open assignment for sec-101 \(id asg-old/);
    expect(textOf(result)).toMatch(/in_progress, 30%, due 2026-12-01/);
    expect(result.structuredContent).toMatchObject({ created: false, data: { id: 'asg-old' }, existing });
  });

  test('none found across pages: it creates, once; if_not_exists itself is never sent', async () => {
    up = await startUpstream(json(201, CREATED));
    up.enqueue(
      json(200, { data: [{ ...existing, learning_object_external_reference: 'x' }], next: 'p2' }),
      json(200, { data: [], next: null }),
    );
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      if_not_exists: true,
    });
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
    expect(up.requests[1]!.query.get('next')).toBe('p2');
    expect(JSON.parse(up.requests[2]!.body)).toEqual({ learning_object_external_reference: 'sec-101' });
    expect(textOf(result)).toMatch(/^Created assignment \(id asg_123/);
  });
});

describe('dry_run', () => {
  test.each([
    ['create_user_assignment', '/unified/lms/users/emp%201/assignments'],
    ['create_user_completion', '/unified/lms/users/emp%201/completions'],
  ])('%s validates and shows the exact request, key masked, sending nothing', async (tool, path) => {
    up = await startUpstream();
    w = await wire(`${up.url}/base`);
    const args = { id: 'emp 1', learning_object_external_reference: 'sec-101', passthrough: { a: 1 } };
    const result = await w.call(tool, { ...args, dry_run: true });
    expect(result.isError).toBeFalsy();
    expect(up.requests).toHaveLength(0);
    const request = (result.structuredContent as { request: Record<string, unknown> }).request;
    expect(request).toEqual({
      method: 'POST',
      url: `${up.url}/base${path}`,
      headers: {
        authorization: 'Basic ***',
        'x-account-id': ACCOUNT,
        accept: 'application/json',
        'user-agent': expect.stringMatching(/^stackone-lms-mcp/),
        'content-type': 'application/json',
      },
      body: { learning_object_external_reference: 'sec-101', passthrough: { a: 1 } },
    });
    expect(textOf(result)).toMatch(/^Dry run: input is valid; nothing was sent/);
    expect(textOf(result)).toContain(`POST ${up.url}/base${path}`);
    expect(JSON.stringify(result)).not.toContain(Buffer.from('sk_test').toString('base64').slice(0, 6));
  });

  test('invalid input still fails a dry run', async () => {
    up = await startUpstream();
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', {
      id: 'u',
      learning_object_external_reference: 'x',
      progress: 101,
      dry_run: true,
    });
    expect(result.isError).toBe(true);
  });
});

describe('as a new user would try it', () => {
  test('a create that times out after the provider processed it is reported created with its id; if_not_exists then creates nothing', async () => {
    const sandbox = await startCheckedSandbox();
    const quick = await wireSandbox(sandbox, 300);
    try {
      // The duplicate check's list goes through; the create after it is slow.
      sandbox.emulator.injectFaults(1, { type: 'slow', delayMs: 0 });
      sandbox.emulator.injectFaults(1, { type: 'slow', delayMs: 1500 });
      const first = await quick.call('create_user_assignment', {
        id: 'emp-1004',
        learning_object_external_reference: 'gdpr-essentials',
        due_date: '2026-12-15T17:00:00Z',
      });
      expect(first.isError).toBeFalsy();
      const records = sandbox.emulator
        .assignmentsOf('emp-1004')
        .filter((a) => a.learning_object_external_reference === 'gdpr-essentials');
      expect(records).toHaveLength(1);
      const id = records[0]!.id as string;
      expect(textOf(first)).toContain(`Created assignment (id ${id}`);
      expect(textOf(first)).toMatch(/reply was lost \(no complete answer from StackOne within 300 ms\)/);
      expect(first.structuredContent).toMatchObject({ data: { id }, confirmed_by_list: true });

      const second = await quick.call('create_user_assignment', {
        id: 'emp-1004',
        learning_object_external_reference: 'gdpr-essentials',
        if_not_exists: true,
      });
      expect(second.isError).toBeFalsy();
      expect(textOf(second)).toMatch(
        new RegExp(`^Not created: user emp-1004 already has an open assignment for gdpr-essentials \\(id ${id}:`),
      );
      expect(
        sandbox.emulator
          .assignmentsOf('emp-1004')
          .filter((a) => a.learning_object_external_reference === 'gdpr-essentials'),
      ).toHaveLength(1);
    } finally {
      await quick.close();
      sandbox.assertContract();
      await sandbox.close();
    }
  });

  test('a completion whose reply is lost is confirmed by a completed assignment in the list', async () => {
    const sandbox = await startCheckedSandbox();
    const quick = await wireSandbox(sandbox, 300);
    try {
      sandbox.emulator.injectFaults(1, { type: 'hang' });
      const result = await quick.call('create_user_completion', {
        id: 'emp-1001',
        learning_object_external_reference: 'gdpr-essentials',
        result: { value: 'Pass' },
      });
      expect(result.isError).toBeFalsy();
      // Reported as a completion: the completion's own id was in the lost reply, the assignment's is named as such.
      expect(textOf(result)).toMatch(
        /^Recorded completion \(id not known\) for user emp-1001[\s\S]*it was recorded, and the learning object now shows id asg_\d+: gdpr-essentials[^\n]*completed/,
      );
      expect(result.structuredContent).toMatchObject({
        data: { id: null, remote_id: null },
        confirmed_by_list: true,
        completed_assignment: { status: { value: 'completed' }, learning_object_external_reference: 'gdpr-essentials' },
      });
    } finally {
      await quick.close();
      await sandbox.close();
    }
  });
});

const OLD = '2020-01-01T00:00:00Z';
const openOne = { ...existing, created_at: OLD, updated_at: OLD };
const completedOne = {
  ...existing,
  id: 'asg-done',
  status: { value: 'completed' },
  progress: 100,
  completed_at: '2025-11-01T00:00:00Z',
  created_at: OLD,
  updated_at: OLD,
};
const plain = { id: 'emp-1', learning_object_external_reference: 'sec-101' };

describe('duplicate-safe by default', () => {
  test('an open assignment of the same learning object: nothing is created, and it is named with what to do', async () => {
    for (const status of ['pending', 'in_progress']) {
      up = await startUpstream(json(200, { data: [{ ...openOne, status: { value: status } }] }));
      w = await wire(up.url);
      const result = await w.call('create_user_assignment', plain);
      expect(result.isError).toBeFalsy();
      expect(up.requests.map((r) => r.method)).toEqual(['GET']);
      const text = textOf(result);
      expect(text).toMatch(/^Not created: user emp-1 already has an open assignment for sec-101 \(id asg-old/);
      expect(text).toContain(
        status === 'pending' ? 'pending, 30%, due 2026-12-01' : 'in_progress, 30%, due 2026-12-01',
      );
      expect(text).toMatch(/create_user_completion when they finish[\s\S]*allow_duplicate: true/);
      expect(result.structuredContent).toMatchObject({ created: false, data: { id: 'asg-old' } });
      await w.close();
      await up.close();
    }
    w = undefined;
    up = undefined;
  });

  test('a status the provider could not map, or none at all, counts as open: nothing is created', async () => {
    for (const status of [{ value: 'unmapped_value', source_value: 'Enrolled' }, null, undefined]) {
      const { status: _, ...rest } = openOne;
      up = await startUpstream(json(200, { data: [{ ...rest, ...(status === undefined ? {} : { status }) }] }));
      w = await wire(up.url);
      const result = await w.call('create_user_assignment', plain);
      expect(result.isError).toBeFalsy();
      expect(up.requests.map((r) => r.method)).toEqual(['GET']);
      expect(textOf(result)).toMatch(
        /^Not created: user emp-1 already has an assignment not marked completed \(treated as open\) for sec-101/,
      );
      await w.close();
      await up.close();
    }
    w = undefined;
    up = undefined;
  });

  test('a completed one may be assigned again (recertification)', async () => {
    up = await startUpstream(json(201, CREATED));
    up.enqueue(json(200, { data: [completedOne] }));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', plain);
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(textOf(result)).toMatch(/^Created assignment \(id asg_123/);
  });

  test('allow_duplicate: true creates anyway, with no list first', async () => {
    up = await startUpstream(json(201, CREATED));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', { ...plain, allow_duplicate: true });
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => r.method)).toEqual(['POST']);
    expect(JSON.parse(up.requests[0]!.body)).toEqual({ learning_object_external_reference: 'sec-101' });
  });

  test('a check that cannot run creates nothing and says how to proceed', async () => {
    up = await startUpstream(json(201, CREATED));
    up.enqueue(stackoneError(403, 'Forbidden'));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', plain);
    expect(result.isError).toBe(true);
    expect(up.requests.map((r) => r.method)).toEqual(['GET']);
    expect(textOf(result)).toMatch(
      /^Could not check for an open assignment before creating \(StackOne answered HTTP 403\), so nothing was created[\s\S]*allow_duplicate: true/,
    );
    expect(textOf(result)).not.toMatch(/may have reached the LMS/);
  });
});

describe('never "safe to retry" while a matching record exists', () => {
  test('the reply is lost and the list shows a record with old timestamps: it exists, retrying would duplicate', async () => {
    up = await startUpstream(json(200, { data: [openOne] }));
    up.enqueue(stackoneError(503, 'failed'));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', { ...plain, allow_duplicate: true });
    expect(result.isError).toBe(true);
    expect(up.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    const text = textOf(result);
    expect(text).not.toMatch(/safe to retry/);
    expect(text).toMatch(
      /found an existing assignment of sec-101 for this user: id asg-old: sec-101: in_progress, 30%, due 2026-12-01\. This create may or may not be what made it; retrying would make a duplicate, so do not retry/,
    );
  });

  test('"overdue" in the record it names is judged by the server\'s clock, not the machine\'s', async () => {
    // Whatever day the suite runs, code that read the machine's clock would get one of these two wrong.
    for (const [now, due] of [
      ['2026-11-30T12:00:00Z', 'due 2026-12-01.'],
      ['2026-12-02T12:00:00Z', 'due 2026-12-01 (overdue).'],
    ] as const) {
      up = await startUpstream(json(200, { data: [openOne] }));
      up.enqueue(stackoneError(503, 'failed'));
      w = await wire(up.url, { now: frozenClock(Date.parse(now)) });
      const result = await w.call('create_user_assignment', { ...plain, allow_duplicate: true });
      expect(textOf(result)).toContain(`id asg-old: sec-101: in_progress, 30%, ${due} This create may or may not`);
      await w.close();
      await up.close();
    }
    w = undefined;
    up = undefined;
  });

  test('a record with no timestamps at all is not ruled out either', async () => {
    up = await startUpstream(json(200, { data: [existing] }));
    up.enqueue(stackoneError(502, 'failed'));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', plain);
    // A completion looks for a completed record: an in-progress one is not it, so none exists.
    expect(textOf(result)).toMatch(/found no completion of sec-101: it was not created, and it is safe to retry/);
    await w.close();
    await up.close();
    up = await startUpstream(json(200, { data: [{ ...existing, status: { value: 'completed' } }] }));
    up.enqueue(stackoneError(502, 'failed'));
    w = await wire(up.url);
    const again = await w.call('create_user_completion', plain);
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/found an existing completion of sec-101[\s\S]*retrying would make a duplicate/);
    expect(textOf(again)).not.toMatch(/safe to retry/);
  });

  test('with the duplicate check as the before-picture, a new id in the list confirms the create, whatever its dates', async () => {
    up = await startUpstream(json(200, { data: [completedOne, { ...openOne, id: 'asg-new' }] }));
    up.enqueue(json(200, { data: [completedOne] }), stackoneError(504, 'timeout'));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', plain);
    expect(result.isError).toBeFalsy();
    expect(up.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
    expect(textOf(result)).toMatch(/^Created assignment \(id asg-new[\s\S]*it was created/);
    expect(result.structuredContent).toMatchObject({ confirmed_by_list: true, data: { id: 'asg-new' } });
  });

  test('with only the records seen before: one exists, so no "safe to retry"', async () => {
    up = await startUpstream(json(200, { data: [completedOne] }));
    up.enqueue(json(200, { data: [completedOne] }), stackoneError(500, 'boom'));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', plain);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/found an existing assignment of sec-101 for this user: id asg-done/);
    expect(textOf(result)).not.toMatch(/safe to retry/);
  });
});
