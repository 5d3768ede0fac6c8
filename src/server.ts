/** buildServer(deps): the SDK's Server with our tool runner; the one place errors become isError results. */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type ListToolsResult,
  type LoggingLevel,
  type ServerNotification,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import * as z from 'zod';
import { CredentialError, describeError } from './errors.js';
import { type Logger, silentLogger } from './log.js';
import { redactText, redactValue, secretForms } from './secrets.js';
import type { Credentials, StackOneClient } from './stackone/client.js';
import { type Directory, defaultDirectory } from './stackone/directory.js';
import type { ToolContext } from './tools/define-tool.js';
import { TOOLS, type Tool } from './tools/index.js';
import { NAME, VERSION } from './version.js';

export interface ServerDeps {
  stackone: StackOneClient;
  /** The key for this server's calls; absent means every call answers with how to set it. */
  apiKey: string | undefined;
  accountId: string | undefined;
  logger?: Logger;
  tools?: readonly Tool[];
  /** Put before every summary, e.g. to say the answer came from the sandbox. */
  summaryPrefix?: string;
  instructions?: string;
  /** How to supply a key, when there is none: differs between stdio (env) and HTTP (per-request headers). */
  missingKeyHint?: string;
  /** When non-empty, calls for any other account are refused before they reach StackOne. */
  allowedAccountIds?: readonly string[];
  /** The lookups' directory cache; one per process, so it outlives a stateless HTTP request. Default: per client. */
  directory?: Directory;
}

/** MCP log levels, least to most severe (RFC 5424 order, as the spec lists them). */
const LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

export const STDIO_KEY_HINT =
  'Set STACKONE_API_KEY in this server\'s environment (the "env" block of your MCP client config) and restart the server.';

/** Array elements plus object members in one call's arguments; checked by the SDK before any parsing. */
export const MAX_TOOL_INPUT_ELEMENTS = 5_000;

/**
 * One validator for every server, made on first use: the SDK uses it only to check elicitation replies, which these
 * tools never ask for, so a process normally never pays for building Ajv (start-up time and memory).
 */
let ajv: AjvJsonSchemaValidator | undefined;
const validator: jsonSchemaValidator = {
  getValidator: (schema) => {
    ajv ??= new AjvJsonSchemaValidator();
    return ajv.getValidator(schema);
  },
};

/** Before every sandbox answer, so nobody mistakes made-up data for their LMS. */
export const SANDBOX_PREFIX = '[sandbox: demo data, not your LMS] ';

export const INSTRUCTIONS = [
  "Tools for an organisation's LMS through StackOne's Unified LMS API.",
  'Get `id` (the StackOne user id) from find_users; get learning_object_external_reference from find_learning_objects. Never guess either from a name or title.',
  'Dates are ISO 8601 date-times with a zone (2026-11-27T17:00:00Z); durations ISO 8601 (PT1H30M).',
  'The creates are not idempotent: when unsure whether a record exists, list_user_assignments first.',
].join('\n');

/**
 * One server's tools, with their log level: what both the SDK's handlers and the transports' fast paths call.
 * Listing is precomputed; a call validates, runs and turns every failure into an isError result. It never throws.
 */
export interface ToolRunner {
  list(): ListToolsResult;
  /** `params` as the request carried them: { name, arguments }. */
  call(params: CallParams, io: CallIo): Promise<CallToolResult>;
  /** The client's logging/setLevel; until it asks, info and above (debug would be noise it did not ask for). */
  level: LoggingLevel;
}

export interface CallParams {
  name: string;
  arguments?: unknown;
}

export interface CallIo {
  signal: AbortSignal;
  /** Sends a notification on the request's own stream; absent where there is none (plain JSON over HTTP). */
  notify?: (notification: ServerNotification) => void;
  progressToken?: string | number;
}

export function createToolRunner(deps: ServerDeps): ToolRunner {
  const tools = deps.tools ?? TOOLS;
  const byName = new Map(tools.map((t) => [t.name, t]));
  const runner: ToolRunner = {
    level: 'info',
    // Converted on the first tools/list, not at start: a client may connect long before it lists.
    list: () => listOf(tools),
    call: async (params, io) => {
      const tool = byName.get(params.name);
      // The same texts the SDK's McpServer gives, so a client sees no difference between the two paths.
      if (!tool) return toolError(`MCP error -32602: Tool ${params.name} not found`);
      const args = params.arguments ?? {};
      if (countElements(args, MAX_TOOL_INPUT_ELEMENTS) > MAX_TOOL_INPUT_ELEMENTS) {
        return toolError(
          `MCP error -32602: Invalid arguments for tool ${tool.name}: arguments contain more than the maximum of ${MAX_TOOL_INPUT_ELEMENTS} elements`,
        );
      }
      const parsed = tool.inputSchema.safeParse(args);
      if (!parsed.success) {
        return toolError(
          `MCP error -32602: Input validation error: Invalid arguments for tool ${tool.name}: ${issuesText(parsed.error.issues)}`,
        );
      }
      const { notify, progressToken } = io;
      return callTool(tool, parsed.data as Record<string, unknown>, deps, {
        signal: io.signal,
        log: notify
          ? (level, message) => {
              if (LEVELS.indexOf(level) < LEVELS.indexOf(runner.level)) return;
              notify({ method: 'notifications/message', params: { level, logger: NAME, data: message } });
            }
          : () => {},
        progress:
          notify && progressToken !== undefined
            ? async (progress, total, message) =>
                notify({ method: 'notifications/progress', params: { progressToken, progress, total, message } })
            : undefined,
      });
    },
  };
  return runner;
}

export type RpcId = string | number;

/** A JSON-RPC request with an id we can answer and structured (or no) params; undefined for anything else. */
function requestOf(message: unknown): { id: RpcId; method: unknown; params: unknown } | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const m = message as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return undefined;
  if (typeof m.id !== 'string' && !(typeof m.id === 'number' && Number.isInteger(m.id))) return undefined;
  // Params that are not structured at all make an invalid JSON-RPC request: the SDK's answer to that stands.
  if (m.params !== undefined && (typeof m.params !== 'object' || m.params === null)) return undefined;
  return { id: m.id, method: m.method, params: m.params };
}

/**
 * A request the transports answer through the runner themselves: tools/call or tools/list with a usable id and
 * well-formed params. Anything else is left to paramsError() or to the SDK, which answers or refuses it its own way.
 */
export function fastRequest(
  message: unknown,
): { id: RpcId; method: 'tools/call' | 'tools/list'; params: unknown } | undefined {
  const request = requestOf(message);
  if (!request || (request.method !== 'tools/call' && request.method !== 'tools/list')) return undefined;
  if (problemWith(request.method, request.params) !== undefined) return undefined;
  return { id: request.id, method: request.method, params: request.params };
}

/**
 * For a request whose params are wrong in shape, the JSON-RPC error to answer with: -32602 and what to send instead.
 * The SDK would reject these too, but as -32603 with its schema library's issue dump. Undefined for anything else.
 */
export function paramsError(message: unknown): { id: RpcId; message: string } | undefined {
  const request = requestOf(message);
  const problem = request && problemWith(request.method, request.params);
  return request && problem !== undefined ? { id: request.id, message: `Invalid params: ${problem}` } : undefined;
}

/** What is wrong with the params of the methods we check (tools/call, tools/list, logging/setLevel), if anything. */
function problemWith(method: unknown, params: unknown): string | undefined {
  const isObject = typeof params === 'object' && params !== null && !Array.isArray(params);
  const p = (isObject ? params : {}) as Record<string, unknown>;
  if (method === 'tools/call') {
    if (!isObject) return 'tools/call takes params {"name": "<tool>", "arguments": {...}}';
    if (typeof p.name !== 'string') return 'params.name must be the name of a tool from tools/list (a string)';
    if (p._meta === undefined) return undefined;
    if (typeof p._meta !== 'object' || p._meta === null || Array.isArray(p._meta))
      return 'params._meta must be an object';
    const token = (p._meta as Record<string, unknown>).progressToken;
    if (token !== undefined && typeof token !== 'string' && typeof token !== 'number') {
      return 'params._meta.progressToken must be a string or a number';
    }
    return undefined;
  }
  if (method === 'tools/list' && params !== undefined && !isObject)
    return 'tools/list takes an object as params, or none';
  if (method === 'logging/setLevel' && !LEVELS.includes(p.level as LoggingLevel)) {
    return `params.level must be one of ${LEVELS.join(', ')}`;
  }
  return undefined;
}

/** The JSON-RPC error response for paramsError(). */
export function paramsErrorResponse(bad: { id: RpcId; message: string }): string {
  return JSON.stringify({ jsonrpc: '2.0', id: bad.id, error: { code: -32602, message: bad.message } });
}

/** tools/list for a tool set, converted to JSON Schema once per process rather than on every request. */
const listCache = new WeakMap<readonly Tool[], ListToolsResult>();
function listOf(tools: readonly Tool[]): ListToolsResult {
  let listed = listCache.get(tools);
  if (!listed) {
    listed = {
      tools: tools.map((tool) => ({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: z.toJSONSchema(tool.inputSchema, { target: 'draft-7', io: 'input' }) as Listed['inputSchema'],
        annotations: { title: tool.title, ...tool.annotations },
        // Each call answers in one go: no MCP tasks.
        execution: { taskSupport: 'forbidden' as const },
        outputSchema: z.toJSONSchema(tool.outputSchema, { target: 'draft-7', io: 'output' }) as Listed['outputSchema'],
      })),
    };
    listCache.set(tools, listed);
  }
  return listed;
}
type Listed = ListToolsResult['tools'][number];

/** Array elements plus object members, counted without recursion and given up on past `max`. */
function countElements(value: unknown, max: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (++count > max) return count;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return count;
}

/** zod issues as the SDK words them: "message at path.to[0].field", one per line. */
function issuesText(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.path.length === 0) return issue.message;
      const path = issue.path.reduce<string>(
        (acc, seg, i) => (i === 0 ? String(seg) : typeof seg === 'number' ? `${acc}[${seg}]` : `${acc}.${String(seg)}`),
        '',
      );
      return `${issue.message} at ${path}`;
    })
    .join('\n');
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * The SDK's low-level Server with our handlers for tools/list, tools/call and logging/setLevel; initialize, ping and
 * cancellation stay the SDK's. The stdio and HTTP transports answer tools/call and tools/list through the same
 * `runner` directly, without the SDK's per-message schema parsing.
 */
export function buildServer(deps: ServerDeps, runner: ToolRunner = createToolRunner(deps)): Server {
  const server = new Server(
    { name: NAME, title: 'StackOne LMS', version: VERSION },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: deps.instructions ?? INSTRUCTIONS,
      jsonSchemaValidator: validator,
    },
  );
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    runner.level = request.params.level;
    return {};
  });
  server.setRequestHandler(ListToolsRequestSchema, () => runner.list());
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    runner.call(request.params, {
      signal: extra.signal,
      // Sent as part of the request, so it travels on the request's own stream (stdio, or HTTP SSE).
      notify: (notification) => void extra.sendNotification(notification).catch(() => {}),
      progressToken: extra._meta?.progressToken,
    }),
  );
  return server;
}

async function callTool(
  tool: Tool,
  args: Record<string, unknown>,
  deps: ServerDeps,
  io: Pick<ToolContext, 'signal' | 'log' | 'progress'>,
): Promise<CallToolResult> {
  const logger = deps.logger ?? silentLogger;
  const started = performance.now();
  const secrets = secretForms(deps.apiKey);
  try {
    const credentials = resolveCredentials(args.account_id, deps);
    const directory = deps.directory ?? defaultDirectory(deps.stackone);
    const { summary, raw } = await tool.run(args, { stackone: deps.stackone, credentials, directory, ...io });
    logger.debug('tool call', { tool: tool.name, ok: true, ms: Math.round(performance.now() - started) });
    return success(`${deps.summaryPrefix ?? ''}${summary}`, raw, secrets);
  } catch (error) {
    const message = describeError(error, { intent: tool.intent, what: tool.target(args) });
    logger.debug('tool call', {
      tool: tool.name,
      ok: false,
      error: error instanceof Error ? error.name : 'unknown',
      ms: Math.round(performance.now() - started),
    });
    return {
      isError: true,
      content: [{ type: 'text', text: redactText(`${deps.summaryPrefix ?? ''}${message}`, secrets) }],
    };
  }
}

function resolveCredentials(accountArg: unknown, deps: ServerDeps): Credentials {
  if (!deps.apiKey) {
    throw new CredentialError(`No StackOne API key. ${deps.missingKeyHint ?? STDIO_KEY_HINT} Nothing was sent.`);
  }
  const accountId = typeof accountArg === 'string' ? accountArg : deps.accountId;
  if (!accountId) {
    throw new CredentialError(
      "No StackOne account id: pass account_id in the call, or set STACKONE_ACCOUNT_ID in the server's environment. Nothing was sent.",
    );
  }
  const allowed = deps.allowedAccountIds ?? [];
  if (allowed.length > 0 && !allowed.includes(accountId)) {
    throw new CredentialError(
      `Account ${JSON.stringify(accountId)} is not allowed on this server (STACKONE_ALLOWED_ACCOUNT_IDS: ${allowed.join(', ')}). Nothing was sent.`,
    );
  }
  return { apiKey: deps.apiKey, accountId };
}

/** Summary first, then the raw JSON as text for clients that ignore structuredContent. */
function success(summary: string, raw: unknown, secrets: readonly string[]): CallToolResult {
  let json = JSON.stringify(raw);
  let structured = raw as Record<string, unknown>;
  if (secrets.some((s) => json.includes(s) || summary.includes(s))) {
    // An upstream that echoes the key back must not get it into the result.
    structured = redactValue(raw, secrets) as Record<string, unknown>;
    json = JSON.stringify(structured);
    summary = redactText(summary, secrets);
  }
  const result: CallToolResult = {
    content: [
      { type: 'text', text: summary },
      { type: 'text', text: json },
    ],
    structuredContent: structured,
  };
  // A symbol key: never serialised, and gone with the result (a WeakMap would keep each page's text until a full GC).
  Object.defineProperty(result, RAW_JSON, { value: json });
  return result;
}

/** On a result made by success(): the JSON text of its structuredContent, already made for the raw block. */
const RAW_JSON = Symbol('structuredContent as JSON');

/**
 * The JSON-RPC response for a request the transports answer themselves. A tool result's structuredContent is
 * spliced in from the text made for its raw block rather than serialised a second time: on a 25-assignment page
 * that is a fifth of what a call costs the server.
 */
export function rpcResponse(id: RpcId, result: CallToolResult | ListToolsResult): string {
  const json = (result as { [RAW_JSON]?: string })[RAW_JSON];
  if (json === undefined) return JSON.stringify({ jsonrpc: '2.0', id, result });
  const { structuredContent: _, ...rest } = result as CallToolResult;
  const head = JSON.stringify({ jsonrpc: '2.0', id, result: rest });
  // head ends with the "}}" that close result and the response.
  return `${head.slice(0, -2)},"structuredContent":${json}}}`;
}
