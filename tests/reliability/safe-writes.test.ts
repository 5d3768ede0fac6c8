/**
 * Writes a person can trust: the duplicate check before a create and the follow-up check after a lost reply. The
 * server's clock is wire()'s, frozen at TEST_NOW (2026-11-22T12:00Z), and the fixture dates below are written
 * against it: due 2026-12-01 is not overdue, 2020 is long ago.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { frozenClock, iso, TEST_NOW } from '../helpers/clock.js';
import { startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { CREATED, json, type Responder, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
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
    // Nothing new: no id in `data` a model could take for a new record's; the one that stopped it is `existing`.
    expect(result.structuredContent).toEqual({
      summary: expect.any(String),
      message: 'Not created: a matching assignment already exists (see existing); nothing was sent.',
      created: false,
      data: { id: null, remote_id: null },
      existing,
    });
  });

  test('a record that names its learning object only by learning_object_id is caught when the call gives that id', async () => {
    const { learning_object_external_reference: _ref, ...idOnly } = { ...existing, learning_object_id: 'lo-101' };
    up = await startUpstream(json(200, { data: [idOnly] }));
    w = await wire(up.url);
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      learning_object_id: 'lo-101',
      if_not_exists: true,
    });
    expect(up.requests.map((r) => r.method)).toEqual(['GET']);
    expect(textOf(result)).toMatch(/^Not created: user emp-1 already has an open assignment for sec-101 \(id asg-old/);
    expect(result.structuredContent).toMatchObject({ created: false, existing: idOnly });
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

  test("a completion whose reply is lost is confirmed by the person's completions, with its own id; a second one that day creates nothing", async () => {
    const sandbox = await startCheckedSandbox();
    const quick = await wireSandbox(sandbox, 300);
    try {
      // The duplicate check's list goes through; the create after it never answers.
      sandbox.emulator.injectFaults(1, { type: 'slow', delayMs: 0 });
      sandbox.emulator.injectFaults(1, { type: 'hang' });
      const args = { id: 'emp-1001', learning_object_external_reference: 'gdpr-essentials', result: { value: 'Pass' } };
      const result = await quick.call('create_user_completion', args);
      expect(result.isError).toBeFalsy();
      const made = sandbox.emulator
        .completionsOf('emp-1001')
        .filter((c) => c.learning_object_external_reference === 'gdpr-essentials');
      expect(made).toHaveLength(1);
      const id = made[0]!.id as string;
      expect(textOf(result)).toMatch(
        new RegExp(
          `^Recorded completion \\(id ${id}, remote id rc-\\d+\\) for user emp-1001[\\s\\S]*reply was lost \\(no complete answer from StackOne within 300 ms\\), so this server checked with list_user_completions: it was recorded\\.`,
        ),
      );
      expect(result.structuredContent).toMatchObject({ data: { id }, confirmed_by_list: true, record: made[0] });

      const again = await quick.call('create_user_completion', args);
      expect(again.isError).toBeFalsy();
      expect(textOf(again)).toMatch(
        new RegExp(
          `^Not created: user emp-1001 already has a completion of gdpr-essentials recorded on 2026-11-22 \\(id ${id}: gdpr-essentials: completed 2026-11-22, result Pass`,
        ),
      );
      expect(
        sandbox.emulator
          .completionsOf('emp-1001')
          .filter((c) => c.learning_object_external_reference === 'gdpr-essentials'),
      ).toHaveLength(1);
      sandbox.assertContract();
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
      expect(result.structuredContent).toMatchObject({
        created: false,
        data: { id: null },
        existing: { id: 'asg-old' },
      });
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

  test('a completion with no dates at all is not ruled out; one from another day is not a repeat: safe to retry', async () => {
    const undated = { id: 'cmp-x', learning_object_external_reference: 'sec-101', result: { value: 'Pass' } };
    up = await startUpstream(json(200, { data: [undated] }));
    up.enqueue(stackoneError(502, 'failed'));
    w = await wire(up.url);
    // allow_duplicate: no before-picture, so only what the list shows after the failure decides.
    const result = await w.call('create_user_completion', { ...plain, allow_duplicate: true });
    expect(result.isError).toBe(true);
    expect(up.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /unified/lms/users/emp-1/completions',
      'GET /unified/lms/users/emp-1/completions',
    ]);
    expect(textOf(result)).toMatch(
      /A follow-up list_user_completions found an existing completion of sec-101 for this user: id cmp-x: sec-101: completion date not given, result Pass\. [\s\S]*retrying would make a duplicate/,
    );
    expect(textOf(result)).not.toMatch(/safe to retry/);
    await w.close();
    await up.close();
    const lastYear = { ...undated, completed_at: '2025-11-22T09:00:00Z', created_at: OLD, updated_at: OLD };
    up = await startUpstream(json(200, { data: [lastYear] }));
    up.enqueue(stackoneError(502, 'failed'));
    w = await wire(up.url);
    const again = await w.call('create_user_completion', { ...plain, allow_duplicate: true });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(
      /A follow-up list_user_completions found no completion of sec-101: it was not created, and it is safe to retry/,
    );
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

// Completions: a completion of the same learning object recorded the same UTC day is a repeat; another day is a
// recertification. TEST_NOW is 2026-11-22T12:00Z, so "today" below is 2026-11-22.
const doneToday = {
  id: 'cmp-1',
  remote_id: 'rc-1',
  learning_object_external_reference: 'sec-101',
  completed_at: '2026-11-22T08:15:00Z',
  created_at: '2026-11-22T08:15:02Z',
  updated_at: '2026-11-22T08:15:02Z',
  result: { value: 'Pass' },
  score: { percentage: 91, raw_value: '45.5 / 50' },
  time_spent: 'PT40M',
  certificate_url: 'https://lms.example/certificates/cmp-1',
};
const doneLastYear = {
  ...doneToday,
  id: 'cmp-0',
  completed_at: '2025-11-20T08:00:00Z',
  created_at: '2025-11-20T08:00:00Z',
  updated_at: '2025-11-20T08:00:00Z',
};
const otherToday = { ...doneToday, id: 'cmp-9', learning_object_external_reference: 'other-course' };
const routes = (upstream: Upstream) => upstream.requests.map((r) => `${r.method} ${r.path}`);
const LIST_COMPLETIONS = 'GET /unified/lms/users/emp-1/completions';
const POST_COMPLETION = 'POST /unified/lms/users/emp-1/completions';

describe('completions: duplicate-safe by default', () => {
  test('a completion of it recorded that day: nothing is created, it is named, and the result says nothing was created', async () => {
    up = await startUpstream(json(200, { data: [doneLastYear, otherToday, doneToday] }));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', { ...plain, result: { value: 'Pass' } });
    expect(result.isError).toBeFalsy();
    expect(routes(up)).toEqual([LIST_COMPLETIONS]);
    expect(up.requests[0]!.query.get('page_size')).toBe('100');
    const [first, second, next] = textOf(result).split('\n');
    expect(first).toBe(
      'Not created: user emp-1 already has a completion of sec-101 recorded on 2026-11-22 (id cmp-1: sec-101: completed 2026-11-22, result Pass, score 91% (45.5 / 50), time spent PT40M, certificate https://lms.example/certificates/cmp-1).',
    );
    expect(second).toBe('Nothing was sent to StackOne to create a duplicate.');
    expect(next).toMatch(/completed_at \(another day goes ahead\)[\s\S]*allow_duplicate: true/);
    expect(result.structuredContent).toEqual({
      summary: expect.any(String),
      message: 'Not created: a matching completion already exists (see existing); nothing was sent.',
      created: false,
      data: { id: null, remote_id: null },
      existing: doneToday,
    });
  });

  test('"that day" is the UTC day of the completed_at given, in whatever zone it is written', async () => {
    for (const [completedAt, expectBlocked] of [
      ['2026-11-21T22:00:00-05:00', true], // 2026-11-22T03:00Z
      ['2026-11-23T00:30:00+01:00', true], // 2026-11-22T23:30Z
      ['2026-11-21T18:00:00-05:00', false], // 2026-11-21T23:00Z
      ['2026-11-22T02:00:00+05:00', false], // 2026-11-21T21:00Z
    ] as const) {
      up = await startUpstream(json(201, CREATED));
      up.enqueue(json(200, { data: [doneToday] }));
      w = await wire(up.url);
      const result = await w.call('create_user_completion', { ...plain, completed_at: completedAt });
      expect(routes(up), completedAt).toEqual(expectBlocked ? [LIST_COMPLETIONS] : [LIST_COMPLETIONS, POST_COMPLETION]);
      expect(textOf(result), completedAt).toMatch(expectBlocked ? /^Not created/ : /^Recorded completion \(id asg_123/);
      await w.close();
      await up.close();
    }
    w = undefined;
    up = undefined;
  });

  test('recertification: a completion of it on another day does not stop a new one', async () => {
    up = await startUpstream(json(201, CREATED));
    up.enqueue(json(200, { data: [doneLastYear, otherToday] }));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', { ...plain, result: { value: 'Pass' } });
    expect(result.isError).toBeFalsy();
    expect(routes(up)).toEqual([LIST_COMPLETIONS, POST_COMPLETION]);
    expect(JSON.parse(up.requests[1]!.body)).toEqual({
      learning_object_external_reference: 'sec-101',
      result: { value: 'Pass' },
    });
    expect(textOf(result)).toMatch(/^Recorded completion \(id asg_123, remote id remote-987\) for user emp-1/);
    expect(textOf(result)).toMatch(/Next: list_user_completions to confirm it\.$/);
  });

  test('allow_duplicate: true records anyway, with no list first, and is never sent', async () => {
    up = await startUpstream(json(201, CREATED));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', { ...plain, allow_duplicate: true });
    expect(result.isError).toBeFalsy();
    expect(routes(up)).toEqual([POST_COMPLETION]);
    expect(JSON.parse(up.requests[0]!.body)).toEqual({ learning_object_external_reference: 'sec-101' });
  });

  test('either identifier of the call matches either field of the record: a learning_object_id-only record is caught', async () => {
    const { learning_object_external_reference: _ref, ...idOnly } = { ...doneToday, learning_object_id: 'lo-101' };
    for (const call of [
      { ...plain, learning_object_id: 'lo-101' },
      // A model that passed the id as the reference is caught too.
      { id: 'emp-1', learning_object_external_reference: 'lo-101' },
    ]) {
      up = await startUpstream(json(201, CREATED));
      up.enqueue(json(200, { data: [idOnly] }));
      w = await wire(up.url);
      const result = await w.call('create_user_completion', call);
      expect(routes(up)).toEqual([LIST_COMPLETIONS]);
      expect(result.structuredContent).toMatchObject({ created: false, existing: { id: 'cmp-1' } });
      await w.close();
      await up.close();
    }
    w = undefined;
    up = undefined;
  });

  test('a completion of it with no date at all is not ruled out: nothing is created, and the answer says why', async () => {
    const { completed_at: _c, created_at: _r, updated_at: _u, ...undated } = doneToday;
    up = await startUpstream(json(200, { data: [undated] }));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', plain);
    expect(routes(up)).toEqual([LIST_COMPLETIONS]);
    expect(textOf(result)).toMatch(
      /^Not created: user emp-1 already has a completion of sec-101 with no completion date \(it may be from 2026-11-22\) \(id cmp-1: sec-101: completion date not given, result Pass/,
    );
  });

  test('a check that cannot run creates nothing and says how to proceed', async () => {
    up = await startUpstream(json(201, CREATED));
    up.enqueue(stackoneError(403, 'Forbidden'));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', plain);
    expect(result.isError).toBe(true);
    expect(routes(up)).toEqual([LIST_COMPLETIONS]);
    expect(textOf(result)).toMatch(
      /^Could not check for a completion of it recorded on 2026-11-22 before creating \(StackOne answered HTTP 403\), so nothing was created\. Try again, look with list_user_completions yourself, or pass allow_duplicate: true/,
    );
    expect(textOf(result)).not.toMatch(/may have reached the LMS/);
  });

  test('a check that cannot read every page creates nothing and says so', async () => {
    // Every page has another after it, and none holds this learning object: absence proves nothing.
    up = await startUpstream((req, res) =>
      (req.method === 'GET'
        ? json(200, { data: [otherToday], next: `p${Number(req.query.get('next')?.slice(1) ?? 0) + 1}` })
        : json(201, CREATED))(req, res),
    );
    w = await wire(up.url);
    const result = await w.call('create_user_completion', plain);
    expect(result.isError).toBe(true);
    expect(routes(up)).toEqual(Array(10).fill(LIST_COMPLETIONS));
    expect(textOf(result)).toMatch(
      /^Could not check for a completion of it recorded on 2026-11-22 before creating \(the user.s completions did not fit in the pages and time this check reads \(10 pages, or it took longer than \d+ ms\), so one may be missed\), so nothing was created/,
    );
  });
});

describe('completions: checked after a doubtful failure by reading the completions', () => {
  /** A provider that records the completion but leaves the assignment open: only the completions list shows it. */
  function provider(afterPost: unknown[], post: Responder = stackoneError(502, 'Bad gateway')): Responder {
    let posted = false;
    return (req, res) => {
      if (req.method === 'POST') {
        posted = true;
        return post(req, res);
      }
      if (req.path.endsWith('/assignments')) {
        return json(200, { data: [{ ...openOne, status: { value: 'in_progress' } }] })(req, res);
      }
      return json(200, { data: posted ? afterPost : [doneLastYear] })(req, res);
    };
  }
  const fresh = { ...doneToday, id: 'cmp-new', remote_id: 'rc-new', created_at: OLD, updated_at: OLD };

  test('the reply is lost and the completion is in the list with a new id: recorded, named by its own id', async () => {
    up = await startUpstream(provider([doneLastYear, fresh]));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', { ...plain, result: { value: 'Pass' } });
    expect(result.isError).toBeFalsy();
    // Never the assignments: a provider that leaves the assignment open would make them say "not created".
    expect(routes(up)).toEqual([LIST_COMPLETIONS, POST_COMPLETION, LIST_COMPLETIONS]);
    expect(textOf(result)).toMatch(
      /^Recorded completion \(id cmp-new, remote id rc-new\) for user emp-1: learning object sec-101, result Pass\.\nStackOne's reply was lost \(StackOne answered HTTP 502\), so this server checked with list_user_completions: it was recorded\./,
    );
    expect(result.structuredContent).toMatchObject({
      message: "Recorded: StackOne's reply was lost, and a follow-up list found the new completion.",
      data: { id: 'cmp-new', remote_id: 'rc-new' },
      confirmed_by_list: true,
      record: fresh,
    });
  });

  test('the complete list shows no new one and none that day: not created, safe to retry (naming list_user_completions)', async () => {
    up = await startUpstream(provider([doneLastYear]));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', plain);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /A follow-up list_user_completions found no completion of sec-101: it was not created, and it is safe to retry\./,
    );
    expect(textOf(result)).not.toMatch(/list_user_assignments/);
  });

  test('with allow_duplicate there is no before-picture: a completion dated after the call started confirms it', async () => {
    up = await startUpstream(provider([doneLastYear, { ...fresh, created_at: iso(TEST_NOW) }]));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', { ...plain, allow_duplicate: true });
    expect(result.isError).toBeFalsy();
    expect(routes(up)).toEqual([POST_COMPLETION, LIST_COMPLETIONS]);
    expect(result.structuredContent).toMatchObject({ data: { id: 'cmp-new' }, confirmed_by_list: true });
  });

  test('when the check after the failure cannot run, the advice is to look with list_user_completions', async () => {
    up = await startUpstream(json(200, { data: [] }));
    up.enqueue(json(200, { data: [] }), stackoneError(503, 'x'), stackoneError(403, 'Forbidden'));
    w = await wire(up.url);
    const result = await w.call('create_user_completion', plain);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /This create may have reached the LMS, so it was not retried \(a follow-up check failed too: StackOne answered HTTP 403\)\. Call list_user_completions for this user/,
    );
  });
});
