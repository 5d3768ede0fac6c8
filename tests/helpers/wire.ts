/** Wire the real McpServer to the SDK's real Client over an in-memory transport pair. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { buildServer, type ServerDeps } from '../../src/server.js';
import { type ClientOptions, StackOneClient } from '../../src/stackone/client.js';

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
  opts: { deps?: Partial<ServerDeps>; client?: Partial<ClientOptions> } = {},
): Promise<Wired> {
  const stackone = new StackOneClient({
    baseUrl: new URL(baseUrl),
    timeoutMs: 5_000,
    userAgent: 'stackone-lms-mcp/0.1.0 (test)',
    ...opts.client,
  });
  const server = buildServer({ stackone, apiKey: API_KEY, accountId: ACCOUNT, ...opts.deps });
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(a), client.connect(b)]);
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
