/**
 * The audit trail: each write outcome the real tools produce against a scripted StackOne, written to a real file
 * as one line with the documented fields; and no key or token in it, whatever the upstream or the caller sends.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type AuditLine, type Caller, createAuditLog, outcomeOf, type WriteEnd } from '../../src/audit.js';
import { ConfigError, CredentialError, NotSentError, UpstreamError } from '../../src/errors.js';
import { secretForms } from '../../src/secrets.js';
import { StackOneClient } from '../../src/stackone/client.js';
import { defaultDirectory } from '../../src/stackone/directory.js';
import type { ToolContext } from '../../src/tools/define-tool.js';
import { TOOLS } from '../../src/tools/index.js';
import { frozenClock, iso, TEST_NOW } from '../helpers/clock.js';
import { CREATED, json, type Responder, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';

const KEY = 'sk_live_AUDIT_c0ffee_9f8e7d6c5b4a';
const BEARER = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW5vdC1yZWFs';
const ACCOUNT = 'acct-42';
const ALICE: Caller = { kind: 'oauth', subject: 'alice@example.com', clientId: 'claude' };
/** The tools, the client and the audit log read this one clock. */
const now = frozenClock();

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let up: Upstream | undefined;
let client: StackOneClient | undefined;
afterEach(async () => {
  await client?.close();
  await up?.close();
  up = undefined;
  client = undefined;
});

const tool = (name: string) => {
  const found = TOOLS.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
};

/**
 * Runs a tool the way the server's tool boundary does (parse, run, catch) and audits the end: the call the lead
 * adds in src/server.ts. Returns the lines the file holds afterwards.
 */
async function attempt(
  name: string,
  args: Record<string, unknown>,
  responders: Responder[],
  options: { caller?: Caller; fallback?: Responder; file?: string } = {},
): Promise<AuditLine[]> {
  up = await startUpstream(options.fallback ?? json(201, CREATED));
  up.enqueue(...responders);
  client = new StackOneClient({
    baseUrl: new URL(up.url),
    now,
    timeoutMs: 3_000,
    userAgent: 'audit-test',
    maxAttempts: 1,
  });
  const file = options.file ?? join(dir, `${Math.random().toString(36).slice(2)}.jsonl`);
  const audit = createAuditLog({ kind: 'file', path: file }, { secrets: secretForms(KEY), stderr: () => {}, now });
  const t = tool(name);
  const parsed = t.inputSchema.parse(args) as Record<string, unknown>;
  const ctx: ToolContext = {
    stackone: client,
    credentials: { apiKey: KEY, accountId: ACCOUNT },
    directory: defaultDirectory(client, now),
    now,
    signal: new AbortController().signal,
    log: () => {},
    progress: undefined,
  };
  const started = performance.now();
  let end: WriteEnd;
  try {
    end = { result: (await t.run(parsed, ctx)).raw };
  } catch (error) {
    end = { error };
  }
  audit.write(
    {
      caller: options.caller ?? ALICE,
      tool: name,
      args: parsed,
      accountId: ACCOUNT,
      durationMs: performance.now() - started,
    },
    end,
    [BEARER],
  );
  audit.close();
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditLine);
}

// allow_duplicate: these rows script the create and its follow-up; the duplicate check before it has its own tests.
const ASSIGN = { id: 'emp-1', learning_object_external_reference: 'sec-101', allow_duplicate: true };
const EXISTING = { id: 'asg-old', learning_object_external_reference: 'sec-101', status: { value: 'pending' } };

describe('one line per write outcome', () => {
  test('created: every field, in order, and nothing else', async () => {
    const [line, ...rest] = await attempt('create_user_assignment', ASSIGN, []);
    expect(rest).toEqual([]);
    expect(Object.keys(line as object)).toEqual([
      'time',
      'level',
      'msg',
      'event',
      'outcome',
      'tool',
      'who',
      'auth',
      'client_id',
      'account_id',
      'user_id',
      'learning_object',
      'record_id',
      'duration_ms',
    ]);
    expect(line).toMatchObject({
      level: 'info',
      msg: 'audit',
      event: 'write',
      outcome: 'created',
      tool: 'create_user_assignment',
      who: 'alice@example.com',
      auth: 'oauth',
      client_id: 'claude',
      account_id: ACCOUNT,
      user_id: 'emp-1',
      learning_object: 'sec-101',
      record_id: 'asg_123',
    });
    expect(Date.parse(line?.time ?? '')).not.toBeNaN();
  });

  test('refused as a duplicate (if_not_exists found one)', async () => {
    const [line] = await attempt('create_user_assignment', { ...ASSIGN, if_not_exists: true }, [
      json(200, { data: [EXISTING] }),
    ]);
    expect(line).toMatchObject({ outcome: 'duplicate', record_id: 'asg-old' });
  });

  test('dry run: nothing sent, no record id', async () => {
    const [line] = await attempt(
      'create_user_completion',
      { id: 'emp-1', learning_object_external_reference: 'sec-101', dry_run: true },
      [],
      {
        caller: { kind: 'stdio' },
      },
    );
    expect(line).toMatchObject({ outcome: 'dry_run', tool: 'create_user_completion', who: 'stdio', auth: 'stdio' });
    expect(line).not.toHaveProperty('record_id');
    expect(line).not.toHaveProperty('client_id');
    expect(up?.requests).toHaveLength(0);
  });

  test('created, confirmed by a list after the reply was lost', async () => {
    const [line] = await attempt('create_user_assignment', ASSIGN, [
      stackoneError(502, 'Bad gateway'),
      json(200, { data: [{ ...EXISTING, id: 'asg-new', created_at: iso(TEST_NOW) }] }),
    ]);
    expect(line).toMatchObject({ outcome: 'created_confirmed', record_id: 'asg-new', who: 'alice@example.com' });
  });

  test('may have been created: the create may have reached the LMS and the check failed too', async () => {
    const [line] = await attempt('create_user_assignment', ASSIGN, [stackoneError(503, 'x'), stackoneError(503, 'y')], {
      caller: { kind: 'token' },
    });
    expect(line).toMatchObject({ outcome: 'may_have_been_created', error: 'UpstreamError', status: 503, who: 'token' });
  });

  test('failed: StackOne refused it, or the check found nothing', async () => {
    const [refused] = await attempt('create_user_assignment', ASSIGN, [stackoneError(422, 'no such course')]);
    expect(refused).toMatchObject({ outcome: 'failed', error: 'UpstreamError', status: 422 });
    const [absent] = await attempt('create_user_assignment', ASSIGN, [
      stackoneError(502, 'x'),
      json(200, { data: [] }),
    ]);
    expect(absent).toMatchObject({ outcome: 'failed', status: 502 });
  });

  test('failed: the lookup before the create failed, so nothing was written', async () => {
    // The duplicate check of a plain create (no allow_duplicate) is that lookup; as a read it is retried on 503.
    const [line] = await attempt(
      'create_user_assignment',
      { id: 'emp-1', learning_object_external_reference: 'sec-101' },
      [stackoneError(503, 'x'), stackoneError(503, 'x'), stackoneError(503, 'x')],
    );
    expect(line).toMatchObject({ outcome: 'failed' });
    expect(new Set(up?.requests.map((r) => r.method))).toEqual(new Set(['GET']));
  });

  test('refused as a duplicate by the default check: the record that stopped it is named, never as a new one', async () => {
    const [line] = await attempt(
      'create_user_assignment',
      { id: 'emp-1', learning_object_external_reference: 'sec-101' },
      [json(200, { data: [EXISTING] })],
    );
    expect(line).toMatchObject({ outcome: 'duplicate', record_id: 'asg-old' });
    expect(up?.requests.map((r) => r.method)).toEqual(['GET']);
  });

  test('refused by this server before sending', () => {
    expect(outcomeOf({ error: new CredentialError('No StackOne account id') })).toEqual({
      outcome: 'refused',
      error: 'CredentialError',
    });
    expect(outcomeOf({ error: new TypeError('bug') })).toEqual({ outcome: 'failed', error: 'TypeError' });
    // A request this machine would not build (undici refused a header): nothing was sent, so nothing written.
    expect(outcomeOf({ error: new NotSentError('invalid x-account-id header') })).toEqual({
      outcome: 'refused',
      error: 'NotSentError',
    });
    const cancelled = new UpstreamError(504, undefined, [], undefined);
    cancelled.method = 'POST';
    expect(outcomeOf({ error: cancelled }).outcome).toBe('may_have_been_created');
  });
});

describe('no secret and no free text in the audit file', () => {
  test('the key and the bearer token, in any spelling, never appear; long or multi-line values are cut', async () => {
    const file = join(dir, 'secrets.jsonl');
    const basic = Buffer.from(`${KEY}:`).toString('base64');
    const echo: Responder = (req, res) =>
      json(201, { ...CREATED, message: `${req.headers.authorization} ${BEARER}`, data: { id: KEY, remote_id: basic } })(
        req,
        res,
      );
    // A line break cannot come in through the tools' arguments (refused by their schemas); the cut of long values is
    // shown by the completion below, the stripping of control characters by the unit tests of the line.
    await attempt(
      'create_user_assignment',
      { id: KEY, learning_object_external_reference: `x ${BEARER}`, allow_duplicate: true },
      [echo],
      {
        file,
        caller: { kind: 'oauth', subject: `sub-${BEARER}`, clientId: basic },
      },
    );
    await attempt(
      'create_user_completion',
      { id: 'emp-1', learning_object_external_reference: 'y'.repeat(4_000), passthrough: { note: `secret ${KEY}` } },
      [stackoneError(400, `bad key ${KEY}`)],
      { file },
    );
    const bytes = readFileSync(file, 'utf8');
    for (const secret of [...secretForms(KEY), BEARER]) {
      expect(bytes.includes(secret), `found ${secret.slice(0, 6)}…`).toBe(false);
    }
    const lines = bytes.trim().split('\n');
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as AuditLine);
    expect(first).toMatchObject({ user_id: '***', learning_object: 'x ***', who: 'sub-***', record_id: '***' });
    expect(second?.learning_object).toHaveLength(201);
    // The completion's free-form passthrough never reaches the line, nor does StackOne's message.
    expect(bytes).not.toContain('secret');
    expect(bytes).not.toContain('bad key');
  });

  test('a subject or client id with line or paragraph separators, NEL or bidi controls stays one line per record', () => {
    const lines: string[] = [];
    const log = createAuditLog({ kind: 'stderr' }, { secrets: [], stderr: (l) => lines.push(l), now });
    const args = { id: 'u', learning_object_external_reference: 'l' };
    for (const sep of ['\u2028', '\u2029', '\u0085']) {
      log.write(
        {
          caller: { kind: 'oauth', subject: `eve${sep}{"forged":1}`, clientId: `c${sep}\u202ex` },
          tool: 'create_user_assignment',
          args,
          accountId: 'a',
          durationMs: 1,
        },
        { result: { data: { id: 'r' } } },
      );
    }
    const text = lines.join('');
    // What a line-based reader (Python's splitlines, a log shipper) sees: three records, no more.
    expect(text.split(/\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/).filter(Boolean)).toHaveLength(3);
    expect(lines.map((l) => (JSON.parse(l) as AuditLine).who)).toEqual([
      'eve {"forged":1}',
      'eve {"forged":1}',
      'eve {"forged":1}',
    ]);
    expect((JSON.parse(lines[0] as string) as AuditLine).client_id).toBe('c x');
  });

  test('an audit file that already exists is made owner-only when opened', () => {
    const file = join(dir, 'existing.jsonl');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    const log = createAuditLog({ kind: 'file', path: file }, { secrets: [], stderr: () => {}, now });
    log.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('stderr by default; off writes nothing; an unwritable file is a config error that names the fix', () => {
    const lines: string[] = [];
    const args = { id: 'u', learning_object_external_reference: 'l' };
    const write = (target: Parameters<typeof createAuditLog>[0]) =>
      createAuditLog(target, { secrets: [], stderr: (l) => lines.push(l), now }).write(
        { caller: { kind: 'http' }, tool: 'create_user_assignment', args, accountId: 'a', durationMs: 1.4 },
        { result: { data: { id: 'r' } } },
      );
    write({ kind: 'stderr' });
    write({ kind: 'off' });
    expect(lines).toHaveLength(1);
    // Stamped by the clock it was given, not the machine's.
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      time: iso(TEST_NOW),
      outcome: 'created',
      who: 'http',
      duration_ms: 1,
    });
    expect(() =>
      createAuditLog({ kind: 'file', path: join(dir, 'missing', 'x.jsonl') }, { secrets: [], stderr: () => {}, now }),
    ).toThrow(ConfigError);
  });
});

// A completion's writes, each outcome as the audit file shows it. TEST_NOW's day is 2026-11-22.
const COMPLETE = { id: 'emp-1', learning_object_external_reference: 'sec-101', result: { value: 'Pass' } };
const TODAYS = {
  id: 'cmp-today',
  learning_object_external_reference: 'sec-101',
  completed_at: '2026-11-22T08:00:00Z',
  created_at: '2026-11-22T08:00:00Z',
};

describe('one line per completion outcome', () => {
  test.each<[string, Record<string, unknown>, Responder[], Record<string, unknown>]>([
    [
      'created, after a check that found none that day',
      COMPLETE,
      [json(200, { data: [{ ...TODAYS, completed_at: '2025-11-22T08:00:00Z' }] })],
      { outcome: 'created', record_id: 'asg_123' },
    ],
    [
      'duplicate: one of it recorded that day; record_id is that one',
      COMPLETE,
      [json(200, { data: [TODAYS] })],
      { outcome: 'duplicate', record_id: 'cmp-today' },
    ],
    [
      'created_confirmed: the reply was lost and the completions show a new one, by its own id',
      COMPLETE,
      [json(200, { data: [] }), stackoneError(502, 'x'), json(200, { data: [{ ...TODAYS, id: 'cmp-new' }] })],
      { outcome: 'created_confirmed', record_id: 'cmp-new' },
    ],
    [
      'may_have_been_created: the reply was lost and the check failed too',
      COMPLETE,
      [json(200, { data: [] }), stackoneError(502, 'x'), stackoneError(403, 'no')],
      { outcome: 'may_have_been_created', error: 'UpstreamError', status: 502 },
    ],
    [
      'failed: the reply was lost and the complete list shows none',
      COMPLETE,
      [json(200, { data: [] }), stackoneError(502, 'x'), json(200, { data: [] })],
      { outcome: 'failed', status: 502 },
    ],
    [
      'failed: the check before it could not run, so nothing was sent',
      COMPLETE,
      [stackoneError(403, 'no')],
      { outcome: 'failed', error: 'PrecheckError' },
    ],
    ['dry_run', { ...COMPLETE, dry_run: true }, [], { outcome: 'dry_run' }],
  ])('%s', async (_name, args, responders, expected) => {
    const [line, ...rest] = await attempt('create_user_completion', args, responders);
    expect(rest).toEqual([]);
    expect(line).toMatchObject({
      tool: 'create_user_completion',
      user_id: 'emp-1',
      learning_object: 'sec-101',
      ...expected,
    });
    if (
      expected.outcome === 'dry_run' ||
      expected.outcome === 'failed' ||
      expected.outcome === 'may_have_been_created'
    ) {
      expect(line).not.toHaveProperty('record_id');
    }
  });
});
