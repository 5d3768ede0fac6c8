/** The label an outage of the shared store is logged with: a code or a class name, never a message. */
import { ConnectionTimeoutError, ErrorReply, SocketClosedUnexpectedlyError } from '@redis/client';
import { describe, expect, test } from 'vitest';
import { reasonOf } from '../../src/cache/shared.js';

describe('reasonOf', () => {
  test('a system error gives its code', () => {
    expect(reasonOf(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED',
    );
  });

  test("a reply error gives Redis's own first word, not the rest of the message", () => {
    expect(reasonOf(new ErrorReply('WRONGPASS invalid username-password pair'))).toBe('WRONGPASS');
  });

  test("the client's own errors, which leave name as Error and whose classes the bundle renames, are named by class", () => {
    expect(reasonOf(new SocketClosedUnexpectedlyError())).toBe('SocketClosedUnexpectedly');
    expect(reasonOf(new ConnectionTimeoutError())).toBe('ConnectionTimeout');
  });

  test('a message never reaches the label, whatever it holds', () => {
    const leaky = new Error('redis://user:s3cret@cache.internal:6379 refused');
    expect(reasonOf(leaky)).toBe('Error');
    expect(reasonOf(Object.assign(new Error('x'), { code: 'redis://user:s3cret@host' }))).toBe('Error');
    expect(reasonOf('a string')).toBe('unknown');
  });
});
