/**
 * The fault matrix: each row is a misbehaving loopback upstream. Every row asserts the tool result, how many
 * upstream requests were made (by method), and that the server still answers the next call. The server's clock is
 * wire()'s, frozen at TEST_NOW: the dates the upstream sends are written against it.
 */
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type AuditLine, type AuditOutcome, createAuditLog } from '../../src/audit.js';
import { describeError, NotSentError } from '../../src/errors.js';
import { type ClientOptions, StackOneClient } from '../../src/stackone/client.js';
import { CREATE_USER_ASSIGNMENT, LIST_USER_ASSIGNMENTS } from '../../src/stackone/endpoints.js';
import { frozenClock, iso, TEST_NOW } from '../helpers/clock.js';
import { rawReply, startRawUpstream } from '../helpers/raw-upstream.js';
import {
  CREATED,
  json,
  ownRequests,
  type Responder,
  stackoneError,
  startUpstream,
  type Upstream,
} from '../helpers/upstream.js';
import { textOf, type Wired, wire } from '../helpers/wire.js';

const LIST_OK = json(200, { data: [] });
// These exercise the create itself, so they skip the duplicate check (tests/reliability/safe-writes.test.ts has its own).
const assign = { id: 'emp-1', learning_object_external_reference: 'sec-101', allow_duplicate: true };
const list = { id: 'emp-1' };
const complete = { id: 'emp-1', learning_object_external_reference: 'sec-101', allow_duplicate: true };

type Tool = 'create_user_assignment' | 'list_user_assignments' | 'create_user_completion';

interface Row {
  name: string;
  tool: Tool;
  args: Record<string, unknown>;
  /** Responders in order; the fallback after them answers an empty list. */
  replies: Responder[];
  client?: Partial<ClientOptions>;
  isError: boolean;
  text: RegExp;
  requests: { POST?: number; GET?: number };
  /** For a create: the audit outcome that says what the answer says (both come from errors.ts writeFate). */
  audit?: AuditOutcome;
  minMs?: number;
  maxMs?: number;
}

const hangAfterHeaders: Responder = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
};

const drip: Responder = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{"data":[');
  const timer = setInterval(() => res.write(' '), 100);
  res.on('close', () => clearInterval(timer));
};

const heartbeatsThen =
  (ms: number, body: unknown): Responder =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'preference-applied': 'heartbeat' });
    const timer = setInterval(() => res.write('\n'), 100);
    setTimeout(() => {
      clearInterval(timer);
      res.end(JSON.stringify(body));
    }, ms);
    res.on('close', () => clearInterval(timer));
  };

const bigBody =
  (bytes: number, declareLength: boolean): Responder =>
  (_req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(declareLength ? { 'content-length': String(bytes) } : {}),
    });
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  };

const rows: Row[] = [
  {
    name: 'reply headers, then a hang past the idle timeout (list: retried, then gives up)',
    tool: 'list_user_assignments',
    args: list,
    replies: [hangAfterHeaders, hangAfterHeaders, hangAfterHeaders],
    client: { idleTimeoutMs: 300 },
    isError: true,
    text: /stalled for over 0\.3 s with no data \(idle timeout\)[\s\S]*Gave up after 3 attempts/,
    requests: { GET: 3 },
  },
  {
    name: 'reply headers, then a hang (create: not retried; the follow-up list decides)',
    tool: 'create_user_assignment',
    args: assign,
    replies: [hangAfterHeaders],
    client: { idleTimeoutMs: 300 },
    isError: true,
    // Cut off after it was sent: the LMS may still be writing it, so the empty list says "not yet".
    text: /idle timeout[\s\S]*found no assignment of [^\n]* yet[\s\S]*Wait a minute and call list_user_assignments again; retry only if it is still absent/,
    requests: { POST: 1, GET: 1 },
    // The model is told it may still land: the audit must not say "nothing was written".
    audit: 'may_have_been_created',
  },
  {
    name: 'a slow drip of the body past the timeout',
    tool: 'list_user_assignments',
    args: list,
    replies: [drip],
    client: { timeoutMs: 700, idleTimeoutMs: 300 },
    isError: true,
    text: /Timed out: StackOne did not answer within 700 ms/,
    requests: { GET: 1 },
    minMs: 650,
  },
  {
    name: 'a body over the 10 MiB cap, declared in content-length',
    tool: 'list_user_assignments',
    args: list,
    replies: [bigBody(11 * 1024 * 1024, true)],
    isError: true,
    text: /the reply is 11534336 bytes, over this server's 10485760-byte limit/,
    requests: { GET: 1 },
  },
  {
    name: 'a body over the 10 MiB cap, streamed without a length',
    tool: 'list_user_assignments',
    args: list,
    replies: [bigBody(11 * 1024 * 1024, false)],
    isError: true,
    text: /the reply is over this server's 10485760-byte limit, so it was not read/,
    requests: { GET: 1 },
  },
  {
    name: 'invalid UTF-8',
    tool: 'list_user_assignments',
    args: list,
    replies: [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
      },
    ],
    isError: true,
    text: /HTTP 200, but the body is not valid UTF-8/,
    requests: { GET: 1 },
  },
  {
    name: 'content-type text/html',
    tool: 'list_user_assignments',
    args: list,
    replies: [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>Sign in</title>');
      },
    ],
    isError: true,
    text: /HTTP 200, but the body is text\/html, not JSON/,
    requests: { GET: 1 },
  },
  {
    name: 'an HTML error page on a create',
    tool: 'create_user_assignment',
    args: assign,
    replies: [
      (_req, res) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html><body>Bad gateway</body></html>');
      },
    ],
    isError: true,
    text: /HTTP 502 \(Bad Gateway\)[\s\S]*it was not created/,
    requests: { POST: 1, GET: 1 },
    audit: 'failed',
  },
  {
    name: 'truncated JSON',
    tool: 'list_user_assignments',
    args: list,
    replies: [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data": [{"id": "a1", "status": {"va');
      },
    ],
    isError: true,
    text: /HTTP 200, but the body is not valid JSON \(truncated\?\)/,
    requests: { GET: 1 },
  },
  {
    name: 'an empty body on 201: the follow-up list finds the record, so it is reported created',
    tool: 'create_user_assignment',
    args: assign,
    replies: [
      (_req, res) => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end();
      },
      (_req, res) =>
        json(200, {
          data: [
            {
              id: 'asg-new',
              remote_id: 'r-new',
              learning_object_external_reference: 'sec-101',
              created_at: iso(TEST_NOW),
            },
          ],
        })(_req, res),
    ],
    isError: false,
    text: /^Created assignment \(id asg-new, remote id r-new\)[\s\S]*HTTP 201, but the body is empty[\s\S]*it was created/,
    requests: { POST: 1, GET: 1 },
    audit: 'created_confirmed',
  },
  {
    name: '429 with Retry-After in seconds',
    tool: 'create_user_assignment',
    args: assign,
    replies: [stackoneError(429, 'Too many requests', {}, { 'retry-after': '1' }), json(201, CREATED)],
    isError: false,
    text: /^Created assignment \(id asg_123/,
    requests: { POST: 2 },
    audit: 'created',
    minMs: 950,
  },
  {
    name: '429 with Retry-After as an HTTP date',
    tool: 'create_user_completion',
    args: complete,
    replies: [
      (req, res) =>
        stackoneError(
          429,
          'Too many requests',
          {},
          { 'retry-after': new Date(TEST_NOW + 2000).toUTCString() },
        )(req, res),
      json(201, CREATED),
    ],
    isError: false,
    text: /^Recorded completion \(id asg_123/,
    requests: { POST: 2 },
    audit: 'created',
    minMs: 500,
  },
  {
    name: '429 without Retry-After: a short backoff',
    tool: 'list_user_assignments',
    args: list,
    replies: [stackoneError(429, 'Too many requests'), LIST_OK],
    isError: false,
    text: /^No assignments for user emp-1/,
    requests: { GET: 2 },
    minMs: 350,
  },
  {
    name: '429 with an absurd Retry-After: the wait is capped, and the message says so',
    tool: 'create_user_assignment',
    args: assign,
    replies: [stackoneError(429, 'Too many requests', {}, { 'retry-after': '86400' })],
    isError: true,
    text: /HTTP 429[\s\S]*Retry after 86400 s\.[\s\S]*longer than this server waits inside one call \(10 s\), so it did not retry/,
    requests: { POST: 1 },
    // StackOne refused it unprocessed: nothing was written.
    audit: 'failed',
    maxMs: 2000,
  },
  {
    name: '408 then success on a list',
    tool: 'list_user_assignments',
    args: list,
    replies: [stackoneError(408, 'Request timed out', {}, { 'retry-after': '0' }), LIST_OK],
    isError: false,
    text: /^No assignments/,
    requests: { GET: 2 },
  },
  {
    name: '503 three times on a list gives up',
    tool: 'list_user_assignments',
    args: list,
    replies: [0, 1, 2].map(() => stackoneError(503, 'Service Unavailable', {}, { 'retry-after': '0' })),
    isError: true,
    text: /HTTP 503: Service Unavailable[\s\S]*Gave up after 3 attempts/,
    requests: { GET: 3 },
  },
  {
    name: 'heartbeat newlines for longer than the idle timeout keep the reply alive',
    tool: 'list_user_assignments',
    args: list,
    replies: [
      heartbeatsThen(1000, {
        data: [{ id: 'a1', learning_object_external_reference: 'x', status: { value: 'pending' } }],
      }),
    ],
    client: { idleTimeoutMs: 300 },
    isError: false,
    text: /^1 assignment for user emp-1:\n- x: pending$/,
    requests: { GET: 1 },
    minMs: 950,
  },
];

let up: Upstream | undefined;
let w: Wired | undefined;
afterEach(async () => {
  await w?.close();
  await up?.close();
  w = undefined;
  up = undefined;
});

function countBy(upstream: Upstream) {
  const counts: Record<string, number> = {};
  for (const r of ownRequests(upstream)) counts[r.method] = (counts[r.method] ?? 0) + 1;
  return counts;
}

describe('fault matrix', () => {
  test.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    up = await startUpstream(LIST_OK);
    up.enqueue(...row.replies);
    const lines: AuditLine[] = [];
    const audit = createAuditLog(
      { kind: 'stderr' },
      { secrets: [], stderr: (l) => lines.push(JSON.parse(l) as AuditLine), now: frozenClock() },
    );
    w = await wire(up.url, { client: row.client ?? {}, deps: { audit } });
    const t0 = Date.now();
    const result = await w.call(row.tool, row.args);
    const elapsed = Date.now() - t0;
    expect(Boolean(result.isError), textOf(result)).toBe(row.isError);
    expect(textOf(result)).toMatch(row.text);
    expect(countBy(up)).toEqual(row.requests);
    // Every create's answer is paired with its audit line, from the same classification.
    if (row.tool.startsWith('create_')) {
      expect(row.audit, 'a create row names its audit outcome').toBeDefined();
      expect(lines.map((l) => l.outcome)).toEqual([row.audit]);
    } else expect(lines).toEqual([]);
    if (row.minMs !== undefined) expect(elapsed).toBeGreaterThanOrEqual(row.minMs);
    if (row.maxMs !== undefined) expect(elapsed).toBeLessThan(row.maxMs);
    const next = await w.call('list_user_assignments', list);
    expect(next.isError).toBeFalsy();
    expect(w.errors).toEqual([]);
  });
});

/** A raw TCP upstream, for resets at exact points of the exchange; later requests get a valid empty list. */
async function resettingUpstream(when: 'before-body' | 'after-body', times: number) {
  const seen: string[] = [];
  let resets = 0;
  const raw = await startRawUpstream(
    (head, socket) => {
      seen.push(head.method);
      if (resets < times) {
        resets++;
        socket.resetAndDestroy();
        return;
      }
      rawReply(socket, '200 OK', '{"data":[]}');
    },
    { beforeBody: when === 'before-body' },
  );
  return { ...raw, seen };
}

describe('fault matrix: connections', () => {
  test.each([
    ['before', 'before-body'],
    ['after', 'after-body'],
  ] as const)(
    'connection reset %s the request body: a create is not retried; the list decides',
    async (_label, when) => {
      const raw = await resettingUpstream(when, 1);
      w = await wire(raw.url);
      try {
        const result = await w.call('create_user_assignment', assign);
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(
          /mid-request[\s\S]*found no assignment of [^\n]* yet[\s\S]*Wait a minute and call list_user_assignments again; retry only if it is still absent/,
        );
        expect(raw.seen).toEqual(['POST', 'GET']);
        const next = await w.call('list_user_assignments', list);
        expect(next.isError).toBeFalsy();
      } finally {
        await raw.close();
      }
    },
  );

  test.each([
    ['before', 'before-body'],
    ['after', 'after-body'],
  ] as const)('connection reset %s the request body: a list is retried and succeeds', async (_label, when) => {
    const raw = await resettingUpstream(when, 1);
    w = await wire(raw.url);
    try {
      const result = await w.call('list_user_assignments', list);
      expect(result.isError).toBeFalsy();
      expect(raw.seen).toEqual(['GET', 'GET']);
    } finally {
      await raw.close();
    }
  });

  test('connection refused: nothing was sent; a create says it is safe to retry, a list retries then gives up', async () => {
    const closed = createNetServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    w = await wire(`http://127.0.0.1:${port}`);
    const create = await w.call('create_user_assignment', assign);
    expect(create.isError).toBe(true);
    expect(textOf(create)).toMatch(
      /Could not connect to StackOne \(ECONNREFUSED\)[\s\S]*Nothing was written; it is safe to try again/,
    );
    const listed = await w.call('list_user_assignments', list);
    expect(textOf(listed)).toMatch(/ECONNREFUSED[\s\S]*Gave up after 3 attempts/);
    // Still answering: the next call gets a result, not a crash.
    const again = await w.call('list_user_assignments', list);
    expect(again.isError).toBe(true);
  });

  test('a 3xx redirect is never followed, so the key never reaches the other host', async () => {
    let otherHits = 0;
    const other = createHttpServer((_req, res) => {
      otherHits++;
      res.end('{"data":[]}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    try {
      up = await startUpstream(LIST_OK);
      up.enqueue((_req, res) => {
        res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/steal` });
        res.end();
      });
      w = await wire(up.url);
      const result = await w.call('list_user_assignments', list);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/HTTP 307, but it redirected to 127\.0\.0\.1:\d+; redirects are not followed/);
      expect(otherHits).toBe(0);
      expect(countBy(up)).toEqual({ GET: 1 });
      expect((await w.call('list_user_assignments', list)).isError).toBeFalsy();
    } finally {
      other.close();
    }
  });
});

describe('a request this machine will not build', () => {
  test('a header value undici refuses is "not sent": no request leaves, no retry, a create is known unwritten', async () => {
    up = await startUpstream(LIST_OK);
    const client = new StackOneClient({
      baseUrl: new URL(up.url),
      now: frozenClock(),
      timeoutMs: 5_000,
      userAgent: 't',
    });
    try {
      // Validation upstream of the client refuses such an account id; this is the client's own last line.
      const credentials = { apiKey: 'k', accountId: 'acct-\u0410' };
      const attempts = [
        client.call(LIST_USER_ASSIGNMENTS, { id: 'emp-1' }, { credentials }),
        client.call(
          CREATE_USER_ASSIGNMENT,
          { id: 'emp-1', body: { learning_object_external_reference: 'x' } },
          { credentials },
        ),
      ];
      for (const attempt of attempts) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NotSentError);
        expect(error).toMatchObject({ reached: false, attempts: 1 });
        expect(describeError(error, { intent: 'write' })).toMatch(/could not be sent .*Nothing was sent\./);
      }
      expect(up.requests).toHaveLength(0);
    } finally {
      await client.close();
    }
  });
});
