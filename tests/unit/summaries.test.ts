import { describe, expect, test } from 'vitest';
import type { Assignment } from '../../src/stackone/schemas.js';
import { summarizeAssignments, summarizeCompletions, summarizeCreatedAssignment } from '../../src/tools/summaries.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('summaries', () => {
  test('a 25-assignment page stays under 2,000 characters with every field a person asks about', () => {
    const data: Assignment[] = Array.from({ length: 25 }, (_, i) => ({
      id: `asg-${i}`,
      learning_object_external_reference: `course-${String(i).padStart(3, '0')}-security`,
      status: { value: i % 3 === 0 ? 'completed' : 'in_progress' },
      progress: i % 3 === 0 ? 100 : 40,
      due_date: '2026-11-20T17:00:00Z',
      ...(i % 3 === 0 ? { completed_at: '2026-11-19T09:00:00Z', result: { value: 'Pass' } } : {}),
    }));
    const text = summarizeAssignments('emp-1001', {}, { data, next: 'c2' }, undefined, NOW);
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain('- course-001-security: in_progress, 40%, due 2026-11-20 (overdue)');
    expect(text).toContain('- course-000-security: completed 2026-11-19, result Pass, due 2026-11-20');
    expect(text).toContain('next: "c2"');
  });

  test('the sandbox 25-assignment page (the benchmark page) stays under 2,000 characters; titles that add nothing are left out', async () => {
    const { Emulator } = await import('../../src/sandbox/emulator.js');
    const { SANDBOX_API_KEY, SANDBOX_DEFAULT_ACCOUNT } = await import('../../src/sandbox/seed.js');
    const reply = new Emulator({ now: () => NOW }).handle({
      method: 'GET',
      url: '/unified/lms/users/emp-1099/assignments?page_size=25',
      headers: {
        authorization: `Basic ${Buffer.from(`${SANDBOX_API_KEY}:`).toString('base64')}`,
        'x-account-id': SANDBOX_DEFAULT_ACCOUNT,
      },
      body: '',
    });
    const page = JSON.parse(reply.body);
    expect(page.data).toHaveLength(25);
    const text = summarizeAssignments('emp-1099', {}, page, undefined, NOW);
    expect(text.length).toBeLessThan(2000);
    // "Compliance Module 1" only restates compliance-module-01; every status, figure and date stays.
    expect(text).not.toContain('"Compliance Module');
    expect(text).toMatch(
      /- compliance-module-01: completed \d{4}-\d{2}-\d{2}, result (Pass|Fail), due \d{4}-\d{2}-\d{2}/,
    );
    expect(text).toMatch(/- compliance-module-02: in_progress, \d+%, due \d{4}-\d{2}-\d{2}/);
    const titled = summarizeAssignments(
      'u',
      {},
      {
        data: [
          {
            id: 'a',
            learning_object_external_reference: 'sec-awareness-2026',
            status: { value: 'pending' },
          },
        ],
      },
      undefined,
      NOW,
      (r) => (r.learning_object_external_reference === 'sec-awareness-2026' ? 'Security Awareness 2026' : undefined),
    );
    expect(titled).toContain('- sec-awareness-2026 "Security Awareness 2026": pending');
  });

  test('unmapped statuses show the provider value; missing fields are left out', () => {
    const text = summarizeAssignments(
      'u1',
      { filter: { status: 'pending' } },
      { data: [{ learning_object_id: 'lo-1', status: { value: 'unmapped_value', source_value: 'Enrolled' } }] },
      undefined,
      NOW,
    );
    expect(text).toBe('1 assignment for user u1 (status pending):\n- lo-1: unmapped ("Enrolled")');
  });

  test('upstream strings cannot inject lines into the summary', () => {
    const text = summarizeAssignments(
      'u1',
      {},
      { data: [{ learning_object_external_reference: 'x\nIGNORE ALL' }] },
      undefined,
      NOW,
    );
    expect(text.split('\n')).toHaveLength(2);
  });

  test('a create summary with no status or due date says so', () => {
    const text = summarizeCreatedAssignment(
      'u1',
      { learning_object_external_reference: 'c1' },
      { statusCode: 201, message: 'ok', timestamp: 't', data: { id: 'a1', remote_id: null } },
    );
    expect(text).toMatch(
      /^Created assignment \(id a1\) for user u1: learning object c1, status the LMS's default, no due date\./,
    );
  });
});

describe('completion summaries', () => {
  test("the sandbox's completions page: every date, result, score and certificate, in about 140 characters a line", async () => {
    const { Emulator } = await import('../../src/sandbox/emulator.js');
    const { SANDBOX_API_KEY, SANDBOX_DEFAULT_ACCOUNT } = await import('../../src/sandbox/seed.js');
    const reply = new Emulator({ now: () => NOW }).handle({
      method: 'GET',
      url: '/unified/lms/users/emp-1099/completions?page_size=25',
      headers: {
        authorization: `Basic ${Buffer.from(`${SANDBOX_API_KEY}:`).toString('base64')}`,
        'x-account-id': SANDBOX_DEFAULT_ACCOUNT,
      },
      body: '',
    });
    const page = JSON.parse(reply.body);
    const text = summarizeCompletions('emp-1099', {}, page);
    const lines = text.split('\n').slice(1);
    expect(lines).toHaveLength(page.data.length);
    expect(text.length).toBeLessThan(page.data.length * 140);
    for (const line of lines) {
      expect(line).toMatch(
        /^- compliance-module-\d+: completed \d{4}-\d{2}-\d{2}, result (Pass|Fail), score \d+%, certificate https:\/\/sandbox-lms\.example\/certificates\/cmp_\d+$/,
      );
    }
  });

  test('a raw score is shown when it says more than the percentage, alone when there is none', () => {
    const line = (score: unknown) =>
      summarizeCompletions('u', {}, { data: [{ learning_object_external_reference: 'c', score } as never] }).split(
        '\n',
      )[1];
    expect(line({ percentage: 87, raw_value: '87 / 100' })).toBe('- c: completion date not given, score 87%');
    expect(line({ percentage: 87, raw_value: 87 })).toBe('- c: completion date not given, score 87%');
    expect(line({ percentage: 87, raw_value: '43.5 / 50' })).toBe(
      '- c: completion date not given, score 87% (43.5 / 50)',
    );
    expect(line({ raw_value: 'B+' })).toBe('- c: completion date not given, score B+');
    expect(line(null)).toBe('- c: completion date not given');
  });
});
