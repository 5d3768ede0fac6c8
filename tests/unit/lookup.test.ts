import { describe, expect, test } from 'vitest';
import {
  type DirectorySnapshot,
  MemoryDirectoryStore,
  snapshotBytes,
  tenantKey,
} from '../../src/stackone/directory.js';
import { fold, Rank, rank, search, verbatim, words } from '../../src/tools/lookup.js';
import { API_KEY } from '../helpers/wire.js';

const person = (name: string, email = '', id = 'x') => ({ label: name, ids: [id, email], extra: [email] });

describe('matching', () => {
  test('fold: lower case, accents off, letters NFD keeps whole folded', () => {
    expect(fold('Zoë LEFÈVRE')).toBe('zoe lefevre');
    expect(fold('Søren Łukasz Strauß Æsir')).toBe('soren lukasz strauss aesir');
  });

  test('words: letters and digits; a record also offers each word with its punctuation dropped', () => {
    expect(words("Anne-Marie O'Neil")).toEqual(['anne', 'marie', 'o', 'neil']);
    expect(words("Anne-Marie O'Neil", true)).toEqual(['anne', 'marie', 'o', 'neil', 'annemarie', 'oneil']);
  });

  test('rank: exact ids and whole names first, then every word on the name, then on email or references', () => {
    expect(rank('DANA.W@corp.example', person('Dana Whitaker', 'dana.w@corp.example'))).toBe(Rank.Exact);
    expect(rank('dana  whitaker', person('Dana Whitaker'))).toBe(Rank.Exact);
    expect(rank('dan whit', person('Dana Whitaker'))).toBe(Rank.Name);
    expect(rank('oneil', person("Siobhan O'Neil"))).toBe(Rank.Name);
    expect(rank('dana', person('Chris Park', 'dana.backup@corp.example'))).toBe(Rank.Other);
    expect(rank('dana whitaker', person('Dana Li'))).toBeUndefined();
    expect(rank('ana', person('Dana Li'))).toBeUndefined();
    expect(rank('!!!', person('Dana Li'))).toBeUndefined();
  });

  test('search orders by rank, then name; email-only matches only when no name matches', () => {
    const records = [person('Dana Whitaker'), person('Chris Park', 'dana@x'), person('Dana Li'), person('Sam')];
    expect(search('dana', records, (r) => r).map((m) => m.record.label)).toEqual(['Dana Li', 'Dana Whitaker']);
    expect(search('dana@x', records, (r) => r).map((m) => m.record.label)).toEqual(['Chris Park']);
    expect(search('dana x', records, (r) => r).map((m) => m.record.label)).toEqual(['Chris Park']);
  });
});

describe('the directory store', () => {
  const snap = (n: number): DirectorySnapshot => ({
    records: Array.from({ length: n }, (_, i) => ({ id: String(i) })),
    walkedAt: 0,
    syncedAt: 0,
    complete: true,
  });

  test('holds at most maxBytes of JSON across tenants and lists, dropping the least recently used first', async () => {
    const bytes = (n: number) => snapshotBytes(snap(n));
    // Counted as JSON, whatever the records hold: 40 short records and 4 long ones weigh what their text weighs.
    const long = (n: number): DirectorySnapshot => ({
      ...snap(0),
      records: Array.from({ length: n }, (_, i) => ({ id: String(i), name: 'x'.repeat(500) })),
    });
    const bound = bytes(40) * 2 + snapshotBytes(long(1));
    const store = new MemoryDirectoryStore(bound);
    await store.put('a', snap(40));
    await store.put('b', snap(40));
    expect(store.size).toBe(bytes(40) * 2);
    await store.get('a');
    await store.put('c', long(2));
    // Two long records outweigh one: the bound is passed, so the least recently used (b) goes, a stays.
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
    expect(store.size).toBe(bytes(40) + snapshotBytes(long(2)));
    await store.put('a', snap(10));
    expect(store.size).toBe(bytes(10) + snapshotBytes(long(2)));
    await store.put('huge', long(Math.ceil(bound / 500) + 1));
    expect(await store.get('huge')).toBeUndefined();
    expect(store.size).toBe(bytes(10) + snapshotBytes(long(2)));
    expect(store.size).toBeLessThanOrEqual(bound);
  });

  test('keys are digests: neither the key nor the account appears, and each tenant and collection differs', () => {
    const key = tenantKey('https://api.stackone.com', { apiKey: API_KEY, accountId: 'acct-42' }, 'users');
    expect(key).not.toContain(API_KEY);
    expect(key).not.toContain('acct-42');
    const others = [
      tenantKey('https://api.stackone.com', { apiKey: `${API_KEY}x`, accountId: 'acct-42' }, 'users'),
      tenantKey('https://api.stackone.com', { apiKey: API_KEY, accountId: 'acct-43' }, 'users'),
      tenantKey('https://eu.api.stackone.com', { apiKey: API_KEY, accountId: 'acct-42' }, 'users'),
      tenantKey('https://api.stackone.com', { apiKey: API_KEY, accountId: 'acct-42' }, 'courses'),
    ];
    expect(new Set([key, ...others]).size).toBe(5);
  });
});

describe('ids and references as a model must pass them back', () => {
  test('a plain token stays bare; anything else is JSON-quoted whole, never cut', () => {
    expect(verbatim('sec-awareness-2026')).toBe('sec-awareness-2026');
    expect(verbatim('c28xyrc55866bvuv')).toBe('c28xyrc55866bvuv');
    const long = `course/${'x'.repeat(300)}`;
    expect(verbatim(long)).toBe(long);
    expect(verbatim('Security Awareness 2026')).toBe('"Security Awareness 2026"');
    expect(verbatim('a\u2028b\u0085c\nd')).toBe('"a\\u2028b\\u0085c\\nd"');
  });
});
