// @ts-check
/**
 * Where one call's time goes, step by step, in-process (no sockets, no other process): each step of a
 * list_user_assignments call of a 25-assignment page, and the SDK's own cost for one tools/call on the per-request
 * path (createMcpHandler) against the long-lived one (our MultiplexTransport), with a tool that answers a fixed
 * result so that only the SDK is measured. Run by `npm run bench` (its table goes into BENCHMARKS.md) or alone
 * after `npm run build`: `node bench/steps.mjs`. Prints a markdown table: µs per operation, median of 5 runs.
 */
import { fileURLToPath } from 'node:url';
import { classifyInboundRequest, createMcpHandler, McpServer } from '@modelcontextprotocol/server';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { Emulator } = await import(`${ROOT}dist/sandbox/emulator.js`);
const { SANDBOX_API_KEY } = await import(`${ROOT}dist/sandbox/seed.js`);
const { LIST_USER_ASSIGNMENTS } = await import(`${ROOT}dist/stackone/endpoints.js`);
const { summarizeAssignments } = await import(`${ROOT}dist/tools/summaries.js`);
const { containsSecret, secretForms } = await import(`${ROOT}dist/secrets.js`);
const { TOOLS } = await import(`${ROOT}dist/tools/index.js`);
const { MultiplexTransport } = await import(`${ROOT}dist/transports/multiplex.js`);
const { AssignmentsListed } = await import(`${ROOT}dist/stackone/schemas.js`);
const { tenantDigest } = await import(`${ROOT}dist/stackone/directory.js`);
const { MemoryLocks } = await import(`${ROOT}dist/locks.js`);
const { createHash } = await import('node:crypto');

const NOW = Date.parse('2026-12-06T00:00:00Z');
const emulator = new Emulator({ now: () => NOW });
const reply = emulator.handle({
  method: 'GET',
  url: '/unified/lms/users/emp-1099/assignments?page_size=25',
  headers: {
    authorization: `Basic ${Buffer.from(`${SANDBOX_API_KEY}:`).toString('base64')}`,
    'x-account-id': 'acme-lms',
  },
  body: '',
});
const text = reply.body;
const page = JSON.parse(text);
const parsed = LIST_USER_ASSIGNMENTS.reply.parse(page);
const summary = summarizeAssignments(
  'emp-1099',
  {},
  parsed,
  { pages: 1, maxPages: 1, stoppedAtBudget: false },
  NOW,
  () => undefined,
);
const secrets = secretForms('bench_key_not_secret');
const structured = { summary, ...page };
const tool = TOOLS.find((/** @type {{ name: string }} */ t) => t.name === 'list_user_assignments');

/** µs per call of `fn`: the median of 5 timed runs of `n`, after a warm-up run. */
async function measure(/** @type {() => unknown} */ fn, n = 2_000) {
  const runs = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const out = fn();
      if (out instanceof Promise) await out;
    }
    if (r > 0) runs.push(((performance.now() - t0) * 1000) / n);
  }
  return runs.sort((a, b) => a - b)[2] ?? Number.NaN;
}

/**
 * An McpServer with list_user_assignments's own schemas, answering the fixed result: only the SDK's work. Without
 * `output`, no outputSchema: what the SDK's check of structuredContent costs.
 */
function fixedServer(output = true) {
  const server = new McpServer({ name: 'steps', version: '1' }, { capabilities: { tools: {} } });
  server.registerTool(
    tool.name,
    {
      description: tool.description,
      inputSchema: tool.inputSchema,
      ...(output ? { outputSchema: tool.outputSchema } : {}),
    },
    async () => ({ content: [{ type: /** @type {const} */ ('text'), text: summary }], structuredContent: structured }),
  );
  return server;
}
const call = (/** @type {number} */ id) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'list_user_assignments', arguments: { id: 'emp-1099', page_size: 25 } },
});

// The per-request path, as createMcpHandler serves a 2025-era POST: a server per request, answered over SSE.
const handler = createMcpHandler(() => fixedServer(), { legacy: 'stateless' });
async function perRequest() {
  const body = call(1);
  const response = await handler.fetch(
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(body),
      signal: new AbortController().signal,
    }),
    { parsedBody: body },
  );
  return response.text();
}

// The same call in the 2026-07-28 era: the per-request path is the only one (docs/PERFORMANCE.md), answered JSON.
const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
async function perRequestModern() {
  const plain = call(1);
  const body = { ...plain, params: { ...plain.params, _meta: envelope } };
  const response = await handler.fetch(
    new Request('http://127.0.0.1/mcp', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'list_user_assignments',
      },
      body: JSON.stringify(body),
      signal: new AbortController().signal,
    }),
    { parsedBody: body },
  );
  return response.text();
}

// The long-lived path: one server, our transport, the answer serialised as the HTTP layer writes it.
const auth = { token: '', clientId: 'bench', scopes: [] };
let next = 0;
async function longLivedOn(/** @type {McpServer} */ server) {
  const transport = new MultiplexTransport();
  await server.connect(transport);
  return () =>
    new Promise((resolve) => {
      transport.dispatch(/** @type {never} */ (call(++next)), auth, {
        notify: () => {},
        answer: (/** @type {unknown} */ message) => resolve(JSON.stringify(message)),
      });
    });
}
const longLived = await longLivedOn(fixedServer());
const longLivedNoOutputSchema = await longLivedOn(fixedServer(false));

// What the SDK checked structuredContent against before: the trimmed shape tools/list shows, whose undeclared keys
// zod copies one by one; now the full DTO (tool.outputSchema validates it, and still advertises the trimmed one).
const trimmed = AssignmentsListed.extend({ summary: tool.outputSchema.shape.summary });
const credentials = { apiKey: 'bench_key_not_secret', accountId: 'acme-lms' };
const locks = new MemoryLocks();
const signal = new AbortController().signal;

const rows = [
  ['upstream page: JSON.parse (17.9 KB)', await measure(() => JSON.parse(text))],
  ['upstream page: zod check (AssignmentsPaginated)', await measure(() => LIST_USER_ASSIGNMENTS.reply.safeParse(page))],
  [
    'summary of the page',
    await measure(() =>
      summarizeAssignments(
        'emp-1099',
        {},
        parsed,
        { pages: 1, maxPages: 1, stoppedAtBudget: false },
        NOW,
        () => undefined,
      ),
    ),
  ],
  [
    'SDK check of structuredContent: the trimmed shape (before)',
    await measure(() => trimmed['~standard'].validate(structured)),
  ],
  [
    'SDK check of structuredContent: the full DTO (now)',
    await measure(() => tool.outputSchema['~standard'].validate(structured)),
  ],
  ['secret check: walk the page (containsSecret)', await measure(() => containsSecret(page, secrets))],
  [
    'tenant digest, hashed on every use (before; a create used three)',
    await measure(() =>
      createHash('sha256')
        .update(`${credentials.apiKey}\n${credentials.accountId}\nhttp://127.0.0.1`)
        .digest('base64url'),
    ),
  ],
  ['tenant digest, made once per tenant (now)', await measure(() => tenantDigest('http://127.0.0.1', credentials))],
  [
    "a create's lock with nobody ahead (a timer and an abort listener before)",
    await measure(() => locks.withLock('k', { waitMs: 1_000, signal }, async () => 1)),
  ],
  [
    'secret check: serialise and search (before)',
    await measure(() => {
      const j = JSON.stringify(page);
      return secrets.some((/** @type {string} */ s) => j.includes(s));
    }),
  ],
  [
    'answer serialised, page once (now)',
    await measure(() =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        result: { content: [{ type: 'text', text: summary }], structuredContent: structured },
      }),
    ),
  ],
  [
    'answer serialised, page twice (JSON text copy, before)',
    await measure(() =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        result: {
          content: [
            { type: 'text', text: summary },
            { type: 'text', text: JSON.stringify(page) },
          ],
          structuredContent: structured,
        },
      }),
    ),
  ],
  [
    'SDK: classifyInboundRequest of a tools/call',
    await measure(() =>
      classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader: '2025-11-25', body: call(1) }),
    ),
  ],
  ['SDK: one tools/call, per-request server (createMcpHandler, SSE)', await measure(perRequest, 1_000)],
  [
    'SDK: one tools/call, per-request server, 2026-07-28 (createMcpHandler, JSON)',
    await measure(perRequestModern, 1_000),
  ],
  ['SDK: one tools/call, long-lived server (MultiplexTransport, JSON)', await measure(longLived, 1_000)],
  [
    '  the same with no outputSchema (the SDK checks no structuredContent)',
    await measure(longLivedNoOutputSchema, 1_000),
  ],
];
const bytes = (/** @type {unknown} */ v) => Buffer.byteLength(JSON.stringify(v));
process.stdout.write(
  [
    '| step (a 25-assignment list_user_assignments call) | µs |',
    '| --- | ---: |',
    ...rows.map(([name, us]) => `| ${name} | ${Number(us).toFixed(1)} |`),
    '',
    `Answer sizes: ${bytes({ content: [{ type: 'text', text: summary }], structuredContent: structured }).toLocaleString('en-US')} bytes with the page once, ${bytes(
      {
        content: [
          { type: 'text', text: summary },
          { type: 'text', text: JSON.stringify(page) },
        ],
        structuredContent: structured,
      },
    ).toLocaleString('en-US')} with the JSON text copy.`,
    '',
  ].join('\n'),
);
await handler.close();
