import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, test } from 'vitest';
import { Directory, type DirectoryOptions } from '../../src/stackone/directory.js';
import { directoryRequests, type FakeDirectory, fakeDirectory, people, person, T0 } from '../helpers/directory.js';
import { stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY, textOf, type Wired, wire } from '../helpers/wire.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

interface Setup {
  fake: FakeDirectory;
  up: Upstream;
  w: Wired;
  directory: Directory;
  clock: { now: number };
}

async function setup(options: Partial<DirectoryOptions> = {}, count = 320): Promise<Setup> {
  const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: { users: people(count), courses: [], content: [] } });
  const up = await startUpstream(fake.responder);
  cleanup.push(() => up.close());
  const clock = { now: T0 + 3_600_000 };
  // One clock for the server, its client and its directory; the tests move it.
  const now = () => clock.now;
  const directory = new Directory({ now, ...options });
  const w = await wire(up.url, { deps: { directory }, now });
  cleanup.push(() => w.close());
  return { fake, up, w, directory, clock };
}

const find = (wired: Wired, query: string, extra: Record<string, unknown> = {}) =>
  wired.call('find_users', { query, ...extra });
const lines = (result: CallToolResult) => textOf(result).split('\n');

describe('find_users', () => {
  test('walks GET /unified/lms/users by cursor, 100 a page, asking only for the fields it shows', async () => {
    const s = await setup();
    const result = await find(s.w, 'dana');
    expect(result.isError).toBeFalsy();
    const pages = directoryRequests(s.up.requests);
    expect(pages).toHaveLength(4);
    expect(pages[0]?.query.get('page_size')).toBe('100');
    expect(pages[0]?.query.get('fields')).toBe('id,remote_id,external_reference,active,email,name,updated_at');
    expect(pages[0]?.query.has('next')).toBe(false);
    expect(pages[1]?.query.get('next')).toBeTruthy();
    expect(pages[0]?.headers['x-account-id']).toBe(ACCOUNT);
    expect(pages.some((p) => p.query.has('filter[updated_after]'))).toBe(false);
  });

  test('one line per person: both Danas, not someone whose email holds the name', async () => {
    const s = await setup();
    const out = lines(await find(s.w, 'DANA'));
    expect(out[0]).toBe('2 LMS users match "DANA" (searched 320 people in account acct-42):');
    expect(out[1]).toBe('- Dana Li <d.li@corp.example>: id u-dana-l, external reference HR-u-dana-l');
    expect(out[2]).toBe('- Dana Whitaker <dana.whitaker@corp.example>: id u-dana-w, external reference HR-u-dana-w');
    expect(out).toContain('Several people match: ask which one is meant, or narrow the query (a surname, the email).');
    expect(out.join('\n')).not.toContain('Chris Park');
  });

  test('with no match by name, a match on email or reference is listed and marked', async () => {
    const s = await setup();
    expect(lines(await find(s.w, 'whitaker backup'))).toEqual([
      '1 LMS user matches "whitaker backup" (searched 320 people in account acct-42):',
      '- Chris Park <dana.whitaker.backup@corp.example>: id u-chris, external reference HR-u-chris (matched on email or reference, not name)',
      'Next: pass the id as `id` to list_user_assignments, create_user_assignment or create_user_completion.',
    ]);
  });

  test('every word must match: "dana whitaker" never returns Dana Li; the whole name is an exact match', async () => {
    const s = await setup();
    const result = await find(s.w, 'dana whitaker');
    const summary = textOf(result);
    expect(summary).not.toContain('Dana Li');
    expect(lines(result)[1]).toMatch(/^- Dana Whitaker /);
    expect(summary).not.toContain('Several people match');
    expect(summary).toMatch(/Next: pass the id as `id` to list_user_assignments/);
    const structured = result.structuredContent as { matches: Array<{ id: string }>; searched: number };
    expect(structured.matches.map((m) => m.id)).toEqual(['u-dana-w']);
    expect(structured).toMatchObject({ more: 0, searched: 320, complete: true });
    // Only the fields asked for are kept: no phone numbers or custom fields in results or memory.
    expect(Object.keys(structured.matches[0] ?? {}).sort()).toEqual(
      ['active', 'email', 'external_reference', 'id', 'name', 'remote_id', 'updated_at'].sort(),
    );
  });

  test('case and accents are ignored both ways; letters NFD keeps whole fold too (ø)', async () => {
    const s = await setup();
    expect(lines(await find(s.w, 'zoe lefevre'))[1]).toBe(
      '- Zoë Lefèvre <z.l@corp.example>: id u-zoe, external reference HR-u-zoe',
    );
    expect(lines(await find(s.w, 'Zoë'))[1]).toMatch(
      /^- Zoë Lefèvre <z\.l@corp\.example>: id u-zoe, external reference HR-u-zoe$/,
    );
    expect(lines(await find(s.w, 'soren ostergaard'))[1]).toMatch(
      /^- Søren Østergaard <so@corp\.example>: id u-soren, [^(]+$/,
    );
    expect(lines(await find(s.w, 'JOSÉ NUNEZ'))[1]).toMatch(/^- José Núñez <jn@corp\.example>: id u-nunez, [^(]+$/);
  });

  test('an exact email, id or external reference comes first', async () => {
    const s = await setup();
    const byEmail = await find(s.w, 'dana.whitaker@corp.example');
    expect(lines(byEmail)[1]).toMatch(/^- Dana Whitaker /);
    expect(lines(await find(s.w, 'u-dana-l'))[1]).toMatch(/^- Dana Li /);
    expect(lines(await find(s.w, 'r-u-dana-l'))[1]).toMatch(/^- Dana Li /);
  });

  test("an exact email or external reference on a cold cache is one request with StackOne's filter, not a walk", async () => {
    const s = await setup();
    const byEmail = await find(s.w, 'Dana.Whitaker@corp.example');
    expect([...(directoryRequests(s.up.requests)[0]?.query.keys() ?? [])]).toEqual([
      'fields',
      'filter[email]',
      'page_size',
    ]);
    expect(directoryRequests(s.up.requests)[0]?.query.get('filter[email]')).toBe('Dana.Whitaker@corp.example');
    // The fake, as StackOne may, compares the email as sent: this one differs in case, so nothing came back and the
    // lookup walked the directory, where the match ignores case.
    expect(lines(byEmail)[1]).toMatch(/^- Dana Whitaker /);
    expect(directoryRequests(s.up.requests)).toHaveLength(1 + 4);

    const t = await setup();
    const exact = await find(t.w, 'dana.whitaker@corp.example');
    expect(directoryRequests(t.up.requests)).toHaveLength(1);
    expect(lines(exact)).toEqual([
      '1 LMS user matches "dana.whitaker@corp.example" (found by its exact email (filter[email]) in account acct-42):',
      '- Dana Whitaker <dana.whitaker@corp.example>: id u-dana-w, external reference HR-u-dana-w',
      'Next: pass the id as `id` to list_user_assignments, create_user_assignment or create_user_completion.',
    ]);
    expect(exact.structuredContent).toMatchObject({ searched: 1, complete: true, more: 0 });
    const byRef = await find(t.w, 'HR-u1005');
    expect(directoryRequests(t.up.requests)[1]?.query.get('filter[external_reference]')).toBe('HR-u1005');
    expect(lines(byRef)[1]).toMatch(/^- \w+ \w+ <.*>: id u1005, external reference HR-u1005$/);
    expect(directoryRequests(t.up.requests)).toHaveLength(2);

    // Once the directory is cached, an exact query is answered from it without any request.
    await find(t.w, 'dana');
    const walked = directoryRequests(t.up.requests).length;
    expect(lines(await find(t.w, 'HR-u1006'))[1]).toMatch(/: id u1006, /);
    expect(directoryRequests(t.up.requests)).toHaveLength(walked);
  });

  test('a provider that ignores filter[email], or refuses it: the answer is still exact, from the directory', async () => {
    const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: { users: people(320), courses: [], content: [] } });
    let refuse = false;
    const up = await startUpstream((req, res, raw) => {
      if (!req.query.has('filter[email]')) return fake.responder(req, res, raw);
      if (refuse) return stackoneError(400, 'Unknown filter')(req, res);
      const query = new URLSearchParams(req.query);
      query.delete('filter[email]');
      return fake.responder({ ...req, query }, res, raw);
    });
    cleanup.push(() => up.close());
    const w = await wire(up.url, { deps: { directory: new Directory({ now: () => T0 }) }, now: () => T0 });
    cleanup.push(() => w.close());
    // The first ten people came back, none of them Dana: only an exact match counts, so the directory is walked.
    const result = await find(w, 'dana.whitaker@corp.example');
    expect(directoryRequests(up.requests)).toHaveLength(1 + 4);
    expect(lines(result)[0]).toBe(
      '1 LMS user matches "dana.whitaker@corp.example" (searched 320 people in account acct-42):',
    );
    // A near miss among those ten (alex.smith0@…) is not an exact answer either: the directory says who matches.
    const near = await wire(up.url, { deps: { directory: new Directory({ now: () => T0 }) }, now: () => T0 });
    cleanup.push(() => near.close());
    const before = directoryRequests(up.requests).length;
    expect(lines(await find(near, 'alex.smith@corp.example'))[0]).toMatch(
      /\(searched 320 people in account acct-42\):$/,
    );
    expect(directoryRequests(up.requests)).toHaveLength(before + 1 + 4);
    const other = await wire(up.url, { deps: { directory: new Directory({ now: () => T0 }) }, now: () => T0 });
    cleanup.push(() => other.close());
    refuse = true;
    const refused = await find(other, 'dana.whitaker@corp.example');
    expect(refused.isError).toBeFalsy();
    expect(lines(refused)[1]).toMatch(/^- Dana Whitaker /);
  });

  test('an inactive person is marked inactive', async () => {
    const s = await setup();
    expect(lines(await find(s.w, 'jordan'))[1]).toBe(
      '- Jordan Reyes <jordan.reyes@corp.example>: id u-jordan, external reference HR-u-jordan, inactive',
    );
  });

  test('many matches: at most 20 lines, a count of the rest and how to narrow', async () => {
    const s = await setup();
    const result = await find(s.w, 'corp.example');
    const out = lines(result);
    expect(out[0]).toMatch(/^320 LMS users match/);
    expect(out.filter((l) => l.startsWith('- '))).toHaveLength(20);
    expect(out).toContain('…and 300 more not listed: add a surname, or use the email, to narrow.');
    expect(result.structuredContent).toMatchObject({ more: 300 });
  });

  test('none found: how many were searched and what to try', async () => {
    const s = await setup();
    const result = await find(s.w, 'dana whitakr');
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe(
      [
        'No LMS user matches "dana whitakr" (searched 320 people in account acct-42).',
        'Try part of the name (a first name or surname alone), the email, or the external reference; check the spelling and account_id.',
      ].join('\n'),
    );
    expect(result.structuredContent).toEqual({
      summary: expect.any(String),
      matches: [],
      more: 0,
      searched: 320,
      complete: true,
    });
  });

  test('a repeat inside the TTL makes no request; after it, one delta with filter[updated_after]', async () => {
    const s = await setup({ ttlMs: 60_000 });
    await find(s.w, 'dana');
    expect(directoryRequests(s.up.requests)).toHaveLength(4);
    s.clock.now += 59_000;
    await find(s.w, 'sam');
    expect(directoryRequests(s.up.requests)).toHaveLength(4);

    // Dana Li is renamed and someone joins; the next lookup after the TTL asks only for changes.
    const tenant = s.fake.tenants.get(`${API_KEY} ${ACCOUNT}`);
    const li = tenant?.users.find((u) => u.id === 'u-dana-l');
    if (!tenant || !li) throw new Error('fixture');
    const changedAt = new Date(s.clock.now).toISOString();
    Object.assign(li, { name: 'Dana Li-Moreau', updated_at: changedAt });
    tenant.users.push(person('u-new', 'Dana Newcomer', 'dana.n@corp.example', { updated_at: changedAt }));
    s.clock.now += 2_000;
    const result = await find(s.w, 'dana');
    const requests = directoryRequests(s.up.requests);
    expect(requests).toHaveLength(5);
    const since = requests[4]?.query.get('filter[updated_after]');
    // The last sync started when the first walk did, less five minutes for clock skew.
    expect(since).toBe(new Date(T0 + 3_600_000 - 5 * 60_000).toISOString());
    expect(textOf(result)).toContain('Dana Li-Moreau');
    expect(textOf(result)).toContain('Dana Newcomer');
    expect(textOf(result)).toContain('searched 321 people');
    // And the delta restarted the TTL.
    await find(s.w, 'dana');
    expect(directoryRequests(s.up.requests)).toHaveLength(5);
  });

  test('a delta StackOne refuses means a full walk; a delta that fails in passing answers from what is known', async () => {
    const s = await setup({ ttlMs: 60_000 });
    await find(s.w, 'dana');
    expect(directoryRequests(s.up.requests)).toHaveLength(4);
    // A provider without filter[updated_after]: the delta is refused, so the lookup walks the directory again.
    s.clock.now += 61_000;
    s.up.enqueue(stackoneError(400, 'filter[updated_after] is not supported'));
    const walked = await find(s.w, 'dana');
    expect(walked.isError).toBeFalsy();
    expect(textOf(walked)).toMatch(/^2 LMS users match "dana" \(searched 320 people/);
    expect(directoryRequests(s.up.requests)).toHaveLength(4 + 1 + 4);
    // StackOne failing for a moment: the answer comes from the cached directory, and the next lookup asks again.
    s.clock.now += 61_000;
    s.up.enqueue(stackoneError(503, 'busy'), stackoneError(503, 'busy'), stackoneError(503, 'busy'));
    const cached = await find(s.w, 'dana');
    expect(cached.isError).toBeFalsy();
    expect(textOf(cached)).toMatch(/^2 LMS users match "dana" \(searched 320 people/);
    expect(directoryRequests(s.up.requests)).toHaveLength(9 + 3);
  });

  test('with a TTL of 0 nothing is kept: each lookup walks', async () => {
    const s = await setup({ ttlMs: 0 });
    await find(s.w, 'dana');
    await find(s.w, 'dana');
    expect(directoryRequests(s.up.requests)).toHaveLength(8);
  });

  test('concurrent lookups share one walk', async () => {
    const s = await setup();
    const held = s.fake.hold(1);
    const calls = [find(s.w, 'dana'), find(s.w, 'jordan'), find(s.w, 'zoe')];
    await until(() => s.directory.readers === 3);
    held.release();
    const results = await Promise.all(calls);
    expect(directoryRequests(s.up.requests)).toHaveLength(4);
    expect(results.map((r) => lines(r)[0])).toEqual([
      expect.stringMatching(/^2 LMS users match "dana"/),
      expect.stringMatching(/^1 LMS user matches "jordan"/),
      expect.stringMatching(/^1 LMS user matches "zoe"/),
    ]);
  });

  test('a walk cut short at its page bound says so, suggests an exact query, and the next lookup resumes', async () => {
    const s = await setup({ maxPages: 2 });
    const first = await find(s.w, 'dana');
    expect(textOf(first)).toBe(
      [
        '2 LMS users match "dana" (searched the first 200 people only in account acct-42):',
        '- Dana Li <d.li@corp.example>: id u-dana-l, external reference HR-u-dana-l',
        '- Dana Whitaker <dana.whitaker@corp.example>: id u-dana-w, external reference HR-u-dana-w',
        'Several people match: ask which one is meant, or narrow the query (a surname, the email).',
        "The directory was not read to its end (this lookup's page limit), so others may match too. Call find_users again to read further, or give a more exact query (the email, external reference or id).",
        'Next: once you know which person, pass their id as `id` to the other tools.',
      ].join('\n'),
    );
    expect(first.structuredContent).toMatchObject({ searched: 200, complete: false });
    const second = await find(s.w, 'dana');
    const pages = directoryRequests(s.up.requests);
    expect(pages).toHaveLength(4);
    expect(pages[2]?.query.get('next')).toBe(Buffer.from('200').toString('base64url'));
    expect(lines(second)[0]).toBe('2 LMS users match "dana" (searched 320 people in account acct-42):');
  });

  test('a walk is bounded in time too', async () => {
    const s = await setup({ maxWalkMs: 1_000 });
    s.fake.onPage = () => {
      s.clock.now += 600;
    };
    const result = await find(s.w, 'nobody');
    expect(directoryRequests(s.up.requests)).toHaveLength(2);
    expect(textOf(result)).toContain('(searched the first 200 people only in account acct-42)');
    expect(textOf(result)).toContain("The directory was not read to its end (this lookup's time limit)");
  });

  test('progress after each page when the client sent a progress token; a total only once it is known', async () => {
    const s = await setup();
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const progressOf = (query: string) =>
      s.w.client.callTool({ name: 'find_users', arguments: { query } }, { onprogress: (p) => seen.push(p) });
    await progressOf('dana');
    // The page cap (200) is not a total: a client would show 1% of a walk that ends at page 4.
    expect(seen.map((p) => [p.progress, p.total])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, undefined],
      [4, 4],
    ]);
    expect(seen[0]?.message).toBe('Reading the LMS people: page 1, 100 so far');
    expect(seen[3]?.message).toBe('Reading the LMS people: page 4, 320 so far');
    // From the cache: no page, no progress.
    seen.length = 0;
    await progressOf('jordan');
    expect(seen).toEqual([]);

    // Cut short by the page bound: the last page read carries the total of pages read.
    const t = await setup({ maxPages: 2 });
    const cut: Array<[number, number | undefined]> = [];
    await t.w.client.callTool(
      { name: 'find_users', arguments: { query: 'dana' } },
      { onprogress: (p) => cut.push([p.progress, p.total]) },
    );
    expect(cut).toEqual([
      [1, undefined],
      [2, 2],
    ]);
  });

  test('cancelled mid-walk: the upstream request is dropped, no further page is asked for, and the next lookup resumes', async () => {
    const s = await setup();
    const held = s.fake.hold(2);
    const controller = new AbortController();
    const call = find(s.w, 'dana').then((r) => lines(r)[0]);
    const cancelled = s.w.call('find_users', { query: 'jordan' }, { signal: controller.signal });
    await s.up.waitForRequests(2);
    await until(() => s.directory.readers === 2);
    controller.abort();
    await expect(cancelled).rejects.toThrow();
    await until(() => s.directory.readers === 1);
    // The other lookup still waits on the same walk: it goes on.
    held.release();
    expect(await call).toMatch(/^2 LMS users match "dana" \(searched 320 people/);
    expect(directoryRequests(s.up.requests)).toHaveLength(4);

    // Alone, a cancel stops the walk: the held page's socket is closed and nothing follows it.
    const t = await setup();
    t.fake.hold(2);
    const alone = new AbortController();
    const lone = t.w.call('find_users', { query: 'dana' }, { signal: alone.signal });
    await t.up.waitForRequests(2);
    alone.abort();
    await expect(lone).rejects.toThrow();
    await t.up.waitForSocketsClosed(1);
    expect(directoryRequests(t.up.requests)).toHaveLength(2);
    // The page read before the cancel is kept: the next lookup starts at page 2.
    const again = await find(t.w, 'dana');
    const pages = directoryRequests(t.up.requests);
    expect(pages[2]?.query.get('next')).toBe(Buffer.from('100').toString('base64url'));
    expect(lines(again)[0]).toMatch(/^2 LMS users match "dana" \(searched 320 people/);
  });

  test('a refused resume (an expired cursor) is an actionable error, and the next lookup starts over', async () => {
    const s = await setup({ maxPages: 1 });
    expect((await find(s.w, 'dana')).structuredContent).toMatchObject({ complete: false, searched: 100 });
    s.up.enqueue(stackoneError(400, 'Invalid cursor'));
    const refused = await find(s.w, 'dana');
    expect(directoryRequests(s.up.requests)[1]?.query.get('next')).toBe(Buffer.from('100').toString('base64url'));
    expect(textOf(refused)).toMatch(/^StackOne answered HTTP 400: Invalid cursor\./);
    const fresh = await find(s.w, 'dana');
    expect(fresh.isError).toBeFalsy();
    expect(directoryRequests(s.up.requests)[2]?.query.has('next')).toBe(false);
  });

  test('an upstream refusal is an actionable error; account controls apply before any request', async () => {
    const s = await setup();
    const wrongAccount = await find(s.w, 'dana', { account_id: 'acct-other' });
    expect(wrongAccount.isError).toBe(true);
    expect(textOf(wrongAccount)).toMatch(/401/);
    const guarded = await wire(s.up.url, { deps: { allowedAccountIds: [ACCOUNT] } });
    cleanup.push(() => guarded.close());
    const before = s.up.requests.length;
    const refused = await find(guarded, 'dana', { account_id: 'acct-99' });
    expect(textOf(refused)).toMatch(/not allowed on this server/);
    expect(s.up.requests).toHaveLength(before);
  });

  test.each([
    [{}, /query is required/],
    [{ query: '   ' }, /query must not be empty/],
    [{ query: 'x'.repeat(201) }, /longer than 200/],
    [{ query: 'dana', limit: 5 }, /unknown field "limit"/],
  ])('invalid input %j is refused before any request', async (args, message) => {
    const s = await setup();
    const result = await s.w.call('find_users', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(s.up.requests).toHaveLength(0);
  });
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
