/**
 * The secret test: run the suite's kinds of scenario through both real binaries, collect every byte the server
 * wrote (stdout, stderr, HTTP responses, access logs, audit lines on stderr and in an MCP_AUDIT_LOG file), and check
 * that no API key or token appears in any spelling. In OAuth mode too, with tokens from a real issuer.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { secretForms } from '../../src/secrets.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { freePort, raw, rpc, startHttp, waitForOutput } from '../helpers/http.js';
import { READ, startIssuer, WRITE } from '../helpers/oidc.js';
import { CREATED, json, type Responder, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';

const ENV_KEY = 'sk_live_ENV_c0ffee_9f8e7d6c5b4a';
const TENANT_KEY = 'sk_live_TENANT_beef_0a1b2c3d4e5f';
const TOKEN = 'mcp-token-not-a-stackone-key';

/** An upstream that echoes whatever credentials it receives into every kind of reply. */
function echoing(): Responder {
  let n = 0;
  return async (req, res) => {
    const auth = req.headers.authorization ?? '';
    const key = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString()
      .replace(/:$/, '');
    const echo = `auth=${auth} key=${key}`;
    const kind = n++ % 9;
    if (req.method === 'GET' && kind % 2 === 0) {
      return json(200, {
        data: [{ id: key, learning_object_external_reference: echo, status: { value: 'pending', source_value: auth } }],
        next: auth,
      })(req, res);
    }
    switch (kind) {
      case 0:
        return json(201, { ...CREATED, message: echo, data: { id: key, remote_id: auth } })(req, res);
      case 1:
        return stackoneError(401, `Unauthorized ${echo}`)(req, res);
      case 2:
        return stackoneError(422, 'Unprocessable', {
          provider_errors: [{ status: 400, url: `https://lms.example.com/x?key=${key}`, raw: { message: echo } }],
        })(req, res);
      case 3:
        return stackoneError(429, echo, {}, { 'retry-after': '0' })(req, res);
      case 4:
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end(`<html>${echo}</html>`);
        return;
      case 5:
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"data":[{"id":"${key}`);
        return;
      case 6:
        return stackoneError(404, `No user; you sent ${echo}`)(req, res);
      case 7:
        res.writeHead(302, { location: `https://evil.example.com/?k=${key}` });
        res.end();
        return;
      default:
        return stackoneError(500, echo)(req, res);
    }
  };
}

/** An upstream that accepts every create and lists nothing, echoing the key into the new record's id. */
const acceptingEcho: Responder = async (req, res) => {
  const auth = req.headers.authorization ?? '';
  const key = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
    .toString()
    .replace(/:$/, '');
  if (req.method === 'GET') return json(200, { data: [], next: null })(req, res);
  return json(201, { ...CREATED, message: `auth=${auth}`, data: { id: key, remote_id: auth } })(req, res);
};

const CALLS: Array<[string, Record<string, unknown>]> = [
  ['create_user_assignment', { id: 'emp-1', learning_object_external_reference: 'sec-101' }],
  ['list_user_assignments', { id: 'emp-1', filter: { status: 'pending' } }],
  ['create_user_completion', { id: 'emp-1', learning_object_external_reference: 'sec-101', result: { value: 'Pass' } }],
  ['create_user_assignment', { id: 'emp-1', learning_object_external_reference: 'sec-101', if_not_exists: true }],
  ['create_user_assignment', { id: 'emp-1', learning_object_external_reference: 'sec-101', dry_run: true }],
  ['create_user_completion', { id: 'emp-1', learning_object_external_reference: 'x', dry_run: true }],
  ['list_user_assignments', { id: 'emp-1', proxy: { a: 1 }, raw: true }],
  ['create_user_assignment', { id: 'emp-1', progress: 500 }],
  ['list_user_assignments', { id: 'nobody', account_id: 'other' }],
];
const ROUNDS = 3;

let upstream: Upstream;
let dir: string;
beforeAll(async () => {
  assertBuilt();
  upstream = await startUpstream(echoing());
  dir = mkdtempSync(join(tmpdir(), 'secrets-'));
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The audit lines in some output, to show the scan really covered them (and who they name). */
function auditLines(text: string): Array<{ who: string; outcome: string; tool: string }> {
  return text
    .split('\n')
    .filter((l) => l.includes('"msg":"audit"'))
    .map((l) => JSON.parse(l));
}

function assertClean(bytes: string, keys: string[]) {
  for (const key of keys) {
    for (const form of secretForms(key))
      expect(bytes.includes(form), `found ${form.slice(0, 6)}… in output`).toBe(false);
  }
}

function collect(child: ChildProcessWithoutNullStreams) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  return { stdout: () => Buffer.concat(out).toString('utf8'), stderr: () => Buffer.concat(err).toString('utf8') };
}

describe('no key in anything the server writes', () => {
  test('stdio: stdout, stderr and the audit file over every scenario', async () => {
    const auditFile = join(dir, 'stdio-audit.jsonl');
    const child = spawn(process.execPath, [BIN], {
      env: childEnv({
        MCP_AUDIT_LOG: auditFile,
        STACKONE_API_KEY: ENV_KEY,
        STACKONE_ACCOUNT_ID: 'acct',
        STACKONE_BASE_URL: upstream.url,
        STACKONE_LOG_LEVEL: 'debug',
        STACKONE_TIMEOUT_MS: '3000',
      }),
      stdio: 'pipe',
    });
    const bytes = collect(child);
    const exited = new Promise((r) => child.on('exit', r));
    child.stdin.write(
      `${rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } }, 0)}\n`,
    );
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    let id = 1;
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, args] of CALLS) child.stdin.write(`${rpc('tools/call', { name, arguments: args }, id++)}\n`);
    }
    const total = id - 1;
    const answered = () =>
      bytes
        .stdout()
        .split('\n')
        .filter((l) => /"id":[1-9]/.test(l)).length;
    // At stdin EOF the server answers every call still in flight, then exits: no need to watch the clock.
    child.stdin.end();
    await exited;
    expect(answered()).toBe(total);
    expect(upstream.requests.length).toBeGreaterThan(CALLS.length);
    const audit = readFileSync(auditFile, 'utf8');
    const everything = bytes.stdout() + bytes.stderr() + audit;
    // The upstream really did echo credentials back; the server must have kept them out.
    expect(everything).toContain('***');
    // Every write attempt is in the file, from the local user; none on stderr when a file is given. The one with
    // progress 500 is refused by the SDK's schema check before the tool boundary, so it has no line (nothing sent).
    const writes =
      CALLS.filter(([name, args]) => name.startsWith('create_') && args.progress === undefined).length * ROUNDS;
    expect(auditLines(audit)).toHaveLength(writes);
    expect(new Set(auditLines(audit).map((l) => l.who))).toEqual(new Set(['stdio']));
    expect(auditLines(bytes.stderr())).toHaveLength(0);
    assertClean(everything, [ENV_KEY]);
  }, 60_000);

  test('http: responses, stderr and access logs, with tenant keys and the bearer token', async () => {
    const child = spawn(process.execPath, [BIN, '--transport', 'http', '--port', '0'], {
      env: childEnv({
        STACKONE_API_KEY: ENV_KEY,
        MCP_AUTH_TOKEN: TOKEN,
        STACKONE_ACCOUNT_ID: 'acct',
        STACKONE_BASE_URL: upstream.url,
        STACKONE_LOG_LEVEL: 'debug',
        STACKONE_TIMEOUT_MS: '3000',
      }),
      stdio: 'pipe',
    });
    const bytes = collect(child);
    const exited = new Promise((r) => child.on('exit', r));
    await waitForOutput(child.stderr, /"listening"/);
    const url = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(bytes.stderr())?.[1] as string;
    const replies: string[] = [];
    const headerSets: Record<string, string>[] = [
      { authorization: `Bearer ${TOKEN}`, 'x-stackone-api-key': TENANT_KEY, 'x-account-id': 'tenant-acct' },
      { authorization: `Bearer ${TOKEN}` },
      { authorization: `Basic ${Buffer.from(`${TENANT_KEY}:`).toString('base64')}` },
      { authorization: 'Bearer wrong-token', 'x-stackone-api-key': TENANT_KEY },
    ];
    let id = 1;
    for (let round = 0; round < ROUNDS; round++) {
      for (const headers of headerSets) {
        for (const [name, args] of CALLS) {
          const reply = await raw(url, { headers, body: rpc('tools/call', { name, arguments: args }, id++) });
          replies.push(JSON.stringify(reply.headers), reply.body);
        }
      }
    }
    replies.push((await raw(url, { body: 'x'.repeat(2 * 1024 * 1024), headers: headerSets[0] })).body);
    child.kill('SIGTERM');
    await exited;
    const everything = replies.join('\n') + bytes.stdout() + bytes.stderr();
    expect(bytes.stdout()).toBe('');
    expect(everything).toContain('***');
    expect(everything).toMatch(/"msg":"http"/);
    // Audit lines went to stderr (the default) and were scanned with it: the shared token's callers are "token".
    expect(new Set(auditLines(bytes.stderr()).map((l) => l.who))).toEqual(new Set(['token']));
    assertClean(everything, [ENV_KEY, TENANT_KEY]);
    expect(everything.includes(TOKEN)).toBe(false);
  }, 60_000);

  test('http in OAuth mode: responses, stderr and the audit file, with access tokens and tenant headers', async () => {
    const issuer = await startIssuer({ claims: { alice: { stackone_account: 'acct-alice' } } });
    // Every create succeeds here, its record id the key echoed back: the audit line's record_id must not carry it.
    const accepting = await startUpstream(acceptingEcho);
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const auditFile = join(dir, 'oauth-audit.jsonl');
    const child = spawn(process.execPath, [BIN, '--transport', 'http', '--port', String(port)], {
      env: childEnv({
        STACKONE_API_KEY: ENV_KEY,
        MCP_OAUTH_ISSUER: issuer.url,
        MCP_RESOURCE_URL: resource,
        MCP_OAUTH_ACCOUNT_CLAIM: 'stackone_account',
        MCP_AUDIT_LOG: auditFile,
        STACKONE_BASE_URL: accepting.url,
        STACKONE_LOG_LEVEL: 'debug',
        STACKONE_TIMEOUT_MS: '3000',
      }),
      stdio: 'pipe',
    });
    const bytes = collect(child);
    const exited = new Promise((r) => child.on('exit', r));
    try {
      await waitForOutput(child.stderr, /"listening"/);
      const url = `http://127.0.0.1:${port}`;
      const writer = await issuer.mintForUser('alice', { audience: resource, scopes: [READ, WRITE] });
      const reader = await issuer.mintForUser('alice', { audience: resource, scopes: [READ] });
      const stranger = await issuer.forge({ audience: resource, scopes: [READ, WRITE] });
      const tokens = [writer, reader, stranger];
      const replies: string[] = [];
      let id = 1;
      for (const token of tokens) {
        const variants: Record<string, string>[] = [
          { authorization: `Bearer ${token}` },
          { authorization: `Bearer ${token}`, 'x-stackone-api-key': TENANT_KEY, 'x-account-id': 'tenant-acct' },
        ];
        for (const headers of variants) {
          for (const [name, args] of CALLS) {
            const reply = await raw(url, { headers, body: rpc('tools/call', { name, arguments: args }, id++) });
            replies.push(JSON.stringify(reply.headers), reply.body);
          }
        }
      }
      child.kill('SIGTERM');
      await exited;
      const audit = readFileSync(auditFile, 'utf8');
      const everything = replies.join('\n') + bytes.stdout() + bytes.stderr() + audit;
      expect(bytes.stdout()).toBe('');
      expect(everything).toContain('***');
      // Writes by the full token and the read-only one's refusals are all there, each naming the signed-in user.
      // Two header sets each: the writer's 5 schema-valid writes, and all 6 of the reader's refused at the door.
      expect(auditLines(audit)).toHaveLength(2 * 5 + 2 * 6);
      expect(new Set(auditLines(audit).map((l) => l.who))).toEqual(new Set(['alice']));
      expect(new Set(auditLines(audit).map((l) => l.outcome))).toEqual(new Set(['created', 'dry_run', 'refused']));
      assertClean(everything, [ENV_KEY, TENANT_KEY]);
      for (const token of tokens) {
        expect(everything.includes(token)).toBe(false);
        // The signature alone would be enough to replay nothing, but it must not leak either.
        expect(everything.includes(token.split('.')[2] as string)).toBe(false);
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
      await issuer.close();
      await accepting.close();
    }
  }, 60_000);
});

describe('a key echoed only where the summary does not look', () => {
  test('a page that carries the key in a field no summary shows is masked in the result', async () => {
    const hidden = await startUpstream((req, res) => {
      const key = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString()
        .replace(/:$/, '');
      const record = { id: 'a1', learning_object_external_reference: 'sec-101', status: { value: 'pending' } };
      return json(200, { data: [{ ...record, certificate_url: `https://lms.example/c?key=${key}` }], next: null })(
        req,
        res,
      );
    });
    const srv = await startHttp(hidden.url, { apiKey: ENV_KEY, accountId: 'acct' });
    try {
      const reply = await raw(srv.url, {
        body: rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'emp-1' } }),
      });
      expect(reply.body).toContain('***');
      assertClean(reply.body, [ENV_KEY]);
    } finally {
      await srv.close();
      await hidden.close();
    }
  });
});
