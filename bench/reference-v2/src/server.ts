/**
 * The second reference server for `npm run bench`: the same straightforward server on the v2 SDK, the way its docs
 * build one. McpServer from a factory; serveStdio on stdio; createMcpHandler(factory, { legacy: 'stateless' })
 * behind toNodeHandler on HTTP (a fresh McpServer per request, both protocol eras); the same three tools calling the
 * same upstream with undici. Compiled by tsc, run by plain node. A yardstick, not a product.
 *
 *   node bench/reference-v2/dist/server.js                       # stdio
 *   node bench/reference-v2/dist/server.js --http --port 3100    # Streamable HTTP at /mcp
 * Env: STACKONE_API_KEY, STACKONE_ACCOUNT_ID, STACKONE_BASE_URL.
 */
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { type CallToolResult, createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { request } from 'undici';
import * as z from 'zod';

const baseUrl = process.env.STACKONE_BASE_URL ?? 'https://api.stackone.com';
const apiKey = process.env.STACKONE_API_KEY ?? '';
const defaultAccount = process.env.STACKONE_ACCOUNT_ID;
const auth = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;

const isoDate = z.iso.datetime({ offset: true });
const common = {
  id: z.string().min(1).describe('The StackOne user id.'),
  account_id: z.string().optional().describe('StackOne linked account id (x-account-id).'),
};
const assignmentInput = {
  ...common,
  learning_object_external_reference: z.string().min(1).describe('External reference of the learning object.'),
  learning_object_id: z.string().optional().describe('The learning object id.'),
  progress: z.number().min(0).max(100).optional().describe('Progress in percent.'),
  assigned_at: isoDate.optional().describe('When it was assigned.'),
  due_date: isoDate.optional().describe('When it is due.'),
  status: z
    .object({ value: z.enum(['pending', 'in_progress', 'completed']), source_value: z.unknown().optional() })
    .optional(),
  passthrough: z.record(z.string(), z.unknown()).optional().describe('Passed through to the provider.'),
  external_reference: z.string().optional().describe('Deprecated.'),
};
const completionInput = {
  ...common,
  learning_object_external_reference: z.string().min(1).describe('External reference of the learning object.'),
  learning_object_id: z.string().optional().describe('The learning object id.'),
  result: z.object({ value: z.enum(['Pass', 'Fail']), source_value: z.unknown().optional() }).optional(),
  completed_at: isoDate.optional().describe('When it was completed.'),
  time_spent: z.string().optional().describe('ISO 8601 duration, e.g. PT1H30M.'),
  score: z.object({ percentage: z.number().optional(), raw_value: z.string().optional() }).optional(),
  passthrough: z.record(z.string(), z.unknown()).optional().describe('Passed through to the provider.'),
  content_external_reference: z.string().optional().describe('Deprecated.'),
  content_id: z.string().optional().describe('Deprecated.'),
};
const listInput = {
  ...common,
  filter: z
    .object({ status: z.enum(['pending', 'in_progress', 'completed']).optional(), updated_after: isoDate.optional() })
    .optional(),
  page_size: z.number().int().min(1).max(100).optional(),
  next: z.string().optional().describe('Cursor from the previous page.'),
  fields: z.string().optional().describe('Comma-separated fields to return.'),
  raw: z.boolean().optional(),
  user_id: z.string().optional(),
  remote_user_id: z.string().optional(),
};

async function callApi(method: 'GET' | 'POST', path: string, account: string | undefined, body?: unknown) {
  const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
  const accountId = account ?? defaultAccount;
  if (accountId) headers['x-account-id'] = accountId;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await request(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.body.json()) as Record<string, unknown>;
  return { status: res.statusCode, json };
}

function result(summary: string, status: number, json: unknown): CallToolResult {
  return {
    isError: status >= 400,
    content: [
      { type: 'text', text: status >= 400 ? `StackOne answered ${status}: ${summary}` : summary },
      { type: 'text', text: JSON.stringify(json) },
    ],
  };
}

function userPath(id: string, kind: 'assignments' | 'completions'): string {
  return `/unified/lms/users/${encodeURIComponent(id)}/${kind}`;
}

function buildServer(): McpServer {
  const server = new McpServer({ name: 'reference-lms', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.registerTool(
    'create_user_assignment',
    { description: 'Assign a learning object to a user in the LMS.', inputSchema: z.object(assignmentInput) },
    async ({ id, account_id, ...body }) => {
      const { status, json } = await callApi('POST', userPath(id, 'assignments'), account_id, body);
      return result(`Assigned ${body.learning_object_external_reference} to ${id}.`, status, json);
    },
  );
  server.registerTool(
    'create_user_completion',
    { description: 'Record that a user completed a learning object.', inputSchema: z.object(completionInput) },
    async ({ id, account_id, ...body }) => {
      const { status, json } = await callApi('POST', userPath(id, 'completions'), account_id, body);
      return result(`Recorded completion of ${body.learning_object_external_reference} for ${id}.`, status, json);
    },
  );
  server.registerTool(
    'list_user_assignments',
    { description: "List a user's learning assignments.", inputSchema: z.object(listInput) },
    async ({ id, account_id, filter, ...rest }) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(rest)) if (value !== undefined) query.set(key, String(value));
      for (const [key, value] of Object.entries(filter ?? {}))
        if (value !== undefined) query.set(`filter[${key}]`, value);
      const qs = query.size > 0 ? `?${query}` : '';
      const { status, json } = await callApi('GET', `${userPath(id, 'assignments')}${qs}`, account_id);
      const data = Array.isArray(json.data) ? (json.data as Array<Record<string, unknown>>) : [];
      const lines = data.map((a) => {
        const st = (a.status as { value?: string } | undefined)?.value ?? 'unknown';
        return `- ${a.learning_object_external_reference ?? a.id}: ${st}, due ${a.due_date ?? 'none'}`;
      });
      const more = json.next ? ' More pages remain.' : '';
      return result(`${data.length} assignments for ${id}.${more}\n${lines.join('\n')}`, status, json);
    },
  );
  return server;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (!args.includes('--http')) {
    serveStdio(buildServer);
    return;
  }
  const portIndex = args.indexOf('--port');
  const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 3000;
  const handler = toNodeHandler(createMcpHandler(buildServer, { legacy: 'stateless' }));
  const http = createServer((req, res) => {
    if (req.url !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    void handler(req, res);
  });
  http.listen(port, '127.0.0.1', () => {
    const address = http.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    process.stderr.write(`reference-v2 listening on http://127.0.0.1:${actual}/mcp\n`);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`reference-v2 failed: ${String(error)}\n`);
  process.exit(1);
});
