import { afterEach, describe, expect, test } from 'vitest';
import { startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { CREATED, json, startUpstream, type Upstream } from '../helpers/upstream.js';
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
    expect(textOf(result)).toMatch(/^Not created: user emp-1 already has an assignment for sec-101 \(id asg-old\)/);
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
        new RegExp(`^Not created: user emp-1004 already has an assignment for gdpr-essentials \\(id ${id}\\)`),
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
      expect(textOf(result)).toMatch(/^Recorded completion \(id asg_\d+[\s\S]*it was recorded/);
    } finally {
      await quick.close();
      await sandbox.close();
    }
  });
});
