import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { toQueryString } from '../../src/stackone/query.js';

describe('toQueryString', () => {
  test('deep-object style for objects, scalars as-is, absent values left out', () => {
    expect(
      toQueryString({
        filter: { status: 'completed', updated_after: '2020-01-01T00:00:00.000Z' },
        page_size: 25,
        raw: false,
        next: undefined,
        fields: null,
      }),
    ).toBe('filter[status]=completed&filter[updated_after]=2020-01-01T00%3A00%3A00.000Z&page_size=25&raw=false');
  });

  test('arrays repeat the key; nested objects nest brackets', () => {
    expect(toQueryString({ proxy: { tags: ['a', 'b'], deep: { x: 1 } } })).toBe(
      'proxy[tags]=a&proxy[tags]=b&proxy[deep][x]=1',
    );
  });

  test('keys and values are percent-encoded; only our own brackets stay literal', () => {
    expect(toQueryString({ proxy: { 'a]b[c': 'x&y=z', 'ü ': '/?#' } })).toBe(
      'proxy[a%5Db%5Bc]=x%26y%3Dz&proxy[%C3%BC%20]=%2F%3F%23',
    );
  });

  test('prototype-looking keys are plain keys', () => {
    const proxy = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "x"}');
    expect(toQueryString({ proxy })).toBe('proxy[__proto__][polluted]=1&proxy[constructor]=x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('objects inside lists and runaway nesting are input errors', () => {
    expect(() => toQueryString({ proxy: { a: [{ b: 1 }] } })).toThrow(InputError);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(() => toQueryString({ proxy: deep as never })).toThrow(/nested more than/);
  });
});
