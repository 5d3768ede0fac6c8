/** Two tenants (two keys, same server and upstream) look people up over HTTP at the same time. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { directoryRequests, fakeDirectory, people } from '../helpers/directory.js';
import { type HttpServerUnderTest, httpClient, startHttp } from '../helpers/http.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
let up: Upstream;
let server: HttpServerUnderTest;
beforeAll(async () => {
  const fake = fakeDirectory({
    'key-alpha acct-1': { users: people(250, 'alpha'), courses: [], content: [] },
    'key-beta acct-1': { users: people(130, 'beta'), courses: [], content: [] },
  });
  up = await startUpstream(fake.responder);
  server = await startHttp(up.url);
});
afterAll(async () => {
  await server.close();
  await up.close();
});

test('each tenant walks and caches its own directory; neither ever sees the other', async () => {
  const alpha = await httpClient(server.url, { authorization: basic('key-alpha'), 'x-account-id': 'acct-1' });
  const beta = await httpClient(server.url, { authorization: basic('key-beta'), 'x-account-id': 'acct-1' });
  try {
    const [a, b] = await Promise.all([
      alpha.call('find_users', { query: 'dana' }),
      beta.call('find_users', { query: 'dana' }),
    ]);
    const ids = (r: typeof a) => (r.structuredContent as { matches: Array<{ id: string }> }).matches.map((m) => m.id);
    expect(ids(a)).toEqual(['alpha-dana-l', 'alpha-dana-w']);
    expect(ids(b)).toEqual(['beta-dana-l', 'beta-dana-w']);
    // Same account id, different keys: still two tenants, two walks (250 and 130 people at 100 a page).
    const byKey = (key: string) => directoryRequests(up.requests).filter((p) => p.headers.authorization === basic(key));
    expect(byKey('key-alpha')).toHaveLength(3);
    expect(byKey('key-beta')).toHaveLength(2);

    // Repeats come from each tenant's own cache, across stateless HTTP requests.
    const [a2, b2] = await Promise.all([
      alpha.call('find_users', { query: 'zoe' }),
      beta.call('find_users', { query: 'zoe' }),
    ]);
    expect(ids(a2)).toEqual(['alpha-zoe']);
    expect(ids(b2)).toEqual(['beta-zoe']);
    expect(directoryRequests(up.requests)).toHaveLength(5);

    // The same key for another account is another tenant: its own walk (and here StackOne's refusal).
    const other = await alpha.call('find_users', { query: 'dana', account_id: 'acct-2' });
    expect(other.isError).toBe(true);
    expect(directoryRequests(up.requests)).toHaveLength(6);
  } finally {
    await alpha.close();
    await beta.close();
  }
});
