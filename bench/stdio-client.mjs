// @ts-check
/**
 * The bench scripts' MCP client: the built server spawned over stdio against a loopback upstream, with only the
 * bench's own STACKONE_ variables and shared cache (a developer's shell must not point it elsewhere or change its
 * figures).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/**
 * @param {{ bin: string, origin: string, key: string, account: string, name: string, args?: string[], cacheUrl?: string }} options
 * @returns {Promise<Client>}
 */
export async function connectStdio({ bin, origin, key, account, name, args = [], cacheUrl }) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STACKONE_') && k !== 'MCP_CACHE_URL') env[k] = v;
  }
  if (cacheUrl) env.MCP_CACHE_URL = cacheUrl;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, ...args],
    env: {
      ...env,
      STACKONE_API_KEY: key,
      STACKONE_ACCOUNT_ID: account,
      STACKONE_BASE_URL: origin,
      STACKONE_LOG_LEVEL: 'warn',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return client;
}
