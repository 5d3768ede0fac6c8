/**
 * Wire the real server to the SDK's real Client. By default through our stdio transport (FastStdioTransport) over a
 * pair of in-process pipes, as the bin runs it; with `path: 'sdk'`, over the SDK's in-memory transport, so every
 * message goes through the SDK's own handlers (the path HTTP uses for progress streams and batches).
 */
import { PassThrough } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { buildServer, createToolRunner, type ServerDeps } from '../../src/server.js';
import { type ClientOptions, StackOneClient } from '../../src/stackone/client.js';
import { FastStdioTransport } from '../../src/transports/stdio.js';

export type WirePath = 'fast' | 'sdk';

export const API_KEY = 'sk_test_SECRET_0123456789abcdef';
export const ACCOUNT = 'acct-42';

export interface Wired {
  client: Client;
  stackone: StackOneClient;
  errors: Error[];
  call(name: string, args: Record<string, unknown>, options?: { signal?: AbortSignal }): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function wire(
  baseUrl: string,
  opts: { deps?: Partial<ServerDeps>; client?: Partial<ClientOptions>; path?: WirePath } = {},
): Promise<Wired> {
  const stackone = new StackOneClient({
    baseUrl: new URL(baseUrl),
    timeoutMs: 5_000,
    userAgent: 'stackone-lms-mcp/0.1.0 (test)',
    ...opts.client,
  });
  const deps: ServerDeps = { stackone, apiKey: API_KEY, accountId: ACCOUNT, ...opts.deps };
  const runner = createToolRunner(deps);
  const server = buildServer(deps, runner);
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  if (opts.path === 'sdk') {
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(a), client.connect(b)]);
  } else {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    await server.connect(new FastStdioTransport(runner, toServer, toClient));
    await client.connect(new LineClientTransport(toClient, toServer));
  }
  return {
    client,
    stackone,
    errors,
    call: async (name, args, options) =>
      (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
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
