import { describe, expect, test } from 'vitest';
import {
  BadResponseError,
  CancelledError,
  clean,
  describeError,
  NetworkError,
  TimeoutError,
  upstreamErrorFrom,
} from '../../src/errors.js';
import { backoffMs, parseRetryAfter } from '../../src/stackone/client.js';

describe('describeError', () => {
  test('a 429 says when to retry', () => {
    const text = describeError(upstreamErrorFrom(429, { message: 'Too many requests' }, 30), { intent: 'read' });
    expect(text).toMatch(/HTTP 429: Too many requests/);
    expect(text).toMatch(/Retry after 30 s/);
  });

  test('a 404 points at the account first: org-wide tools name no user, and an unknown account is the usual cause', () => {
    const text = describeError(upstreamErrorFrom(404, { message: 'Account not found' }, undefined), { intent: 'read' });
    expect(text).toMatch(/HTTP 404: Account not found\.\nNot found\. Check the account id/);
    expect(text).toMatch(/find_users/);
  });

  test('writes that may have landed point at the list; ones that could not have landed say so', () => {
    const reached = describeError(new TimeoutError(1000), { intent: 'write', what: 'assignment of x' });
    expect(reached).toMatch(/check whether the assignment of x now exists/);
    const refused = describeError(new NetworkError('ECONNREFUSED', false), { intent: 'write' });
    expect(refused).toMatch(/safe to try again/);
    const rejected = describeError(upstreamErrorFrom(422, { message: 'bad' }, undefined), { intent: 'write' });
    expect(rejected).not.toMatch(/may have reached/);
    const unreadable = describeError(new BadResponseError(201, 'the body is empty'), { intent: 'write' });
    expect(unreadable).toMatch(/may have reached/);
  });

  test('cancellation and unknown errors', () => {
    expect(describeError(new CancelledError(), { intent: 'read' })).toMatch(/Cancelled/);
    expect(describeError(new Error('boom\nline'), { intent: 'read' })).toBe('Unexpected error: boom line');
  });

  test('upstream text is cleaned: one line, no control characters, bounded', () => {
    expect(clean('a\r\n\tb\u0000c')).toBe('a b c');
    expect(clean('x'.repeat(500)).length).toBe(300);
  });
});

describe('parseRetryAfter', () => {
  test('seconds, HTTP dates, past dates, junk', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  test('backoff grows and stays near its base', () => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const base = 500 * 2 ** (attempt - 1);
      const ms = backoffMs(attempt);
      expect(ms).toBeGreaterThanOrEqual(base * 0.8);
      expect(ms).toBeLessThanOrEqual(base * 1.2);
    }
  });
});
