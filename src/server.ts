/** buildServer(deps): an McpServer with the tool registry; the one place errors become isError results. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type CallToolResult,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { CredentialError, describeError } from './errors.js';
import { type Logger, silentLogger } from './log.js';
import { redactText, redactValue, secretForms } from './secrets.js';
import type { Credentials, StackOneClient } from './stackone/client.js';
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

/** One validator for every server: each McpServer otherwise builds its own Ajv, which dominates per-request cost. */
const validator = new AjvJsonSchemaValidator();

/** Before every sandbox answer, so nobody mistakes made-up data for their LMS. */
export const SANDBOX_PREFIX = '[sandbox: demo data, not your LMS] ';

export const INSTRUCTIONS = [
  "Tools for an organisation's LMS through StackOne's Unified LMS API.",
  '`id` is always the StackOne user id. Learning objects are named by learning_object_external_reference.',
  'Dates are ISO 8601 date-times with a zone (2026-11-27T17:00:00Z); durations ISO 8601 (PT1H30M).',
  'The creates are not idempotent: when unsure whether a record exists, list_user_assignments first.',
].join('\n');

export function buildServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: NAME, title: 'StackOne LMS', version: VERSION },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: deps.instructions ?? INSTRUCTIONS,
      jsonSchemaValidator: validator,
      maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS,
    },
  );
  // logging/setLevel: until a client asks, it gets info and above (debug would be noise it did not ask for).
  let minimum: LoggingLevel = 'info';
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimum = request.params.level;
    return {};
  });
  const clientLog = (extra: Extra) => (level: LoggingLevel, message: string) => {
    if (LEVELS.indexOf(level) < LEVELS.indexOf(minimum)) return;
    // Sent as part of the request, so it travels on the request's own stream (stdio, or HTTP SSE).
    extra
      .sendNotification({ method: 'notifications/message', params: { level, logger: NAME, data: message } })
      .catch(() => {});
  };
  for (const tool of deps.tools ?? TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        outputSchema: tool.outputSchema,
        annotations: { title: tool.title, ...tool.annotations },
      },
      (args, extra) =>
        callTool(tool, args as Record<string, unknown>, deps, {
          signal: extra.signal,
          log: clientLog(extra),
          progress: progressReporter(extra),
        }),
    );
  }
  return server;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Progress for the request, when the client gave a token; otherwise nothing is sent. */
function progressReporter(extra: Extra): ToolContext['progress'] {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress, total, message) =>
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total, message },
      })
      .catch(() => {});
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
    const { summary, raw } = await tool.run(args, { stackone: deps.stackone, credentials, ...io });
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
  return {
    content: [
      { type: 'text', text: summary },
      { type: 'text', text: json },
    ],
    structuredContent: structured,
  };
}
