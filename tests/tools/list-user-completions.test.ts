/**
 * list_user_completions: GET /unified/lms/users/{id}/completions field for field, a summary a model can act on
 * (title, date, result, score, time spent, certificate), and the same page walk as list_user_assignments: max_pages,
 * progress with a real total, a size budget and cancel.
 */
import type { ServerResponse } from 'node:http';
import type { Progress } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, test } from 'vitest';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { json, ownRequests, type Recorded, type Responder, startUpstream, type Upstream } from '../helpers/upstream.js';
import { textOf, type Wired, wire } from '../helpers/wire.js';

const PAGE = {
  next: 'cursor-2',
  data: [
    {
      id: 'cmp-1',
      remote_id: 'rc-1',
      learning_object_external_reference: 'sec-awareness-2026',
      learning_object_type: { value: 'course', source_value: 'COURSE' },
      completed_at: '2026-11-20T15:30:00Z',
      result: { value: 'Pass', source_value: 'passed' },
      score: { percentage: 87, raw_value: '87 / 100' },
      time_spent: 'PT1H30M',
      certificate_url: 'https://lms.example/certificates/cmp-1',
      vendor_extra: { kept: true },
    },
    // Only the id, a raw score as a number, an unmapped result, no date: each shown as far as it goes.
    {
      id: 'cmp-2',
      learning_object_id: 'lo-9',
      result: { value: 'unmapped_value', source_value: 'Attended' },
      score: { raw_value: 42 },
    },
  ],
};

let up: Upstream | undefined;
let w: Wired | undefined;
let sandbox: CheckedSandbox | undefined;
afterEach(async () => {
  await w?.close();
  await up?.close();
  sandbox?.assertContract();
  await sandbox?.close();
  w = undefined;
  up = undefined;
  sandbox = undefined;
});

/** A scripted StackOne: `completions` answers the list; the course and content directories are empty unless set. */
async function scripted(completions: Responder = json(200, PAGE)): Promise<{ up: Upstream; w: Wired }> {
  up = await startUpstream((req, res) =>
    req.path.endsWith('/completions') ? completions(req, res) : json(200, { data: [], next: null })(req, res),
  );
  w = await wire(up.url);
  return { up, w };
}

describe('list_user_completions mirrors its endpoint', () => {
  test('GETs the encoded path with filter and proxy as deep-object query parameters', async () => {
    const { up, w } = await scripted();
    const result = await w.call('list_user_completions', {
      id: 'emp 1001',
      filter: { updated_after: '2026-01-01T00:00:00.000Z' },
      page_size: 50,
      next: 'abc+/=',
      fields: 'id,completed_at,score',
      raw: true,
      proxy: { region: 'eu' },
    });
    expect(result.isError).toBeFalsy();
    const [req, ...rest] = ownRequests(up);
    expect(rest).toEqual([]);
    expect(req!.method).toBe('GET');
    expect(req!.path).toBe('/unified/lms/users/emp%201001/completions');
    expect([...req!.query.entries()]).toEqual([
      ['filter[updated_after]', '2026-01-01T00:00:00.000Z'],
      ['page_size', '50'],
      ['next', 'abc+/='],
      ['fields', 'id,completed_at,score'],
      ['raw', 'true'],
      ['proxy[region]', 'eu'],
    ]);
    expect(req!.headers['x-account-id']).toBe('acct-42');
  });

  test('with no options the query string is empty (StackOne pages at its default of 25)', async () => {
    const { up, w } = await scripted();
    await w.call('list_user_completions', { id: 'u1' });
    expect(ownRequests(up)[0]!.url).toBe('/unified/lms/users/u1/completions');
  });

  test.each([
    [{ id: 'u1', filter: { status: 'completed' } }, /filter/],
    [{ id: 'u1', user_id: 'u2' }, /unknown field "user_id": list_user_completions takes id, account_id, filter/],
    [{ id: 'u1', page_size: 0 }, /page_size must be from 1 to 100/],
    [{ id: 'u1', filter: { updated_after: 'last week' } }, /filter\.updated_after must be an ISO 8601/],
    [{ id: 'u1', max_pages: 11 }, /max_pages must be from 1 to 10/],
  ])('invalid input %j is refused before any request', async (args, message) => {
    const { up, w } = await scripted();
    const result = await w.call('list_user_completions', args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(up.requests).toHaveLength(0);
  });
});

describe('the summary', () => {
  test('one line per completion: what, when, result, score, time spent, certificate; then how to get more', async () => {
    const { w } = await scripted();
    const result = await w.call('list_user_completions', { id: 'emp-1001' });
    expect(textOf(result).split('\n')).toEqual([
      '2 completions for user emp-1001 on this page:',
      // "87 / 100" only restates 87%: left out.
      '- sec-awareness-2026: completed 2026-11-20, result Pass, score 87%, time spent PT1H30M, certificate https://lms.example/certificates/cmp-1',
      '- lo-9: completion date not given, result unmapped ("Attended"), score 42',
      'More on the next page: call list_user_completions again with the same arguments and next: "cursor-2".',
    ]);
    // structuredContent is the page as StackOne sent it, after the summary; content is the summary alone.
    expect(result.structuredContent).toEqual({ summary: expect.any(String), ...PAGE });
    expect(result.content).toHaveLength(1);
  });

  test('none: says so, with the filter, and offers no cursor', async () => {
    const { w } = await scripted(json(200, { data: [], next: null }));
    const result = await w.call('list_user_completions', {
      id: 'u1',
      filter: { updated_after: '2026-11-01T00:00:00Z' },
    });
    expect(textOf(result)).toBe('No completions for user u1 (updated after 2026-11-01T00:00:00Z).');
  });

  test('titles come from the course and content directories, for a record named by reference or by id', async () => {
    const { up, w } = await scripted();
    up.fallback = (req: Recorded, res: ServerResponse) => {
      if (req.path === '/unified/lms/courses') {
        return json(200, { data: [{ id: 'c1', external_reference: 'sec-awareness-2026', title: 'Security 2026' }] })(
          req,
          res,
        );
      }
      if (req.path === '/unified/lms/content') {
        return json(200, { data: [{ id: 'lo-9', external_reference: 'phish-1', title: 'Spot a Phish' }] })(req, res);
      }
      return json(200, { ...PAGE, next: null })(req, res);
    };
    const text = textOf(await w.call('list_user_completions', { id: 'emp-1001' }));
    expect(text).toContain('- sec-awareness-2026 "Security 2026": completed 2026-11-20');
    expect(text).toContain('- lo-9 "Spot a Phish": completion date not given');
  });

  test('on the sandbox, whose completions carry no title: named from its directories, with their scores', async () => {
    sandbox = await startCheckedSandbox();
    w = await wireSandbox(sandbox);
    const result = await w.call('list_user_completions', { id: 'emp-1001' });
    expect(result.isError).toBeFalsy();
    for (const c of sandbox.emulator.completionsOf('emp-1001')) expect(c.unified_custom_fields).toBeNull();
    const text = textOf(result);
    expect(text).toMatch(/^2 completions for user emp-1001:\n/);
    expect(text).toMatch(
      /- onboarding-101 "Welcome to the Company": completed \d{4}-\d{2}-\d{2}, result Pass, score 94%, time spent PT2H, certificate https:\/\/sandbox-lms\.example\/certificates\/cmp_\d+/,
    );
    expect(text).toMatch(/- phishing-video-01 "Spotting a Phishing Email \(video\)": completed/);
  });
});

describe('walking pages', () => {
  test('max_pages follows next, reports progress after each page, and says how many pages it read', async () => {
    sandbox = await startCheckedSandbox();
    w = await wireSandbox(sandbox);
    const total = sandbox.emulator.completionsOf('emp-1099').length;
    expect(total).toBeGreaterThan(20);
    const progress: Progress[] = [];
    const result = await w.client.callTool(
      { name: 'list_user_completions', arguments: { id: 'emp-1099', page_size: 10, max_pages: 2 } },
      { onprogress: (p) => progress.push(p) },
    );
    const page = result.structuredContent as { data: unknown[]; next: string | null };
    expect(page.data).toHaveLength(20);
    // max_pages is a cap, not a total: the total comes with the page that ends the walk.
    expect(progress.map((p) => [p.progress, p.total, p.message])).toEqual([
      [1, undefined, 'Read page 1 of up to 2 (10 completions)'],
      [2, 2, 'Read page 2 of up to 2 (20 completions)'],
    ]);
    expect(textOf(result)).toMatch(/^20 completions for user emp-1099 across 2 pages:/);
    expect(textOf(result)).toMatch(/Read 2 pages \(the max_pages asked for\); more remain\./);

    progress.length = 0;
    const rest = await w.client.callTool(
      { name: 'list_user_completions', arguments: { id: 'emp-1099', page_size: 10, max_pages: 10, next: page.next } },
      { onprogress: (p) => progress.push(p) },
    );
    const tail = rest.structuredContent as { data: unknown[]; next: string | null };
    expect(tail.data).toHaveLength(total - 20);
    expect(tail.next).toBeNull();
    // It ended before max_pages: its real total, not 10.
    expect(progress.map((p) => [p.progress, p.total])).toEqual([[1, 1]]);
    expect(textOf(rest)).not.toMatch(/more remain/);
  });

  test('max_pages stops at the size budget and says how to narrow the query', async () => {
    const big = (next: string | null) =>
      json(200, {
        data: Array.from({ length: 100 }, (_, i) => ({
          id: `c${i}`,
          learning_object_external_reference: `course-${i}`,
          completed_at: '2026-11-01T10:00:00Z',
          unified_custom_fields: { notes: 'x'.repeat(1500) },
        })),
        next,
      });
    const { up, w } = await scripted(big(null));
    up.enqueue(big('c2'), big('c3'), big('c4'));
    const result = await w.call('list_user_completions', { id: 'u1', max_pages: 10 });
    expect(result.isError).toBeFalsy();
    expect(ownRequests(up)).toHaveLength(2);
    expect(textOf(result)).toMatch(
      /Stopped after 2 of up to 10 pages: the result reached this server's size budget\. Narrow the query \(filter\.updated_after, fields\) or continue from the cursor below\./,
    );
    expect((result.structuredContent as { next: string }).next).toBe('c3');
  });

  test('a cancelled walk drops the page in flight and asks for no more', async () => {
    // How each page request ended: answered in full, or dropped by the server before its answer was sent.
    const ended: Array<Promise<'answered' | 'dropped'>> = [];
    const { up, w } = await scripted(async (req, res) => {
      ended.push(
        new Promise((resolve) => res.on('close', () => resolve(res.writableFinished ? 'answered' : 'dropped'))),
      );
      await new Promise((r) => setTimeout(r, 150));
      if (!res.destroyed) json(200, { data: [{ id: `c${ended.length}` }], next: `n${ended.length}` })(req, res);
    });
    const controller = new AbortController();
    const pending = w.call('list_user_completions', { id: 'u1', max_pages: 10 }, { signal: controller.signal });
    await up.waitForRequests(2);
    controller.abort();
    await expect(pending).rejects.toThrow();
    // The cancel reaches the wire: the second page's request is closed before its answer, and no third is made.
    expect(await ended[1]).toBe('dropped');
    expect(ownRequests(up)).toHaveLength(2);
  });
});
