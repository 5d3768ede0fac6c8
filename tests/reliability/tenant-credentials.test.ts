/**
 * Tenant credentials over a real HTTP server: a credential in a form we do not accept, an empty key, a duplicate
 * header or an oversized account is refused before anything reaches the upstream, and above all it never runs on
 * the operator's key. Only a request that brings no credentials at all does.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type HttpServerUnderTest, rpc, startHttp } from '../helpers/http.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

const OPERATOR_KEY = 'operator-key-0123456789';
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const LIST = rpc('tools/call', { name: 'list_user_assignments', arguments: { id: 'u1' } });

/** A POST whose headers may repeat (an array value sends one header line per element), as node:http would not. */
function post(
  url: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const target = new URL(`${url}/mcp`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(LIST);
  });
}

let up: Upstream;
let srv: HttpServerUnderTest;
let bearerSrv: HttpServerUnderTest;
const TOKEN = 't'.repeat(40);
beforeAll(async () => {
  up = await startUpstream(json(200, { data: [] }));
  srv = await startHttp(up.url, { apiKey: OPERATOR_KEY, accountId: 'operator-account' });
  bearerSrv = await startHttp(up.url, { apiKey: OPERATOR_KEY, accountId: 'operator-account', authToken: TOKEN });
});
afterAll(async () => {
  await srv.close();
  await bearerSrv.close();
  await up.close();
});

const ACCEPTED = /Authorization: Basic base64\(<key>:\)`? or `?x-stackone-api-key/;

describe('without MCP_AUTH_TOKEN', () => {
  test.each([
    ['Basic %%%', { authorization: 'Basic %%%' }],
    ['Basic (empty)', { authorization: 'Basic ' }],
    ['Basic Og== (empty key)', { authorization: 'Basic Og==' }],
    ['Basic key:password', { authorization: basic('k:secret') }],
    ['Basic with a control character', { authorization: basic('k\n1:') }],
    ['Bearer x', { authorization: 'Bearer x' }],
    ['Digest x', { authorization: 'Digest x' }],
    ['an empty x-stackone-api-key', { 'x-stackone-api-key': '' }],
    ['a key of 10,000 characters', { 'x-stackone-api-key': 'k'.repeat(10_000) }],
  ])('%s is refused with 401, naming the accepted forms, and nothing reaches the upstream', async (_, headers) => {
    const before = up.requests.length;
    const reply = await post(srv.url, headers);
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Basic realm="StackOne API key"');
    expect(JSON.parse(reply.body).error.message).toMatch(ACCEPTED);
    expect(up.requests.length).toBe(before);
  });

  test.each([
    ['two x-stackone-api-key', { 'x-stackone-api-key': ['k1', 'k2'] }, /one x-stackone-api-key header/],
    ['two x-account-id', { 'x-account-id': ['a1', 'a2'] }, /one x-account-id header/],
    ['two Authorization', { authorization: [basic('k1:'), basic('k2:')] }, /one authorization header/],
    ['a 10,000-character x-account-id', { 'x-account-id': 'a'.repeat(10_000) }, /longer than 256/],
    [
      'different keys in Authorization and x-stackone-api-key',
      { authorization: basic('k1:'), 'x-stackone-api-key': 'k2' },
      /send one/,
    ],
  ])('%s is refused with 400 and nothing reaches the upstream', async (_, headers, message) => {
    const before = up.requests.length;
    const reply = await post(srv.url, headers);
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.message).toMatch(message);
    expect(up.requests.length).toBe(before);
  });

  test("only a request with no credentials runs on the operator's key; a tenant's key replaces it", async () => {
    const before = up.requests.length;
    expect((await post(srv.url, {})).status).toBe(200);
    expect((await post(srv.url, { authorization: basic('tenant-key:'), 'x-account-id': 'acct-t' })).status).toBe(200);
    expect((await post(srv.url, { 'x-stackone-api-key': 'tenant-key-2' })).status).toBe(200);
    const seen = up.requests.slice(before).map((r) => r.headers.authorization);
    expect(seen).toEqual([basic(`${OPERATOR_KEY}:`), basic('tenant-key:'), basic('tenant-key-2:')]);
    expect(up.requests.at(-2)?.headers['x-account-id']).toBe('acct-t');
  });
});

describe('with MCP_AUTH_TOKEN', () => {
  const bearer = `Bearer ${TOKEN}`;
  test.each([
    ['an empty x-stackone-api-key', { authorization: bearer, 'x-stackone-api-key': '' }, 401],
    ['two x-stackone-api-key', { authorization: bearer, 'x-stackone-api-key': ['k1', 'k2'] }, 400],
    ['two Authorization', { authorization: [bearer, basic('k:')] }, 400],
  ])('%s is refused and nothing reaches the upstream', async (_, headers, status) => {
    const before = up.requests.length;
    const reply = await post(bearerSrv.url, headers);
    expect(reply.status).toBe(status);
    if (status === 401) expect(JSON.parse(reply.body).error.message).toMatch(/x-stackone-api-key: <key>/);
    expect(up.requests.length).toBe(before);
  });

  test('the tenant key travels in x-stackone-api-key', async () => {
    const before = up.requests.length;
    expect((await post(bearerSrv.url, { authorization: bearer, 'x-stackone-api-key': 'tenant-b' })).status).toBe(200);
    expect(up.requests.slice(before).map((r) => r.headers.authorization)).toEqual([basic('tenant-b:')]);
  });
});
