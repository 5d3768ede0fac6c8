/**
 * What a client's connection gets from the HTTP server: a bound on open connections, a short deadline to send a
 * first request, and `Connection: close` honoured whichever path answered (the SDK's per-request handler, or the
 * long-lived shared server): the SDK's hop-by-hop headers are never copied over ours (the same `connection: close`
 * the server sets while draining). Raw sockets, so the test sees exactly what the wire carries.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type HttpServerUnderTest, raw, rpc, startHttp } from '../helpers/http.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';

let up: Upstream | undefined;
let srv: HttpServerUnderTest | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await srv?.close();
  await up?.close();
  srv = undefined;
  up = undefined;
});

async function start(extra: Parameters<typeof startHttp>[1] = {}) {
  up = await startUpstream(json(200, { data: [], next: null }));
  srv = await startHttp(up.url, { apiKey: 'sk_conn_test', accountId: 'acct', ...extra });
  return new URL(srv.url);
}

/** A socket that connects and sends nothing; resolves once connected, with a promise of its close. */
function idleSocket(url: URL): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    sockets.push(socket);
    const opened = Date.now();
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - opened)));
    socket.once('connect', () => resolve({ socket, closed }));
    // Closed by the server: a reset is one way it may say so.
    socket.on('error', (error) => (socket.connecting ? reject(error) : undefined));
  });
}

/** One raw HTTP/1.1 exchange on a fresh socket: the head of the answer, and whether the server closed the socket. */
function exchange(url: URL, request: string): Promise<{ head: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    sockets.push(socket);
    let data = '';
    socket.on('data', (d) => {
      data += d;
    });
    socket.once('connect', () => socket.write(request));
    // A server that keeps the connection open leaves it idle; the test decides "not closed" after the answer.
    const timer = setTimeout(() => resolve({ head: data.split('\r\n\r\n')[0] ?? '', closedByServer: false }), 1_500);
    // Closed by the server, with a FIN or a reset (what node does to a connection over maxConnections).
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ head: data.split('\r\n\r\n')[0] ?? '', closedByServer: true });
    });
    socket.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
  });
}

function post(url: URL, body: string, headers: Record<string, string> = {}): string {
  const lines = [
    'POST /mcp HTTP/1.1',
    `Host: ${url.host}`,
    'Content-Type: application/json',
    'Accept: application/json, text/event-stream',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

describe('connections', () => {
  test('a socket that sends no request is closed after the first-request deadline', async () => {
    const url = await start({ firstRequestTimeoutMs: 300 });
    const { closed } = await idleSocket(url);
    const after = await closed;
    expect(after).toBeGreaterThanOrEqual(250);
    expect(after).toBeLessThan(5_000);
  });

  test('past --max-connections a new connection is closed at once; once idle ones expire, requests are served', async () => {
    const url = await start({ maxConnections: 3, firstRequestTimeoutMs: 500 });
    const idle = await Promise.all([idleSocket(url), idleSocket(url), idleSocket(url)]);
    const refused = await exchange(url, post(url, rpc('ping', {})));
    expect(refused.head).toBe('');
    expect(refused.closedByServer).toBe(true);
    await Promise.all(idle.map((s) => s.closed));
    const served = await raw(url.origin, { body: rpc('ping', {}) });
    expect(served.status).toBe(200);
  });

  test.each([
    [
      'the long-lived shared server (2025-era tools/list)',
      rpc('tools/list', {}),
      { 'MCP-Protocol-Version': '2025-11-25' },
    ],
    [
      'the per-request SDK handler (initialize)',
      rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } }),
      {},
    ],
  ])('Connection: close is honoured on an answer from %s', async (_path, body, headers) => {
    const url = await start();
    const closing = await exchange(url, post(url, body, { ...headers, Connection: 'close' }));
    expect(closing.head).toMatch(/^HTTP\/1\.1 200/);
    expect(closing.head.toLowerCase()).toContain('connection: close');
    expect(closing.head.toLowerCase()).not.toContain('keep-alive');
    expect(closing.closedByServer).toBe(true);
    // Without it, the connection stays open for the next request.
    const kept = await exchange(url, post(url, body, headers));
    expect(kept.head).toMatch(/^HTTP\/1\.1 200/);
    expect(kept.closedByServer).toBe(false);
  });
});
