// @ts-check
/**
 * Starts the installed package the way a client config does (`npx stackone-lms-mcp --sandbox`, from the folder it
 * was installed into), lists the tools over stdio with the SDK's Client, and calls one. Exits non-zero on failure.
 * Usage: node scripts/pack/smoke.mjs <install-dir>
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: smoke.mjs <install-dir>');
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('STACKONE_')),
);
const transport = new StdioClientTransport({
  command: 'npx',
  args: ['--no-install', 'stackone-lms-mcp', '--sandbox'],
  cwd: dir,
  env: /** @type {Record<string, string>} */ (env),
  stderr: 'inherit',
});
const client = new Client({ name: 'pack-smoke', version: '1.0.0' });
await client.connect(transport);
try {
  const names = (await client.listTools()).tools.map((t) => t.name).join(',');
  // The registry as this checkout built it (tsc's output, by URL so the typecheck leaves dist/ alone), so a new tool
  // needs no edit here.
  /** @type {{ TOOLS: Array<{ name: string }> }} */
  const { TOOLS } = await import(new URL('../../dist/tools/index.js', import.meta.url).href);
  if (names !== TOOLS.map((t) => t.name).join(',')) throw new Error(`tools: ${names}`);
  const result = /** @type {import('@modelcontextprotocol/sdk/types.js').CallToolResult} */ (
    await client.callTool({ name: 'list_user_assignments', arguments: { id: 'emp-1001' } })
  );
  const first = result.content[0];
  const text = first?.type === 'text' ? first.text : '';
  if (result.isError || !text.startsWith('[sandbox')) throw new Error(`call failed: ${text}`);
  console.log(
    `pack smoke: ${client.getServerVersion()?.name} ${client.getServerVersion()?.version} from ${dir}: tools ${names}`,
  );
  console.log(text.split('\n')[0]);
} finally {
  await client.close();
}
