/**
 * The view's model (src/view/model.ts), a pure function of structuredContent and "now": it must call overdue exactly
 * what the summary calls overdue, take the titles the summary carries, and read each tool's shape without guessing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Assignment } from '../../src/stackone/schemas.js';
import { summarizeAssignments } from '../../src/tools/summaries.js';
import { assignmentRow, kindOf, type Model, modelOf, titlesFromSummary } from '../../src/view/model.js';
import { DAY, iso, TEST_NOW } from '../helpers/clock.js';

const NOW = TEST_NOW;

function model(content: unknown, now = NOW): Model {
  const made = modelOf(content, now);
  if ('empty' in made) throw new Error(made.empty);
  return made;
}

describe('overdue, as the summary says it', () => {
  test('any assignment: the view marks it overdue exactly when its summary line says "(overdue)"', () => {
    const assignment = fc.record(
      {
        learning_object_external_reference: fc.constant('course-x'),
        status: fc.option(
          fc.record({ value: fc.constantFrom('pending', 'in_progress', 'completed', 'unmapped_value') }),
          { nil: undefined },
        ),
        due_date: fc.option(
          fc.integer({ min: -40, max: 40 }).map((hours) => iso(NOW + hours * 3_600_000)),
          { nil: undefined },
        ),
        completed_at: fc.option(fc.constant(iso(NOW - DAY)), { nil: undefined }),
      },
      { requiredKeys: ['learning_object_external_reference'] },
    );
    fc.assert(
      fc.property(assignment, (a) => {
        const line = summarizeAssignments('u', {}, { data: [a as Assignment] }, undefined, NOW).split('\n')[1] ?? '';
        expect(assignmentRow(a, new Map(), NOW).state === 'overdue', line).toBe(line.includes('(overdue)'));
      }),
      { numRuns: 300 },
    );
  });

  test('due this very instant is not yet overdue; a millisecond later it is, and says how many days late', () => {
    const a = { learning_object_external_reference: 'x', status: { value: 'pending' }, due_date: iso(NOW) };
    expect(assignmentRow(a, new Map(), NOW).state).toBe('pending');
    expect(assignmentRow(a, new Map(), NOW + 1)).toMatchObject({ state: 'overdue', daysOverdue: 0 });
    expect(assignmentRow(a, new Map(), NOW + 3 * DAY + 1)).toMatchObject({ state: 'overdue', daysOverdue: 3 });
  });
});

describe('rows', () => {
  test("titles come from the server's own summary; a title that only restates its reference is the reference", () => {
    const data = [
      { learning_object_external_reference: 'sec-awareness-2026', status: { value: 'in_progress' }, progress: '40' },
      { learning_object_external_reference: 'gdpr-essentials', status: { value: 'pending' } },
      { learning_object_external_reference: 'odd "ref"', status: { value: 'completed' } },
      { learning_object_external_reference: 'no-title', status: { value: 'pending' } },
    ];
    const known: Record<string, string> = {
      'sec-awareness-2026': 'Security Awareness 2026',
      'gdpr-essentials': 'GDPR Essentials',
      'odd "ref"': 'Quoted: "Title"',
    };
    const summary = summarizeAssignments('emp-1001', {}, { data }, undefined, NOW, (r) =>
      r.learning_object_external_reference ? known[r.learning_object_external_reference] : undefined,
    );
    const m = model({ summary: `[sandbox: demo data, not your LMS] ${summary}`, data });
    expect(m.heading).toBe('Assignments of emp-1001');
    expect(m.rows.map((r) => [r.title, r.reference, r.progress])).toEqual([
      ['Security Awareness 2026', 'sec-awareness-2026', 40],
      ['gdpr-essentials', undefined, undefined],
      ['Quoted: "Title"', 'odd "ref"', undefined],
      ['no-title', undefined, undefined],
    ]);
    expect([...titlesFromSummary(summary, ['absent', 'gdpr-essentials'])]).toEqual([]);
  });

  test('what a provider may send: a string progress, one past 100, an unmapped status, a completion date alone', () => {
    const rows = model({
      summary: '',
      data: [
        { learning_object_id: 'lo-1', status: { value: 'in_progress' }, progress: '40' },
        { learning_object_id: 'lo-2', status: { value: 'in_progress' }, progress: 150 },
        { learning_object_id: 'lo-3', status: { value: 'unmapped_value', source_value: 'Awaiting approval' } },
        { learning_object_id: 'lo-4', completed_at: '2026-11-01T10:00:00Z', due_date: iso(NOW - 5 * DAY) },
        { status: { value: 'pending' } },
      ],
    }).rows;
    expect(rows.map((r) => [r.title, r.state, r.status, r.progress, r.completed])).toEqual([
      ['lo-1', 'in_progress', 'In progress', 40, undefined],
      ['lo-2', 'in_progress', 'In progress', 100, undefined],
      ['lo-3', 'unknown', 'Awaiting approval', undefined, undefined],
      ['lo-4', 'completed', 'Completed', undefined, '2026-11-01'],
      ['(no learning object)', 'pending', 'Pending', undefined, undefined],
    ]);
  });

  test('completions: result, score as the provider gives it, time spent; the totals are by result', () => {
    const m = model({
      summary: '3 completions for user emp-1001:',
      data: [
        {
          learning_object_external_reference: 'gdpr-essentials',
          completed_at: '2026-11-20T09:00:00Z',
          result: { value: 'Pass' },
          score: { percentage: 87, raw_value: '87/100' },
          time_spent: 'PT1H30M',
        },
        { learning_object_external_reference: 'first-aid', result: { value: 'Fail' }, score: { raw_value: 41 } },
        {
          learning_object_external_reference: 'leadership',
          result: { value: 'Pass' },
          score: { percentage: 82, raw_value: 'B+' },
          time_spent: 'P2D',
        },
      ],
    });
    expect(m.kind).toBe('completions');
    expect(m.rows.map((r) => [r.completed, r.result, r.score, r.scorePercent, r.timeSpent])).toEqual([
      ['2026-11-20', 'Pass', '87%', 87, '1 h 30 min'],
      [undefined, 'Fail', '41', undefined, undefined],
      [undefined, 'Pass', '82% (B+)', 82, '2 d'],
    ]);
    expect(m.totals).toEqual([
      { key: 'Pass', label: 'Passed', count: 2 },
      { key: 'Fail', label: 'Failed', count: 1 },
    ]);
    expect(m.followUp?.text).toBe('User emp-1001 failed: first-aid. Should any be assigned again?');
  });
});

describe("which tool's result", () => {
  test('by shape; an empty page by its summary; the host may say', () => {
    expect(kindOf({ data: [{ status: { value: 'pending' } }] }, '')).toBe('assignments');
    expect(kindOf({ data: [{ completed_at: 'x', score: {} }] }, '')).toBe('completions');
    expect(kindOf({ data: [] }, 'No completions for user u.')).toBe('completions');
    expect(kindOf({ data: [] }, '[sandbox: demo data, not your LMS] No assignments for user u.')).toBe('assignments');
    expect(kindOf({ data: [] }, '', 'list_user_completions')).toBe('completions');
    expect(kindOf({ totals: {}, rows: [] }, '')).toBe('report');
    expect(kindOf({ data: [{ id: 'x' }] }, 'something else')).toBeUndefined();
    expect(modelOf(undefined, NOW)).toEqual({ empty: 'This result has no structured data to show.' });
    expect(modelOf({ nothing: true }, NOW)).toEqual({ empty: 'This result is not one this view knows how to show.' });
  });
});

describe('the follow-up', () => {
  test('names at most ten, then how many more, and never offers itself when nothing is overdue', () => {
    const overdue = Array.from({ length: 12 }, (_, i) => ({
      learning_object_external_reference: `m-${i}`,
      status: { value: 'pending' },
      due_date: iso(NOW - DAY),
    }));
    const m = model({ summary: '12 assignments for user emp-7:', data: overdue });
    expect(m.followUp?.label).toBe('Ask about the overdue training');
    expect(m.followUp?.text).toMatch(
      /^User emp-7 has 12 overdue assignments: m-0 \(due 2026-11-21\); .*m-9 \(due 2026-11-21\); and 2 more\. What should we do about them\?$/,
    );
    expect(model({ summary: '', data: [{ status: { value: 'pending' } }] }).followUp).toBeUndefined();
  });
});

describe('the report', () => {
  // training_report's structuredContent, as src/tools/training-report.ts builds it.
  const report = {
    summary: 'Training report ...',
    totals: { completed: 3, open: 5, overdue: 2, not_assigned: 1 },
    completion_rate: 37.5,
    rows: [
      {
        user_id: 'emp-1002',
        name: 'Sam Okafor',
        learning_object_external_reference: 'sec-awareness-2026',
        title: 'Security Awareness 2026',
        status: 'overdue',
        lms_status: 'pending',
        due_date: '2026-11-19T17:00:00Z',
        days_overdue: 3,
      },
      {
        user_id: 'emp-1001',
        name: 'Dana Whitaker',
        learning_object_external_reference: 'sec-awareness-2026',
        title: 'Security Awareness 2026',
        status: 'overdue',
        lms_status: 'in_progress',
        progress: 40,
        due_date: '2026-11-12T17:00:00Z',
        days_overdue: 10,
      },
      {
        user_id: 'emp-1003',
        name: 'Priya Raman',
        learning_object_external_reference: 'sec-awareness-2026',
        title: 'Security Awareness 2026',
        status: 'completed',
        lms_status: 'completed',
        completed_at: '2026-11-01T09:00:00Z',
        result: 'Pass',
      },
      {
        user_id: 'emp-1004',
        name: 'Lee Chen',
        learning_object_external_reference: 'sec-awareness-2026',
        title: 'Security Awareness 2026',
        status: 'open',
        lms_status: 'in_progress',
        progress: 10,
      },
      {
        user_id: 'emp-1005',
        name: 'Zoë Lefèvre',
        learning_object_external_reference: 'sec-awareness-2026',
        title: 'Security Awareness 2026',
        status: 'not_assigned',
      },
    ],
    more: 4,
    complete: true,
    as_of: '2026-11-22T12:00:00.000Z',
  };

  test("the server's totals (open less its overdue), most overdue first, the rate, the rows past the cap", () => {
    const m = modelOf(report, NOW, { args: { learning_object_external_reference: 'sec-awareness-2026' } });
    if ('empty' in m) throw new Error(m.empty);
    expect(m.kind).toBe('report');
    expect(m.heading).toBe('Security Awareness 2026: training report, 2026-11-22');
    expect(m.oneLearningObject).toBe(true);
    expect([m.count, m.noun]).toEqual([9, ['person', 'people']]);
    expect(m.overdue).toBe(2);
    expect(m.totals.map((t) => [t.label, t.count])).toEqual([
      ['Overdue', 2],
      ['Open, not overdue', 3],
      ['Completed', 3],
      ['Not assigned', 1],
    ]);
    expect(m.rows.map((r) => [r.person, r.state, r.daysOverdue])).toEqual([
      ['Dana Whitaker', 'overdue', 10],
      ['Sam Okafor', 'overdue', 3],
      ['Priya Raman', 'completed', undefined],
      ['Lee Chen', 'in_progress', undefined],
      ['Zoë Lefèvre', 'not_assigned', undefined],
    ]);
    expect(m.rate).toEqual({ title: 'Security Awareness 2026', percent: 37.5, completed: 3, of: 8 });
    expect(m.note).toBe('The first 5 rows of 9: ask in the chat to narrow the report.');
    expect(m.followUp).toEqual({
      label: "Ask about Dana Whitaker's overdue courses",
      text: "Tell me about Dana Whitaker's (emp-1001) overdue training and what to do about it.",
    });
  });

  test('an overdue-only report: no completed or not-assigned figures, no rate; a walk cut short says so', () => {
    const m = modelOf(
      { ...report, totals: { open: 5, overdue: 2 }, completion_rate: undefined, more: 0, complete: false },
      NOW,
    );
    if ('empty' in m) throw new Error(m.empty);
    expect(m.totals.map((t) => t.key)).toEqual(['overdue', 'open']);
    expect(m.rate).toBeUndefined();
    // No learning object asked for and no rate: a report across them, counted in assignments.
    expect([m.heading, m.noun, m.oneLearningObject]).toEqual([
      'Training report, 2026-11-22',
      ['assignment', 'assignments'],
      undefined,
    ]);
    expect(m.note).toBe('Cut short: the figures cover what was read so far; ask again in the chat to continue.');
  });
});
