import { afterEach, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { runningClock } from '../helpers/clock.js';
import { CREATED, json, type Responder, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { API_KEY, textOf, type Wired, wire } from '../helpers/wire.js';

const LIST_OK = json(200, { data: [] });
const BASIC = Buffer.from(`${API_KEY}:`).toString('base64');

let up: Upstream | undefined;
let w: Wired | undefined;
afterEach(async () => {
  await w?.close();
  await up?.close();
  w = undefined;
  up = undefined;
});

async function setup(opts: Parameters<typeof wire>[1] = {}, fallback?: Responder) {
  up = await startUpstream(fallback);
  w = await wire(up.url, opts);
  return { up, w };
}

// These exercise the create itself, so they skip the duplicate check (tests/reliability/safe-writes.test.ts has its own).
const assign = { id: 'emp-1001', learning_object_external_reference: 'sec-101', allow_duplicate: true };
/** Upstream requests that could have written something. */
const writes = (upstream: Upstream) => upstream.requests.filter((r) => r.method === 'POST');

/** After any failure the server must still answer the next call. */
async function stillServes(wired: Wired, upstream: Upstream) {
  upstream.enqueue(LIST_OK);
  const next = await wired.call('list_user_assignments', { id: 'u1' });
  expect(next.isError).toBeFalsy();
}

describe('upstream error statuses become actionable isError results', () => {
  test.each([
    [400, 'Bad Request', /HTTP 400: Bad Request[\s\S]*invalid/],
    [401, 'Unauthorized', /HTTP 401: Unauthorized[\s\S]*STACKONE_API_KEY/],
    [403, 'Forbidden resource', /HTTP 403[\s\S]*scopes/],
    [404, 'User not found', /HTTP 404: User not found[\s\S]*user id/],
    [409, 'Conflict', /HTTP 409[\s\S]*already/],
    [412, 'Precondition failed', /HTTP 412[\s\S]*integration is disabled/],
    [422, 'Unprocessable Entity', /HTTP 422[\s\S]*fields/],
    [500, 'Internal server error', /HTTP 500[\s\S]*failed/],
    [501, 'Not Implemented', /HTTP 501[\s\S]*does not support/],
  ])('%i on a create', async (status, message, expected) => {
    const { up, w } = await setup();
    up.enqueue(stackoneError(status, message));
    const result = await w.call('create_user_assignment', assign);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(expected);
    expect(writes(up)).toHaveLength(1);
    await stillServes(w, up);
  });

  test('provider_errors are summarized: status, host, message; never the URL path', async () => {
    const { up, w } = await setup();
    up.enqueue(
      stackoneError(422, 'Unprocessable Entity', {
        provider_errors: [
          {
            status: 400,
            url: 'https://lms.example.com/api/v2/enrol?token=abc123',
            raw: { message: 'Course is archived' },
          },
        ],
      }),
    );
    const text = textOf(await w.call('create_user_assignment', assign));
    expect(text).toContain('Provider error (status 400 from lms.example.com): Course is archived');
    expect(text).not.toContain('token=abc123');
  });

  test('a body statusCode of 400 or more is an error even under HTTP 200 (heartbeat replies)', async () => {
    const { up, w } = await setup();
    up.enqueue((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'preference-applied': 'heartbeat' });
      res.end('\n\n\n{"statusCode":404,"message":"User not found","timestamp":"2026-11-22T00:00:00Z"}');
    });
    const result = await w.call('create_user_assignment', assign);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/HTTP 404: User not found/);
  });

  test('a reply of the wrong shape is an error naming what is missing', async () => {
    const { up, w } = await setup();
    up.enqueue(json(200, { items: [] }));
    const result = await w.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/does not have the shape StackOne documents .* at data/);
  });
});

describe('retries', () => {
  test('429 keeps being answered: bounded at 3 attempts', async () => {
    const { up, w } = await setup({}, stackoneError(429, 'Too many requests', {}, { 'retry-after': '0' }));
    const result = await w.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBe(true);
    expect(up.requests).toHaveLength(3);
    expect(textOf(result)).toMatch(/Gave up after 3 attempts/);
  });

  test('a list retries 502 and 504 without Retry-After using a short backoff', async () => {
    const { up, w } = await setup({}, LIST_OK);
    up.enqueue(stackoneError(502, 'Bad Gateway'), stackoneError(504, 'Gateway Timeout'));
    const result = await w.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBeFalsy();
    expect(up.requests).toHaveLength(3);
  });

  test.each([408, 500, 502, 503, 504])(
    'a create is never retried after %i; a follow-up list decides',
    async (status) => {
      const { up, w } = await setup();
      up.enqueue(stackoneError(status, 'failed', {}, { 'retry-after': '0' }), LIST_OK);
      const result = await w.call('create_user_assignment', assign);
      expect(result.isError).toBe(true);
      expect(writes(up)).toHaveLength(1);
      expect(up.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
      // No date filter: a provider's timestamps are never trusted to rule a record out.
      expect(up.requests[1]!.query.get('filter[updated_after]')).toBeNull();
      // StackOne's 408 and 504 are timeouts: the provider may still be writing, so an empty list says "not yet".
      expect(textOf(result)).toMatch(
        status === 408 || status === 504
          ? /found no assignment of sec-101 yet[\s\S]*retry only if it is still absent/
          : /found no assignment of sec-101: it was not created, and it is safe to retry/,
      );
    },
  );

  test('when the follow-up check fails too, the error says to check before retrying', async () => {
    const { up, w } = await setup();
    up.enqueue(stackoneError(503, 'failed'), stackoneError(401, 'Unauthorized'));
    const result = await w.call('create_user_assignment', assign);
    expect(writes(up)).toHaveLength(1);
    expect(textOf(result)).toMatch(
      /may have reached the LMS, so it was not retried \(a follow-up check failed too[\s\S]*Call list_user_assignments/,
    );
  });
});

describe('timeouts and cancellation', () => {
  const hang: Responder = () => {
    /* never answers */
  };

  test('STACKONE_TIMEOUT_MS bounds the whole call; a timed-out create is not retried', async () => {
    const { up, w } = await setup({ client: { timeoutMs: 400 } }, hang);
    const t0 = Date.now();
    const result = await w.call('create_user_assignment', assign);
    const elapsed = Date.now() - t0;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Timed out: StackOne did not answer within 400 ms/);
    // The follow-up list hangs too, so the outcome stays unknown and the advice is to check first.
    expect(textOf(result)).toMatch(/may have reached the LMS, so it was not retried \(a follow-up check failed too/);
    expect(elapsed).toBeGreaterThanOrEqual(790);
    expect(writes(up)).toHaveLength(1);
    await up.waitForSocketsClosed(1);
  });

  test('the timeout includes retries and their waits', async () => {
    // The budget is spent while real timers wait, so the clock must run with them.
    const { up, w } = await setup(
      { client: { timeoutMs: 1500 }, now: runningClock() },
      stackoneError(503, 'Service Unavailable', {}, { 'retry-after': '1' }),
    );
    const result = await w.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBe(true);
    // First try, a 1 s wait, second try; a second 1 s wait would pass the 1.5 s budget.
    expect(up.requests).toHaveLength(2);
    expect(textOf(result)).toMatch(/would pass STACKONE_TIMEOUT_MS/);
  });

  test('a cancelled call closes the upstream request', async () => {
    const { up, w } = await setup({}, hang);
    const controller = new AbortController();
    const pending = w.call('list_user_assignments', { id: 'u1' }, { signal: controller.signal });
    await up.waitForRequests(1);
    controller.abort('user changed their mind');
    await expect(pending).rejects.toThrow();
    await up.waitForSocketsClosed(1);
    expect(up.sockets.closed).toBeGreaterThanOrEqual(1);
    expect(up.requests).toHaveLength(1);
  });
});

describe('credentials', () => {
  test('no API key: every call answers with how to set STACKONE_API_KEY and how to try --sandbox; nothing is sent', async () => {
    const { up, w } = await setup({ deps: { apiKey: undefined } });
    for (const tool of TOOLS) {
      const result = await w.call(tool.name, { ...tool.example });
      expect(result.isError, tool.name).toBe(true);
      // A person with no key yet learns both ways on: where the key goes, and that the sandbox needs none.
      expect(textOf(result)).toMatch(
        /^No StackOne API key\. Set STACKONE_API_KEY in this server's environment \(the "env" block of your MCP client config\) and restart the server; or start it with --sandbox to try every tool on demo data without a key\. Nothing was sent\./,
      );
    }
    expect(up.requests).toHaveLength(0);
  });

  test('no account id anywhere: the message names account_id and STACKONE_ACCOUNT_ID', async () => {
    const { up, w } = await setup({ deps: { accountId: undefined } });
    const result = await w.call('list_user_assignments', { id: 'u1' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/account_id[\s\S]*STACKONE_ACCOUNT_ID/);
    expect(up.requests).toHaveLength(0);
    const ok = await w.call('list_user_assignments', { id: 'u1', account_id: 'acct-7' });
    expect(ok.isError).toBe(true); // the fallback answers 201 with a CreateResult, not a page
    expect(up.requests[0]!.headers['x-account-id']).toBe('acct-7');
  });

  test('the key and its Basic form never appear in results, even when the upstream echoes them', async () => {
    const { up, w } = await setup();
    const echo: Responder = (req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...CREATED,
          message: `auth was ${req.headers.authorization} key ${API_KEY}`,
          data: { id: API_KEY, remote_id: BASIC },
        }),
      );
    };
    const echoError: Responder = (req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ statusCode: 401, message: `bad ${req.headers.authorization} ${API_KEY}`, timestamp: 'x' }),
      );
    };
    up.enqueue(echo, echoError);
    const results = [await w.call('create_user_assignment', assign), await w.call('create_user_assignment', assign)];
    expect(results[0]!.isError).toBeFalsy();
    expect(results[1]!.isError).toBe(true);
    const everything = JSON.stringify(results);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(BASIC);
    expect(everything).not.toContain(BASIC.replace(/=+$/, ''));
    expect(everything).toContain('***');
  });
});
