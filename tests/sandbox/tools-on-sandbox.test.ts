import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AssignmentsPaginated } from '../../src/stackone/schemas.js';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { textOf, type Wired } from '../helpers/wire.js';

// The sandbox and the server share one clock, frozen at TEST_NOW (2026-11-22T12:00Z): the seed is dated from it,
// and the dates written below are written against it.
let sandbox: CheckedSandbox;
let w: Wired;
beforeEach(async () => {
  sandbox = await startCheckedSandbox();
  w = await wireSandbox(sandbox);
});
afterEach(async () => {
  await w.close();
  sandbox.assertContract();
  await sandbox.close();
});

const page = (r: Awaited<ReturnType<Wired['call']>>) => r.structuredContent as AssignmentsPaginated;

describe('the tools against the sandbox emulator', () => {
  test('from a name and a title to an assignment, as a chat goes', async () => {
    const dana = await w.call('find_users', { query: 'Dana' });
    expect(textOf(dana)).toBe(
      [
        '1 LMS user matches "Dana" (searched 14 people in account acme-lms):',
        '- Dana Whitaker <dana.whitaker@acme.example>: id emp-1001, external reference HR-1001',
        'Next: pass the id as `id` to list_user_assignments, create_user_assignment or create_user_completion.',
      ].join('\n'),
    );
    // Chris Park's email names Dana, but "Dana" by name is one person.
    const course = await w.call('find_learning_objects', { query: 'security awareness' });
    const lines = textOf(course).split('\n');
    expect(lines[0]).toBe(
      '2 learning objects match "security awareness" (searched 76 courses and content items in account acme-lms):',
    );
    expect(lines[1]).toBe(
      '- "Security Awareness 2025" (course): learning_object_external_reference security-awareness-2025, inactive, en_GB',
    );
    expect(lines[2]).toBe(
      '- "Security Awareness 2026" (course): learning_object_external_reference sec-awareness-2026, active, PT45M, en_GB de_DE',
    );
    const created = await w.call('create_user_assignment', {
      id: 'emp-1001',
      learning_object_external_reference: 'sec-awareness-2026',
      if_not_exists: true,
    });
    expect(textOf(created)).toMatch(
      /Not created: user emp-1001 already has an (open )?assignment for sec-awareness-2026/,
    );
    // Another account's Dana is another directory.
    const globex = await w.call('find_users', { query: 'dana', account_id: 'globex-lms' });
    expect(textOf(globex)).toContain('Dana Kowalski');
    expect(textOf(globex)).not.toContain('Whitaker');
  });

  test("training_report on the demo company: what the README says of it, every answer within StackOne's contract", async () => {
    const overdue = await w.call('training_report', { status: 'overdue' });
    expect(textOf(overdue).split('\n').slice(1, 4)).toEqual([
      'Open 56, of which 15 overdue. Only open assignments were read; status "all" counts the completed and not assigned too.',
      'Overdue, most overdue first:',
      '- Morgan Ellis (emp-1099): "Compliance Module 2" compliance-module-02, in_progress 30%, due 2026-10-29, 24 days overdue',
    ]);
    const course = await w.call('training_report', { learning_object_external_reference: 'sec-awareness-2026' });
    expect(textOf(course).split('\n')[1]).toBe(
      'Completed 3, open 5 (1 overdue), not assigned 5 (active people). Completion rate 37.5% (3 of the 8 who have it).',
    );
    expect(textOf(course)).toContain('- Ravi Iyer (emp-1008): completed 2026-11-16, Fail');
    // Globex's report holds Globex's people only.
    const globex = await w.call('training_report', { account_id: 'globex-lms' });
    expect(textOf(globex)).toContain('Tom Becker (gx-2002): "Forklift Safety Certification" forklift-safety, pending');
    expect(textOf(globex)).not.toMatch(/emp-\d/);
  });

  test('create for emp-1001, see it listed, complete it, see it with filter.status = completed', async () => {
    const created = await w.call('create_user_assignment', {
      id: 'emp-1001',
      learning_object_external_reference: 'first-aid-basics',
      due_date: '2026-12-06T17:00:00Z',
      status: { value: 'pending' },
    });
    expect(created.isError).toBeFalsy();
    const newId = (created.structuredContent as { data: { id: string } }).data.id;
    expect(textOf(created)).toContain(newId);

    const listed = await w.call('list_user_assignments', { id: 'emp-1001' });
    const mine = page(listed).data.find((a) => a.id === newId);
    expect(mine).toMatchObject({
      learning_object_external_reference: 'first-aid-basics',
      status: { value: 'pending' },
      due_date: '2026-12-06T17:00:00Z',
      user_id: 'emp-1001',
    });
    expect(textOf(listed)).toContain('first-aid-basics: pending, due 2026-12-06');

    const completion = await w.call('create_user_completion', {
      id: 'emp-1001',
      learning_object_external_reference: 'first-aid-basics',
      result: { value: 'Pass' },
      completed_at: '2026-11-22T09:00:00Z',
    });
    expect(completion.isError).toBeFalsy();

    const done = await w.call('list_user_assignments', { id: 'emp-1001', filter: { status: 'completed' } });
    const record = page(done).data.find((a) => a.id === newId);
    expect(record).toMatchObject({
      status: { value: 'completed' },
      completed_at: '2026-11-22T09:00:00Z',
      result: { value: 'Pass' },
      progress: 100,
    });
    expect(Date.parse(record!.updated_at!)).toBeGreaterThanOrEqual(Date.parse(record!.created_at!));
    expect(page(done).data.every((a) => a.status?.value === 'completed')).toBe(true);
    expect(textOf(done)).toContain('first-aid-basics: completed 2026-11-22, result Pass');
  });

  test('a page walk over emp-1099 (65 assignments) at page_size 25 returns each exactly once, at most 25 a page', async () => {
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const result = await w.call('list_user_assignments', {
        id: 'emp-1099',
        page_size: 25,
        ...(next ? { next } : {}),
      });
      expect(result.isError).toBeFalsy();
      const p = page(result);
      expect(p.data.length).toBeLessThanOrEqual(25);
      seen.push(...p.data.map((a) => a.id as string));
      next = p.next ?? undefined;
      if (next) expect(textOf(result)).toContain(`next: "${next}"`);
      pages++;
    } while (next && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(65);
    expect(new Set(seen).size).toBe(65);
  });

  test('the default page size is 25 and the cursor is stable while data does not change', async () => {
    const first = page(await w.call('list_user_assignments', { id: 'emp-1099' }));
    expect(first.data).toHaveLength(25);
    const again = page(await w.call('list_user_assignments', { id: 'emp-1099' }));
    expect(again.next).toBe(first.next);
    const second = page(await w.call('list_user_assignments', { id: 'emp-1099', next: first.next }));
    const secondAgain = page(await w.call('list_user_assignments', { id: 'emp-1099', next: first.next }));
    expect(secondAgain).toEqual(second);
  });

  test('filter.updated_after, fields and raw', async () => {
    const all = page(await w.call('list_user_assignments', { id: 'emp-1001' })).data;
    const cutoff = '2026-01-01T00:00:00Z';
    const recent = page(
      await w.call('list_user_assignments', { id: 'emp-1001', filter: { updated_after: cutoff } }),
    ).data;
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((a) => Date.parse(a.updated_at!) > Date.parse(cutoff))).toBe(true);
    expect(recent.length).toBe(all.filter((a) => Date.parse(a.updated_at!) > Date.parse(cutoff)).length);

    const slim = await w.call('list_user_assignments', { id: 'emp-1001', fields: 'id,status,due_date' });
    for (const a of page(slim).data) expect(Object.keys(a).sort()).toEqual(['due_date', 'id', 'status']);

    const withRaw = page(await w.call('list_user_assignments', { id: 'emp-1001', raw: true }));
    expect(withRaw.raw?.[0]).toMatchObject({ method: 'GET' });
  });

  test('unknown users and accounts get StackOne 404s; validation gets 400s', async () => {
    const user = await w.call('list_user_assignments', { id: 'emp-9999' });
    expect(textOf(user)).toMatch(/HTTP 404: User emp-9999 not found/);
    const account = await w.call('list_user_assignments', { id: 'emp-1001', account_id: 'nope' });
    expect(textOf(account)).toMatch(/HTTP 404: Account nope not found/);
    const otherAccount = await w.call('list_user_assignments', { id: 'gx-2001', account_id: 'globex-lms' });
    expect(otherAccount.isError).toBeFalsy();
    const late = await w.call('create_user_assignment', {
      id: 'emp-1001',
      learning_object_external_reference: 'first-aid-basics',
      assigned_at: '2026-11-20T00:00:00Z',
      due_date: '2026-11-01T00:00:00Z',
    });
    expect(textOf(late)).toMatch(/HTTP 422[\s\S]*due_date cannot be before assigned_at/);
  });

  test('faults: 429 with Retry-After is retried; 503 on a create is not; a slow reply past the timeout still wrote', async () => {
    sandbox.emulator.injectFaults(1, { type: 'status', status: 429, retryAfter: 0 });
    const ok = await w.call('list_user_assignments', { id: 'emp-1002' });
    expect(ok.isError).toBeFalsy();

    // Each fault is preceded by a pass for the duplicate check's list, so it lands on the create.
    sandbox.emulator.injectFaults(1, { type: 'slow', delayMs: 0 });
    sandbox.emulator.injectFaults(1, { type: 'status', status: 503 });
    const failed = await w.call('create_user_assignment', {
      id: 'emp-1002',
      learning_object_external_reference: 'gdpr-essentials',
    });
    expect(textOf(failed)).toMatch(/HTTP 503[\s\S]*it was not created, and it is safe to retry/);
    expect(
      sandbox.emulator
        .assignmentsOf('emp-1002')
        .some((a) => a.learning_object_external_reference === 'gdpr-essentials'),
    ).toBe(false);

    const quick = await wireSandbox(sandbox, 300);
    try {
      sandbox.emulator.injectFaults(1, { type: 'slow', delayMs: 0 });
      sandbox.emulator.injectFaults(1, { type: 'slow', delayMs: 1000 });
      const timedOut = await quick.call('create_user_assignment', {
        id: 'emp-1002',
        learning_object_external_reference: 'first-aid-basics',
      });
      // The reply was lost but the write happened: the follow-up list finds it and reports it created.
      expect(timedOut.isError).toBeFalsy();
      expect(textOf(timedOut)).toMatch(/^Created assignment \(id asg_\d+[\s\S]*reply was lost[\s\S]*it was created/);
      expect(
        sandbox.emulator
          .assignmentsOf('emp-1002')
          .some((a) => a.learning_object_external_reference === 'first-aid-basics'),
      ).toBe(true);
    } finally {
      await quick.close();
    }

    sandbox.emulator.injectFaults(1, { type: 'heartbeat', count: 3, intervalMs: 20 });
    const beat = await w.call('list_user_assignments', { id: 'emp-1002' });
    expect(beat.isError).toBeFalsy();
  });
});
