/**
 * The long-lived McpServer on HTTP (src/transports/multiplex.ts) keeps callers apart on its own: these are the
 * invariants the SDK's one-server-per-request guard used to give, each proven against the real server and the real
 * SDK, and each a test that goes red when its invariant is removed.
 */
import { request as httpRequest } from 'node:http';
import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, test } from 'vitest';
import * as z from 'zod';
import { MultiplexTransport } from '../../src/transports/multiplex.js';
import { type HttpServerUnderTest, type RawReply, raw, rpc, rpcOf, startHttp } from '../helpers/http.js';
import { type Recorded, startUpstream, type Upstream } from '../helpers/upstream.js';

let up: Upstream | undefined;
let srv: HttpServerUnderTest | undefined;
afterEach(async () => {
  await srv?.close();
  await up?.close();
  srv = undefined;
  up = undefined;
});

/** A page that names whose key (by tenant) and which user it was read for, so an answer shows whose it is. */
function pageFor(req: Recorded) {
  const user = /\/users\/([^/]+)\/assignments/.exec(req.path)?.[1] ?? '?';
  const basic = /^Basic (.+)$/.exec(String(req.headers.authorization))?.[1] ?? '';
  // The tenant's name, not its key: a result never carries the key (it would be masked).
  const key = Buffer.from(basic, 'base64')
    .toString('utf8')
    .replace(/^key-(.*):$/, 'tenant-$1');
  return {
    // A collection has no directory to read a title from: the call makes exactly one upstream request.
    data: [
      {
        id: `${key}:${user}`,
        learning_object_external_reference: 'ref',
        learning_object_type: { value: 'collection' },
      },
    ],
    next: null,
  };
}

/** SSE events or the one JSON message of a reply, in order. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads whatever the wire carried and asserts on its shape.
function messagesOf(reply: RawReply): any[] {
  if (String(reply.headers['content-type']).startsWith('text/event-stream')) {
    return reply.body
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)));
  }
  return [JSON.parse(reply.body)];
}

const listCall = (user: string, id: number | string, progressToken?: string) =>
  rpc(
    'tools/call',
    {
      name: 'list_user_assignments',
      arguments: { id: user },
      ...(progressToken === undefined ? {} : { _meta: { progressToken } }),
    },
    id as number,
  );

describe('one long-lived server for many callers', () => {
  test('two tenants sending the same ids, 40 calls at once: each gets only its own answer and its own progress', async () => {
    // Every upstream request waits until all 40 are in flight, then they are answered in reverse order: the
    // exchanges overlap entirely, and answers come back in another order than the calls went out.
    const held: Array<() => void> = [];
    up = await startUpstream(
      (req, res) =>
        new Promise<void>((resolve) => {
          held.push(() => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(pageFor(req)));
            resolve();
          });
        }),
    );
    srv = await startHttp(up.url, { accountId: 'acct' });
    const calls = ['A', 'B'].flatMap((tenant) =>
      Array.from({ length: 20 }, (_, i) => ({ tenant, id: i + 1, user: `${tenant}-user-${i}` })),
    );
    const replies = Promise.all(
      calls.map((c) =>
        raw(srv?.url ?? '', {
          headers: { 'x-stackone-api-key': `key-${c.tenant}` },
          // Half of each tenant's calls ask for progress, with tokens that are the same across the two tenants.
          body: listCall(c.user, c.id, c.id % 2 === 0 ? `token-${c.id}` : undefined),
        }),
      ),
    );
    await up.waitForRequests(40);
    for (const answer of held.reverse()) answer();
    const got = await replies;
    for (const [i, reply] of got.entries()) {
      const c = calls[i] ?? { tenant: '', id: 0, user: '' };
      expect(reply.status).toBe(200);
      const messages = messagesOf(reply);
      const answer = messages.at(-1);
      expect(answer.id).toBe(c.id);
      expect(answer.result.isError).toBeFalsy();
      expect(answer.result.structuredContent.data[0].id).toBe(`tenant-${c.tenant}:${c.user}`);
      const progress = messages.filter((m) => m.method === 'notifications/progress');
      if (c.id % 2 === 0) {
        // Exactly its own one page of progress, on its own response, before the answer.
        expect(String(reply.headers['content-type'])).toMatch(/^text\/event-stream/);
        expect(progress).toHaveLength(1);
        expect(progress[0].params.progressToken).toBe(`token-${c.id}`);
        expect(messages).toHaveLength(2);
      } else {
        // No notification came first: the answer is plain JSON.
        expect(String(reply.headers['content-type'])).toMatch(/^application\/json/);
        expect(messages).toHaveLength(1);
      }
    }
    // Each upstream request carried its own tenant's key.
    expect(up.requests).toHaveLength(40);
  });

  test('hostile cancels, posted responses and batches never reach another caller’s call', async () => {
    let release: (() => void) | undefined;
    up = await startUpstream(
      (req, res) =>
        new Promise<void>((resolve) => {
          release = () => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(pageFor(req)));
            resolve();
          };
        }),
    );
    srv = await startHttp(up.url, { accountId: 'acct', requestTimeoutMs: 3_000 });
    const url = srv.url;
    const victim = raw(url, { headers: { 'x-stackone-api-key': 'key-A' }, body: listCall('victim', 1) });
    await up.waitForRequests(1);
    // The attacker knows the victim's id, and guesses every id the server may have given the call inside.
    const attacker = { 'x-stackone-api-key': 'key-B' };
    const guesses = Array.from({ length: 400 }, (_, i) => i + 1);
    const cancels = await Promise.all(
      [1, ...guesses].map((requestId) =>
        raw(url, {
          headers: attacker,
          body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } }),
        }),
      ),
    );
    for (const reply of cancels) expect(reply.status).toBe(202);
    const responses = await Promise.all(
      [1, 2, 3].map((id) =>
        raw(url, { headers: attacker, body: JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } }) }),
      ),
    );
    for (const reply of responses) expect(reply.status).toBe(202);
    const batch = await raw(url, {
      headers: attacker,
      body: JSON.stringify([
        { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
        { jsonrpc: '2.0', id: 1, result: {} },
      ]),
    });
    expect(batch.status).toBe(202);
    release?.();
    const reply = await victim;
    const answer = rpcOf(reply);
    expect(answer.id).toBe(1);
    expect(answer.result.isError).toBeFalsy();
    expect(answer.result.structuredContent.data[0].id).toBe('tenant-A:victim');
  });

  test('a client that goes away is cancelled through the SDK: its upstream request closes, others go on', async () => {
    const held: Recorded[] = [];
    const answers: Array<() => void> = [];
    up = await startUpstream(
      (req, res) =>
        new Promise<void>((resolve) => {
          held.push(req);
          answers.push(() => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(pageFor(req)));
            resolve();
          });
        }),
    );
    srv = await startHttp(up.url, { accountId: 'acct' });
    const stays = raw(srv.url, { headers: { 'x-stackone-api-key': 'key-A' }, body: listCall('stays', 1) });
    await up.waitForRequests(1);
    const target = new URL(srv.url);
    const leaving = httpRequest({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'x-stackone-api-key': 'key-B',
      },
    });
    leaving.on('error', () => {});
    leaving.end(listCall('leaves', 1));
    await up.waitForRequests(2);
    leaving.destroy();
    await up.waitForSocketsClosed(1, 2_000);
    answers[0]?.();
    const answer = rpcOf(await stays);
    expect(answer.result.structuredContent.data[0].id).toBe('tenant-A:stays');
    await srv.handle.shutdown(1_000);
    const lines = srv.logs.map((l) => JSON.parse(l));
    // The SDK ran the call's cancellation: the tool saw its signal abort, and nothing was answered for it.
    expect(lines.find((l) => l.msg === 'tool call' && l.error === 'CancelledError')).toBeDefined();
    expect(lines.filter((l) => l.msg === 'mcp shared: dropped')).toEqual([]);
  });
});

describe('the multiplexing transport with a real McpServer', () => {
  async function connected() {
    const server = new McpServer({ name: 't', version: '1' }, { capabilities: { tools: {}, logging: {} } });
    let proceed: (() => void) | undefined;
    const started = new Promise<void>((resolve) => {
      server.registerTool('wait', { inputSchema: z.object({}) }, async (_args, ctx) => {
        await new Promise<void>((go) => {
          proceed = go;
          resolve();
        });
        await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data: 'own' } });
        return { content: [{ type: 'text', text: 'done' }] };
      });
    });
    const dropped: string[] = [];
    const transport = new MultiplexTransport((why) => dropped.push(why));
    await server.connect(transport);
    // biome-ignore lint/suspicious/noExplicitAny: the sink records whatever the transport hands it.
    const seen: any[] = [];
    const exchange = transport.dispatch(
      { jsonrpc: '2.0', id: 'client-id', method: 'tools/call', params: { name: 'wait', arguments: {} } },
      { token: '', clientId: 'test', scopes: [] },
      { notify: (m) => seen.push(['notify', m]), answer: (m) => seen.push(['answer', m]) },
    );
    await started;
    return { server, transport, exchange, seen, dropped, proceed: () => proceed?.() };
  }

  test('server messages that name no exchange are dropped, never broadcast; server-to-client requests too', async () => {
    const { server, transport, exchange, seen, dropped, proceed } = await connected();
    await server.server.sendLoggingMessage({ level: 'error', data: 'to everyone' });
    await server.sendToolListChanged();
    await transport.send({ jsonrpc: '2.0', id: 99, method: 'roots/list' }, { relatedRequestId: exchange.id });
    await transport.send({ jsonrpc: '2.0', id: 12345, result: {} });
    expect(seen).toEqual([]);
    expect(dropped).toHaveLength(4);
    proceed();
    await vi_waitFor(() => seen.length === 2);
    // Its own notification, then its answer under the client's own id.
    expect(seen[0]).toEqual(['notify', expect.objectContaining({ method: 'notifications/message' })]);
    expect(seen[1]).toEqual(['answer', expect.objectContaining({ id: 'client-id' })]);
    expect(transport.inFlight).toBe(0);
    await server.close();
  });

  test('a cancel goes through the SDK: the handler stops and nothing is answered', async () => {
    const { server, transport, exchange, seen, proceed } = await connected();
    exchange.cancel('gone');
    proceed();
    // The SDK answers nothing for an aborted request; a late message for it finds no exchange.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    expect(transport.inFlight).toBe(0);
    await server.close();
  });
});

/** Waits for a condition the SDK reaches on its own microtasks, without a fixed sleep. */
async function vi_waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}
