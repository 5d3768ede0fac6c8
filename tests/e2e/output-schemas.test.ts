/**
 * Every structuredContent the tools return passes the outputSchema they advertise, checked by the clients that check
 * it: the SDK v1 Client (Ajv) and the v2 Client each list the tools (which compiles the output validators), then call
 * every tool on the real binary over stdio and throw on a result that does not match. Two upstreams: the sandbox
 * (realistic data, the dry runs and the "not created" answers) and a scripted StackOne whose replies hold null in
 * every nullable field, fields no DTO names, and source values of every JSON type.
 */
import { Client as V2Client } from '@modelcontextprotocol/client';
import { StdioClientTransport as V2Stdio } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1Stdio } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { json, type Responder, startUpstream, type Upstream } from '../helpers/upstream.js';

beforeAll(() => assertBuilt());

/** What both clients have in common here: list, then call (which validates against what the list said). */
interface Checking {
  listTools(): Promise<{ tools: Array<{ name: string; outputSchema?: unknown }> }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}

const CLIENTS: Record<string, (args: string[], env: Record<string, string>) => Promise<Checking>> = {
  'SDK v1 Client (Ajv)': async (args, env) => {
    const client = new V1Client({ name: 'v1-output-check', version: '1.0.0' });
    await client.connect(
      new V1Stdio({ command: process.execPath, args: [BIN, ...args], env: childEnv(env), stderr: 'ignore' }),
    );
    return client;
  },
  'SDK v2 Client': async (args, env) => {
    const client = new V2Client({ name: 'v2-output-check', version: '1.0.0' });
    await client.connect(
      new V2Stdio({ command: process.execPath, args: [BIN, ...args], env: childEnv(env), stderr: 'ignore' }),
    );
    return client;
  },
};

type Call = [name: string, args: Record<string, unknown>];

/** The calls for the sandbox: every tool, and the other shapes a create answers with (dry run, already there). */
const SANDBOX_CALLS: Call[] = [
  ['find_users', { query: 'okafor' }],
  ['find_learning_objects', { query: 'leadership' }],
  ['find_learning_objects', { query: 'a', type: 'content' }],
  ['create_user_assignment', { id: 'emp-1002', learning_object_external_reference: 'leadership-foundations' }],
  ['create_user_assignment', { id: 'emp-1002', learning_object_external_reference: 'leadership-foundations' }],
  ['create_user_assignment', { id: 'emp-1002', learning_object_external_reference: 'x', dry_run: true }],
  ['list_user_assignments', { id: 'emp-1002', raw: true }],
  ['list_user_assignments', { id: 'emp-1002', page_size: 1, max_pages: 3 }],
  ['create_user_completion', { id: 'emp-1002', learning_object_external_reference: 'leadership-foundations' }],
  // The same again that day: "not created", with the completion it found.
  ['create_user_completion', { id: 'emp-1002', learning_object_external_reference: 'leadership-foundations' }],
  ['create_user_completion', { id: 'emp-1002', learning_object_external_reference: 'x', dry_run: true }],
  ['list_user_completions', { id: 'emp-1099', page_size: 5, max_pages: 2 }],
];

/** The same tools against the scripted StackOne below. */
const SCRIPTED_CALLS: Call[] = [
  ['find_users', { query: 'nul' }],
  ['find_learning_objects', { query: 'nul' }],
  ['create_user_assignment', { id: 'u1', learning_object_external_reference: 'ref-1', allow_duplicate: true }],
  ['list_user_assignments', { id: 'u1', raw: true }],
  ['create_user_completion', { id: 'u1', learning_object_external_reference: 'ref-1', allow_duplicate: true }],
  // Its completion of ref-1 has no date, so it may be today's: "not created".
  ['create_user_completion', { id: 'u1', learning_object_external_reference: 'ref-1' }],
  ['list_user_completions', { id: 'u1', raw: true }],
];

const NULLS = { remote_id: null, external_reference: null, created_at: null, unified_custom_fields: null };
const EXTRA = { provider_field: { nested: [1, 'two', null] } };
/** An assignment with null wherever StackOne may send null, source values of each JSON type, and a provider field. */
const ASSIGNMENT = {
  id: 'asg-null',
  ...NULLS,
  learning_object_id: null,
  remote_learning_object_id: null,
  learning_object_external_reference: 'ref-1',
  progress: '40',
  updated_at: null,
  assigned_at: null,
  due_date: null,
  status: { value: null, source_value: { code: 7 } },
  learning_object_type: { value: 'course', source_value: ['COURSE'] },
  user_id: null,
  remote_user_id: null,
  certificate_url: null,
  result: { value: 'Pass', source_value: 1 },
  completed_at: null,
  course_id: null,
  remote_course_id: null,
  ...EXTRA,
};
/** A completion with null in every nullable field (the deprecated ones included) and a provider field. */
const COMPLETION = {
  id: 'cmp-null',
  ...NULLS,
  user_id: null,
  remote_user_id: null,
  learning_object_id: null,
  remote_learning_object_id: null,
  learning_object_external_reference: 'ref-1',
  learning_object_type: null,
  result: { value: null, source_value: true },
  completed_at: null,
  updated_at: null,
  time_spent: null,
  certificate_url: null,
  score: { percentage: null, raw_value: 87 },
  external_id: null,
  remote_external_id: null,
  content_external_reference: null,
  content_id: null,
  remote_content_id: null,
  course_id: null,
  remote_course_id: null,
  ...EXTRA,
};
const LEARNING_OBJECT = {
  id: 'lo-null',
  ...NULLS,
  title: 'Nullable basics',
  description: null,
  active: 'true',
  duration: null,
  languages: [{ value: null, source_value: false }],
  provider: null,
  content_type: null,
  updated_at: null,
  ...EXTRA,
};

/** A StackOne that answers by path, so the order in which a lookup reads its directories does not matter. */
const ROUTES: Responder = (req, res) => {
  const page = (data: unknown[], extra: Record<string, unknown> = {}) => json(200, { next: null, data, ...extra });
  const created = json(201, {
    statusCode: 201,
    message: 'Record created successfully.',
    timestamp: '2026-11-22T10:00:00.000Z',
    data: { id: 'new-1', remote_id: null, ...EXTRA },
    ...EXTRA,
  });
  const raw = [{ method: 'GET', url: 'https://lms.example/api', body: null, response: { items: [] }, ...EXTRA }];
  const answer =
    req.method === 'POST'
      ? created
      : req.path === '/unified/lms/users'
        ? page([{ id: 'u1', ...NULLS, name: 'Nula Null', email: null, active: null, ...EXTRA }])
        : req.path === '/unified/lms/courses' || req.path === '/unified/lms/content'
          ? page([LEARNING_OBJECT])
          : page(
              [req.path.endsWith('/completions') ? COMPLETION : ASSIGNMENT],
              req.query.get('raw') === 'true' ? { raw, ...EXTRA } : EXTRA,
            );
  return answer(req, res);
};

let up: Upstream | undefined;
let client: Checking | undefined;
afterEach(async () => {
  await client?.close();
  await up?.close();
  client = undefined;
  up = undefined;
});

/** The calls, plus each tool's own sandbox example for a tool they do not name, so a new tool is covered too. */
function withExamples(calls: Call[]): Call[] {
  const named = new Set(calls.map(([name]) => name));
  return [...calls, ...TOOLS.filter((t) => !named.has(t.name)).map((t): Call => [t.name, { ...t.example }])];
}

/** Lists the tools, then makes each call; the client throws when a result does not match the output schema. */
async function callAll(c: Checking, calls: Call[]): Promise<string[]> {
  const { tools } = await c.listTools();
  expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
  const called = new Set<string>();
  for (const [name, args] of calls) {
    const result = (await c.callTool({ name, arguments: args })) as { isError?: boolean; content: unknown };
    expect(result.isError, `${name} ${JSON.stringify(args)}: ${JSON.stringify(result.content)}`).toBeFalsy();
    called.add(name);
  }
  return [...called];
}

describe.each(Object.entries(CLIENTS))('%s validates every result against the advertised outputSchema', (_, open) => {
  test('on the sandbox', async () => {
    client = await open(['--sandbox', '--log-level', 'error'], {});
    expect(await callAll(client, withExamples(SANDBOX_CALLS))).toEqual(
      expect.arrayContaining(TOOLS.map((t) => t.name)),
    );
  });

  test('on a StackOne that sends null in every nullable field, unknown fields and any-typed source values', async () => {
    up = await startUpstream(ROUTES);
    client = await open(['--log-level', 'error'], {
      STACKONE_API_KEY: 'sk_output_schemas_0001',
      STACKONE_ACCOUNT_ID: 'acct-out',
      STACKONE_BASE_URL: up.url,
    });
    expect(await callAll(client, withExamples(SCRIPTED_CALLS))).toEqual(
      expect.arrayContaining(TOOLS.map((t) => t.name)),
    );
  });
});
