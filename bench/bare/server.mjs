// @ts-check
/**
 * A lower bound for `npm run bench`, not an MCP server anyone should run: newline-delimited JSON-RPC over stdio with
 * no SDK, no validation, no summary beyond one line, answering tools/call with one undici request to the upstream.
 * It shows how much of a stdio call is the process hop and the upstream request themselves.
 */
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';

const base = process.env.STACKONE_BASE_URL ?? '';
const agent = new Agent();
const headers = {
  authorization: `Basic ${Buffer.from(`${process.env.STACKONE_API_KEY ?? ''}:`).toString('base64')}`,
  'x-account-id': process.env.STACKONE_ACCOUNT_ID ?? '',
  accept: 'application/json',
};

/** @param {{ name: string, arguments: Record<string, unknown> }} params */
async function callTool(params) {
  const { id, ...body } = params.arguments;
  const kind = params.name === 'create_user_completion' ? 'completions' : 'assignments';
  const path = `/unified/lms/users/${encodeURIComponent(String(id))}/${kind}`;
  const isList = params.name === 'list_user_assignments';
  const res = await request(`${base}${path}${isList ? '?page_size=25' : ''}`, {
    method: isList ? 'GET' : 'POST',
    headers: isList ? headers : { ...headers, 'content-type': 'application/json' },
    body: isList ? undefined : JSON.stringify(body),
    dispatcher: agent,
  });
  const text = await res.body.text();
  return {
    content: [
      { type: 'text', text: `${params.name}: HTTP ${res.statusCode}` },
      { type: 'text', text },
    ],
  };
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  const result =
    message.method === 'initialize'
      ? {
          protocolVersion: message.params.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'bare', version: '0' },
        }
      : message.method === 'tools/call'
        ? await callTool(message.params)
        : {};
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, result })}\n`);
});
