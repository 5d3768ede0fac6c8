/**
 * CANARIES for src/transports/stdio.ts (StdioLines). Each test runs the bare SDK path (serveStdio over the SDK's own
 * StdioServerTransport, our real tools behind it) and asserts that a gap StdioLines works around is still there.
 * They pass while the gap exists. When one goes red after an SDK upgrade, the SDK has fixed that gap: check the
 * fix, then remove that part of StdioLines (and this canary) rather than "fixing" the test.
 * Our own framing's answers to the same input are tested in tests/e2e/stdio.test.ts.
 */
import { PassThrough } from 'node:stream';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterEach, describe, expect, test } from 'vitest';
import { buildServer } from '../../src/server.js';
import { StackOneClient } from '../../src/stackone/client.js';
import { frozenClock } from '../helpers/clock.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

interface Bare {
  input: PassThrough;
  /** Every line the server wrote, parsed. */
  out: Array<{ id?: unknown; result?: unknown; error?: { code: number; message: string } }>;
  /** Resolves when a line answering `id` arrives. */
  answered(id: number): Promise<void>;
  /** Resolves when the SDK's transport has closed. */
  closed: Promise<void>;
  stop(): Promise<void>;
}

let up: Upstream | undefined;
let bare: Bare | undefined;
afterEach(async () => {
  await bare?.stop();
  await up?.close();
  bare = undefined;
  up = undefined;
});

/** Our server as the SDK alone would serve it on stdio, on in-process pipes, past the 2025 handshake. */
async function startBare(upstreamUrl: string, options: { maxBufferSize?: number } = {}): Promise<Bare> {
  const now = frozenClock();
  const stackone = new StackOneClient({ baseUrl: new URL(upstreamUrl), now, timeoutMs: 3_000, userAgent: 'canary' });
  const input = new PassThrough();
  const output = new PassThrough();
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  /** The SDK's transport, unchanged but for telling the test when it has closed. */
  class Observed extends StdioServerTransport {
    override async close(): Promise<void> {
      await super.close();
      markClosed();
    }
  }
  const out: Bare['out'] = [];
  const waiting = new Map<unknown, () => void>();
  let buffered = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      out.push(message);
      waiting.get(message.id)?.();
    }
  });
  const answered = (id: number) =>
    out.some((m) => m.id === id)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          waiting.set(id, resolve);
        });
  const handle = serveStdio(() => buildServer({ stackone, now, apiKey: 'sk_canary', accountId: 'acct' }), {
    transport: new Observed(input, output, options),
  });
  input.write(
    `${JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'canary', version: '1' } },
    })}\n`,
  );
  await answered(1);
  input.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  return {
    input,
    out,
    answered,
    closed,
    stop: async () => {
      await handle.close();
      await stackone.close();
    },
  };
}

const ping = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' })}\n`;
const toolsList = (id: number) => `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', params: {} })}\n`;

describe('CANARY: SDK 2.4 StdioServerTransport gaps that StdioLines works around', () => {
  test.each([
    ['null', 'null'],
    ['a number', '42'],
    ['an empty batch', '[]'],
    ['a request with "params": null', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: null })],
    ['a line that is not JSON', 'garbage {'],
  ])(
    'CANARY: the bare SDK answers nothing to %s (JSON-RPC wants an error), so a client waits for ever',
    async (_what, line) => {
      up = await startUpstream();
      bare = await startBare(up.url);
      const before = bare.out.length;
      bare.input.write(`${line}\n`);
      // Two later requests, the second through more of the SDK's machinery: an answer to the bad line, had there been
      // one, would be written by the time both of theirs are.
      bare.input.write(ping(10));
      bare.input.write(toolsList(11));
      await bare.answered(10);
      await bare.answered(11);
      expect(bare.out.slice(before).map((m) => m.id)).toEqual([10, 11]);
    },
  );

  test('CANARY: the bare SDK drops a call still in flight when stdin ends: it is never answered', async () => {
    // An upstream that never answers keeps the call in flight.
    up = await startUpstream(() => new Promise<void>(() => {}));
    bare = await startBare(up.url);
    bare.input.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 20,
        method: 'tools/call',
        params: { name: 'list_user_assignments', arguments: { id: 'u1' } },
      })}\n`,
    );
    await up.waitForRequests(1);
    bare.input.end();
    // The transport closes on EOF with the call unanswered; once closed it writes nothing more.
    await bare.closed;
    expect(bare.out.some((m) => m.id === 20)).toBe(false);
  });

  test('CANARY: the bare SDK closes the whole connection on one line over its buffer cap', async () => {
    up = await startUpstream();
    bare = await startBare(up.url, { maxBufferSize: 1024 });
    bare.input.write(`${'x'.repeat(2048)}\n`);
    bare.input.write(ping(30));
    // Fixed, the SDK would drop the line and answer the ping; today it closes first.
    const first = await Promise.race([bare.closed.then(() => 'closed'), bare.answered(30).then(() => 'answered')]);
    expect(first).toBe('closed');
    expect(bare.out.some((m) => m.id === 30)).toBe(false);
  });
});
