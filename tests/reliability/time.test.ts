/**
 * Budgets and stamps read the clock the server is given, not the machine's: here a scripted upstream moves a frozen
 * clock as it answers, so a budget runs out without the test waiting for it, and a stamp is the clock's instant.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { createLogger } from '../../src/log.js';
import { frozenClock, iso, type ManualClock, TEST_NOW } from '../helpers/clock.js';
import { json, type Responder, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { textOf, type Wired, wire } from '../helpers/wire.js';

/** A scripted upstream and the server wired to it with `clock`, both closed when the test ends. */
async function serverOn(clock: ManualClock, fallback: Responder): Promise<{ up: Upstream; w: Wired }> {
  const up = await startUpstream(fallback);
  const w = await wire(up.url, { now: clock });
  onTestFinished(async () => {
    await w.close();
    await up.close();
  });
  return { up, w };
}

/** A page of someone else's assignments with a cursor to another, answered `ms` of the server's time later. */
const slowPage =
  (clock: ManualClock, ms: number): Responder =>
  (req, res) => {
    clock.advance(ms);
    const n = Number(req.query.get('next') ?? 0) + 1;
    json(200, { data: [{ id: `other-${n}`, learning_object_external_reference: 'other' }], next: String(n) })(req, res);
  };

const gets = (upstream: Upstream) => upstream.requests.filter((r) => r.method === 'GET').length;
const posts = (upstream: Upstream) => upstream.requests.filter((r) => r.method === 'POST').length;

// wire() gives the client STACKONE_TIMEOUT_MS 5000, so each check around a create has 5 s of the clock in all.
describe('time budgets run on the server clock', () => {
  test('the duplicate check stops when its budget is spent, and nothing is created', async () => {
    const clock = frozenClock();
    const { up, w } = await serverOn(clock, slowPage(clock, 3_000));
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^Could not check for an open assignment before creating \(the user's assignments did not fit in the pages and time/,
    );
    // 3 s, then 6 s: the third page would start past the 5 s budget (the page cap alone would allow ten).
    expect(gets(up)).toBe(2);
    expect(posts(up)).toBe(0);
  });

  test('the follow-up check after a lost reply stops at its budget and says the outcome is unknown', async () => {
    const clock = frozenClock();
    const { up, w } = await serverOn(clock, slowPage(clock, 3_000));
    up.enqueue(stackoneError(503, 'failed'));
    const result = await w.call('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      allow_duplicate: true,
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/a follow-up check failed too: .*took longer than 5000 ms/);
    expect(posts(up)).toBe(1);
    expect(gets(up)).toBe(2);
  });

  test("the client does not wait for a retry that would end past the call's budget", async () => {
    const clock = frozenClock();
    const { up, w } = await serverOn(clock, json(200, { data: [] }));
    up.enqueue((req, res) => {
      clock.advance(4_500);
      stackoneError(503, 'Service Unavailable', {}, { 'retry-after': '1' })(req, res);
    });
    const result = await w.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/would pass STACKONE_TIMEOUT_MS/);
    expect(gets(up)).toBe(1);
  });
});

describe('stamps are the clock the process was given', () => {
  test('a log line', () => {
    const lines: string[] = [];
    createLogger('info', (line) => lines.push(line), frozenClock()).info('hello');
    expect(JSON.parse(lines[0] ?? '')).toEqual({ time: iso(TEST_NOW), level: 'info', msg: 'hello' });
  });
});
