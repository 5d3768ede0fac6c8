/**
 * Wire the real server to the SDK's real (v2) Client, in-process, in either protocol era:
 * - `path: 'stdio'` (default): the SDK's serveStdio entry over our StdioLines framing on a pair of in-process pipes,
 *   as the bin runs it;
 * - `path: 'http'`: the SDK's createMcpHandler, driven through its fetch function (no socket).
 * `era: 'legacy'` is the 2025-11-25 initialize handshake; `era: 'modern'` pins 2026-07-28 (server/discover, _meta).
 */
import { PassThrough } from 'node:stream';
import {
  type CallToolResult,
  Client,
  type ClientCapabilities,
  type JSONRPCMessage,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Clock } from '../../src/clock.js';
import { buildServer, type ServerDeps } from '../../src/server.js';
import { type ClientOptions, StackOneClient } from '../../src/stackone/client.js';
import { StdioLines } from '../../src/transports/stdio.js';
import { frozenClock } from './clock.js';

export type WirePath = 'stdio' | 'http';
export type Era = 'legacy' | 'modern';

export const API_KEY = 'sk_test_SECRET_0123456789abcdef';
export const ACCOUNT = 'acct-42';

export interface Wired {
  client: Client;
  stackone: StackOneClient;
  /** The server's clock (and its upstream client's). */
  now: Clock;
  errors: Error[];
  call(name: string, args: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<CallToolResult>;
  close(): Promise<void>;
}

export function clientFor(era: Era, capabilities?: ClientCapabilities): Client {
  return new Client(
    { name: 'test-client', version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(capabilities ? { capabilities } : {}),
    },
  );
}

export async function wire(
  baseUrl: string,
  opts: {
    deps?: Partial<ServerDeps>;
    client?: Partial<ClientOptions>;
    path?: WirePath;
    era?: Era;
    /** One clock for the server and its upstream client; default frozen at TEST_NOW. */
    now?: Clock;
    /** What the client announces (an extension such as MCP Apps); default the SDK client's own. */
    capabilities?: ClientCapabilities;
  } = {},
): Promise<Wired> {
  const now = opts.now ?? frozenClock();
  const stackone = new StackOneClient({
    baseUrl: new URL(baseUrl),
    now,
    timeoutMs: 5_000,
    userAgent: 'stackone-lms-mcp/0.1.0 (test)',
    ...opts.client,
  });
  const deps: ServerDeps = { stackone, now, apiKey: API_KEY, accountId: ACCOUNT, ...opts.deps };
  const client = clientFor(opts.era ?? 'legacy', opts.capabilities);
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  let closeServer: () => Promise<void>;
  if (opts.path === 'http') {
    const handler = createMcpHandler(() => buildServer(deps));
    await client.connect(
      new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), {
        fetch: (url, init) => handler.fetch(new Request(url, init)),
      }),
    );
    closeServer = () => handler.close();
  } else {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    const handle = serveStdio(() => buildServer(deps), {
      transport: new StdioLines(toServer, toClient, { drainMs: 5_000 }),
    });
    await client.connect(new LineClientTransport(toClient, toServer));
    closeServer = () => handle.close();
  }
  return {
    client,
    stackone,
    now,
    errors,
    call: (name, args, options) => client.callTool({ name, arguments: args }, options),
    close: async () => {
      await client.close();
      await closeServer();
      await stackone.close();
    },
  };
}

export function textOf(result: CallToolResult, index = 0): string {
  const block = result.content[index];
  if (block?.type !== 'text') throw new Error(`content[${index}] is not text`);
  return block.text;
}

/** The client's end of a newline-delimited JSON-RPC pipe pair (what StdioClientTransport does over a child's stdio). */
class LineClientTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buffer = '';

  constructor(
    private readonly input: PassThrough,
    private readonly output: PassThrough,
  ) {}

  async start(): Promise<void> {
    this.input.setEncoding('utf8');
    this.input.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let nl = this.buffer.indexOf('\n'); nl !== -1; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
        } catch (error) {
          this.onerror?.(error as Error);
        }
      }
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  async close(): Promise<void> {
    this.input.removeAllListeners('data');
    this.output.end();
    this.onclose?.();
  }
}
