import { describe, expect, test } from 'vitest';
import type { ServerDeps } from '../../src/server.js';
import type { StackOneClient } from '../../src/stackone/client.js';
import { depsForTenant, MAX_KEY_LENGTH, tenantOf } from '../../src/transports/tenant.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** Headers as node's req.headersDistinct gives them: every value in an array. */
const h = (headers: Record<string, string | string[]>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));

describe('tenantOf', () => {
  test('Basic key:, x-stackone-api-key and x-account-id', () => {
    expect(tenantOf(h({ authorization: `Basic ${b64('k1:')}`, 'x-account-id': 'a1' }), false)).toEqual({
      apiKey: 'k1',
      accountId: 'a1',
    });
    expect(tenantOf(h({ authorization: `basic  ${b64('k1')}` }), false)).toEqual({ apiKey: 'k1' });
    expect(tenantOf(h({ 'x-stackone-api-key': 'k2' }), false)).toEqual({ apiKey: 'k2' });
    expect(tenantOf(h({ authorization: `Basic ${b64('k1:')}`, 'x-stackone-api-key': 'k1' }), false)).toEqual({
      apiKey: 'k1',
    });
    // With the bearer token in use, Authorization is ours: the key comes from x-stackone-api-key.
    expect(tenantOf(h({ authorization: 'Bearer t', 'x-stackone-api-key': 'k2' }), true)).toEqual({ apiKey: 'k2' });
    expect(tenantOf(h({ authorization: 'Bearer t' }), true)).toEqual({});
    expect(tenantOf({}, false)).toEqual({});
  });

  test.each([
    ['Basic %%%'],
    ['Basic '],
    ['Basic'],
    ['Basic Og=='],
    [`Basic ${b64(':')}`],
    [`Basic ${b64('k:pw')}`],
    [`Basic ${b64('k\n1:')}`],
    [`Basic ${b64('a b:')}`],
    [`Basic ${Buffer.from([0xff, 0xfe, 0x3a]).toString('base64')}`],
    [`Basic ${b64(`${'k'.repeat(MAX_KEY_LENGTH + 1)}:`)}`],
    ['Bearer x'],
    ['Digest x'],
    [''],
  ])('Authorization %j is refused with 401 naming the accepted forms', (authorization) => {
    const out = tenantOf({ authorization: [authorization] }, false);
    expect(out).toMatchObject({ status: 401 });
    expect('error' in out && out.error).toMatch(/Authorization: Basic base64\(<key>:\)` or `x-stackone-api-key/);
  });

  test('a bad x-stackone-api-key is refused with 401; with a bearer token the message names only the header', () => {
    for (const key of ['', ' ', 'k\r\nX-Evil: 1', 'k'.repeat(MAX_KEY_LENGTH + 1)]) {
      expect(tenantOf(h({ 'x-stackone-api-key': key }), false)).toMatchObject({ status: 401 });
      const out = tenantOf(h({ 'x-stackone-api-key': key }), true);
      expect(out).toMatchObject({ status: 401, error: expect.stringMatching(/`x-stackone-api-key: <key>`/) });
      expect('error' in out && out.error).not.toMatch(/Basic/);
    }
    expect(tenantOf(h({ 'x-stackone-api-key': 'k'.repeat(MAX_KEY_LENGTH) }), false)).toEqual({
      apiKey: 'k'.repeat(MAX_KEY_LENGTH),
    });
  });

  test('duplicates and bad accounts are refused with 400', () => {
    for (const name of ['authorization', 'x-stackone-api-key', 'x-account-id']) {
      expect(tenantOf({ [name]: ['a', 'a'] }, false)).toMatchObject({
        status: 400,
        error: `Send one ${name} header, not 2.`,
      });
    }
    expect(tenantOf(h({ 'x-account-id': 'a'.repeat(257) }), false)).toMatchObject({
      status: 400,
      error: expect.stringMatching(/x-account-id header: is longer than 256 characters/),
    });
    expect(tenantOf(h({ 'x-account-id': 'a'.repeat(256) }), false)).toEqual({ accountId: 'a'.repeat(256) });
    expect(tenantOf(h({ 'x-account-id': 'a\u0001b' }), false)).toMatchObject({ status: 400 });
    // Only what a header can carry, the rule every account id meets: a look-alike Cyrillic letter is refused here.
    expect(tenantOf(h({ 'x-account-id': 'acct-\u0410' }), false)).toMatchObject({ status: 400 });
    expect(tenantOf(h({ 'x-stackone-api-key': 'sk_\u00e9' }), false)).toMatchObject({ status: 401 });
    expect(tenantOf(h({ 'x-account-id': '' }), false)).toMatchObject({ status: 400 });
    expect(tenantOf(h({ authorization: `Basic ${b64('k1:')}`, 'x-stackone-api-key': 'k2' }), false)).toMatchObject({
      status: 400,
    });
  });
});

describe('depsForTenant: whose key and account a request runs with', () => {
  // Never called here: depsForTenant only passes the client on.
  const operator: ServerDeps = {
    stackone: {} as StackOneClient,
    now: () => 0,
    apiKey: 'operator-key',
    accountId: 'operator-acct',
  };

  test("a tenant's key and account win over the operator's, each on its own; none brought, the operator's", () => {
    expect(
      depsForTenant(operator, { apiKey: 'tenant-key', accountId: 'tenant-acct' }, { sandbox: false }),
    ).toMatchObject({ apiKey: 'tenant-key', accountId: 'tenant-acct' });
    expect(depsForTenant(operator, { apiKey: 'tenant-key' }, { sandbox: false })).toMatchObject({
      apiKey: 'tenant-key',
      accountId: 'operator-acct',
    });
    expect(depsForTenant(operator, { accountId: 'tenant-acct' }, { sandbox: false })).toMatchObject({
      apiKey: 'operator-key',
      accountId: 'tenant-acct',
    });
    expect(depsForTenant(operator, {}, { sandbox: false })).toMatchObject({
      apiKey: 'operator-key',
      accountId: 'operator-acct',
    });
    expect(depsForTenant({ ...operator, apiKey: undefined }, {}, { sandbox: false }).missingKeyHint).toMatch(
      /Authorization: Basic base64\(<key>:\)/,
    );
  });

  test("in sandbox mode a tenant's real key is never sent to the emulator; its account choice still counts", () => {
    expect(
      depsForTenant(operator, { apiKey: 'sk_live_real', accountId: 'globex-lms' }, { sandbox: true }),
    ).toMatchObject({ apiKey: 'operator-key', accountId: 'globex-lms' });
  });
});
