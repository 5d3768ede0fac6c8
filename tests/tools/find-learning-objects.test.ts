import { afterEach, describe, expect, test } from 'vitest';
import { Directory } from '../../src/stackone/directory.js';
import { catalogue, directoryRequests, fakeDirectory, T0 } from '../helpers/directory.js';
import { stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY, textOf, type Wired, wire } from '../helpers/wire.js';

let up: Upstream;
let w: Wired;
/** The server's, its client's and its directory's clock: the fake directory's rows are dated from T0. */
const atT0 = () => T0;
afterEach(async () => {
  await w.close();
  await up.close();
});

async function setup() {
  const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: { users: [], ...catalogue() } });
  up = await startUpstream(fake.responder);
  w = await wire(up.url, { deps: { directory: new Directory({ now: atT0 }) }, now: atT0 });
}

describe('find_learning_objects', () => {
  test('null means not set for type and account_id, as on the other tools', async () => {
    await setup();
    const result = await w.call('find_learning_objects', { query: 'security awareness', type: null, account_id: null });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^2 learning objects match/);
  });

  test('a provider that cannot list content still has its courses searched, and the answer says so', async () => {
    const fake = fakeDirectory({ [`${API_KEY} ${ACCOUNT}`]: { users: [], ...catalogue() } });
    up = await startUpstream((req, res, raw) =>
      req.path === '/unified/lms/content'
        ? stackoneError(501, 'Not implemented for this provider')(req, res)
        : fake.responder(req, res, raw),
    );
    w = await wire(up.url, { deps: { directory: new Directory({ now: atT0 }) }, now: atT0 });
    const result = await w.call('find_learning_objects', { query: 'security awareness' });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^2 learning objects match "security awareness"/);
    expect(textOf(result)).toMatch(/The content items could not be read \(.*501.*\); only the courses were searched\./);
    // Asked for content alone, the failure is the call's.
    const only = await w.call('find_learning_objects', { query: 'security awareness', type: 'content' });
    expect(only.isError).toBe(true);
  });

  test('reads courses and content by cursor, and lists title, type, the reference to pass, active, duration, languages', async () => {
    await setup();
    const result = await w.call('find_learning_objects', { query: 'security awareness' });
    expect(result.isError).toBeFalsy();
    expect(directoryRequests(up.requests, 'courses')).toHaveLength(2);
    expect(directoryRequests(up.requests, 'content')).toHaveLength(1);
    expect(directoryRequests(up.requests, 'courses')[0]?.query.get('fields')).toBe(
      'id,remote_id,external_reference,title,active,duration,languages,updated_at',
    );
    expect(directoryRequests(up.requests, 'content')[0]?.query.get('fields')).toBe(
      'id,remote_id,external_reference,title,active,duration,languages,updated_at,content_type',
    );
    expect(textOf(result)).toBe(
      [
        '2 learning objects match "security awareness" (searched 135 courses and content items in account acct-42):',
        '- "Security Awareness 2025" (course): learning_object_external_reference sec-awareness-2025, inactive, PT45M, en_GB',
        '- "Security Awareness 2026" (course): learning_object_external_reference sec-awareness-2026, active, PT45M, en_GB de_DE',
        'Several match: ask which one is meant, or narrow the query.',
        'Next: pass the learning_object_external_reference to create_user_assignment or create_user_completion.',
      ].join('\n'),
    );
    expect(result.structuredContent).toMatchObject({
      matches: [
        { type: 'course', external_reference: 'sec-awareness-2025' },
        { type: 'course', external_reference: 'sec-awareness-2026' },
      ],
      more: 0,
      searched: 135,
      complete: true,
    });
  });

  test('content shows its type; accents are ignored; an exact reference comes first', async () => {
    await setup();
    expect(textOf(await w.call('find_learning_objects', { query: 'phishing' }))).toContain(
      '- "Spotting a Phishing Email" (content: video): learning_object_external_reference phishing-video-01, active, PT8M, en_GB',
    );
    expect(textOf(await w.call('find_learning_objects', { query: 'cafe' }))).toContain('"Café Etiquette"');
    const exact = await w.call('find_learning_objects', { query: 'sec-awareness-2026' });
    expect(textOf(exact).split('\n')[1]).toContain('sec-awareness-2026');
    expect(textOf(exact)).not.toContain('Several match');
  });

  test('an exact reference on a cold cache asks the courses once with filter[external_reference]; content, which has no such filter, is walked', async () => {
    await setup();
    const course = await w.call('find_learning_objects', { query: 'gdpr-essentials' });
    expect(up.requests.map((r) => [r.path, r.query.get('filter[external_reference]')])).toEqual([
      ['/unified/lms/courses', 'gdpr-essentials'],
    ]);
    expect(textOf(course)).toBe(
      [
        '1 learning object matches "gdpr-essentials" (found by its exact reference (filter[external_reference]) among the courses in account acct-42):',
        '- "GDPR Essentials" (course): learning_object_external_reference gdpr-essentials, active, PT30M, en_GB',
        'Next: pass the learning_object_external_reference to create_user_assignment or create_user_completion.',
      ].join('\n'),
    );
    expect(course.structuredContent).toMatchObject({ matches: [{ type: 'course', id: 'c3' }], searched: 1 });
    // A content item's reference: no course has it (one more exact request), so both directories are walked.
    const content = await w.call('find_learning_objects', { query: 'phishing-video-01' });
    expect(textOf(content).split('\n')[1]).toMatch(/^- "Spotting a Phishing Email" \(content: video\)/);
    expect(directoryRequests(up.requests, 'courses')).toHaveLength(1 + 1 + 2);
    expect(directoryRequests(up.requests, 'content')).toHaveLength(1);
    expect(directoryRequests(up.requests, 'content').some((r) => r.query.has('filter[external_reference]'))).toBe(
      false,
    );
  });

  test('type content never asks by reference: StackOne documents no filter[external_reference] on content', async () => {
    await setup();
    await w.call('find_learning_objects', { query: 'cafe-etiquette', type: 'content' });
    expect(up.requests.map((r) => r.path)).toEqual(['/unified/lms/content']);
    expect(up.requests[0]?.query.has('filter[external_reference]')).toBe(false);
  });

  test('type narrows the reads: only courses asks nothing of /content', async () => {
    await setup();
    const result = await w.call('find_learning_objects', { query: 'gdpr', type: 'course' });
    expect(textOf(result)).toMatch(/^1 learning object matches "gdpr" \(searched 133 courses in account acct-42\)/);
    expect(directoryRequests(up.requests, 'content')).toHaveLength(0);
  });

  test('none found says what was searched and what to try; many are bounded with a count', async () => {
    await setup();
    const none = await w.call('find_learning_objects', { query: 'underwater basket weaving', type: 'content' });
    expect(textOf(none)).toBe(
      [
        'No content matches "underwater basket weaving" (searched 2 content items in account acct-42).',
        'Try one distinctive word of the title, or the external reference, or leave out type; check account_id.',
      ].join('\n'),
    );
    const many = await w.call('find_learning_objects', { query: 'elective' });
    expect(textOf(many)).toContain('…and 110 more not listed: add a word of the title to narrow.');
    // Both lookups came from the cache the first call filled.
    expect(directoryRequests(up.requests, 'courses')).toHaveLength(2);
  });

  test('courses and content read at once give one rising progress count, and a total only with the last page', async () => {
    await setup();
    // Courses take two pages and content one, in whatever order the replies come: the count still rises by one.
    const seen: Array<[number, number | undefined]> = [];
    const result = await w.client.callTool(
      { name: 'find_learning_objects', arguments: { query: 'security awareness' } },
      { onprogress: (p) => seen.push([p.progress, p.total]) },
    );
    expect(result.isError).toBeFalsy();
    expect(seen).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 3],
    ]);
  });

  test('with the courses cached and the content read, the content page carries the total', async () => {
    await setup();
    await w.call('find_learning_objects', { query: 'gdpr', type: 'course' });
    const seen: Array<[number, number | undefined]> = [];
    await w.client.callTool(
      { name: 'find_learning_objects', arguments: { query: 'security awareness' } },
      { onprogress: (p) => seen.push([p.progress, p.total]) },
    );
    expect(seen).toEqual([[1, 1]]);
  });

  test('an unknown type is refused before any request', async () => {
    await setup();
    const result = await w.call('find_learning_objects', { query: 'x', type: 'video' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/type must be one of course, content/);
    expect(up.requests).toHaveLength(0);
  });
});
