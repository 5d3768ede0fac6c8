/**
 * The v2 SDK alone, for cold start and idle RSS: a stdio McpServer with one tool and nothing else, bundled the way
 * the bin is (scripts/bundle.mjs: esbuild, minified, Ajv loaded on first use). What it costs to start and to hold
 * is the SDK's own share of ours, which no change of ours can go below (docs/PERFORMANCE.md). Built by bench/run.mjs.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

serveStdio(() => {
  const server = new McpServer({ name: 'sdk-alone', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  return server;
});
