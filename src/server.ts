/**
 * buildServer(deps): one McpServer with the registry's tools, in registry order. Both transports serve it through
 * the SDK (serveStdio: one instance per connection; on HTTP, createMcpHandler's one per request, or one long-lived
 * instance behind transports/multiplex.ts whose calls each bring their own deps), so every message, in either
 * protocol era, is parsed, validated and answered by the SDK.
 */
import {
  type jsonSchemaValidator,
  McpServer,
  type ServerContext,
  type ToolCallback,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type * as z from 'zod';
import { type CallDeps, runTool, scopeGate, toolIo } from './tool-call.js';
import { TOOLS, type Tool } from './tools/index.js';
import { NAME, VERSION } from './version.js';
import { registerView, registerViewTool } from './view-resource.js';

export interface ServerDeps extends CallDeps {
  tools?: readonly Tool[];
  instructions?: string;
}

/** Array elements plus object members in one call's arguments; checked by the SDK before any parsing. */
export const MAX_TOOL_INPUT_ELEMENTS = 5_000;

/**
 * How long a 2026-07-28 client may reuse tools/list and server/discover. The tool set changes only when the operator
 * restarts the server with other flags; private, so no cache shared between clients keeps it past that.
 */
export const LIST_TTL_MS = 300_000;

/** Before every sandbox answer, so nobody mistakes made-up data for their LMS. */
export const SANDBOX_PREFIX = '[sandbox: demo data, not your LMS] ';

export const INSTRUCTIONS = [
  "Tools for an organisation's LMS through StackOne's Unified LMS API.",
  'Get `id` (the StackOne user id) from find_users; get learning_object_external_reference from find_learning_objects. Never guess either from a name or title.',
  'Dates are ISO 8601 date-times with a zone (2026-11-27T17:00:00Z); durations ISO 8601 (PT1H30M).',
  'The creates are not idempotent; each checks for a duplicate first (an open assignment; a completion that day). To see what exists: list_user_assignments, list_user_completions.',
].join('\n');

/**
 * One JSON Schema validator for every server, made on first use. Without it each McpServer builds its own Ajv, and
 * stateless HTTP builds an McpServer per request; the SDK uses it only for elicitation replies, which these tools
 * never ask for, so a process normally never builds one at all.
 */
let ajv: AjvJsonSchemaValidator | undefined;
const validator: jsonSchemaValidator = {
  getValidator: (schema) => {
    ajv ??= new AjvJsonSchemaValidator();
    return ajv.getValidator(schema);
  },
};

/**
 * A long-lived instance shared by many callers reads each call's deps from the call itself (`perCall`: the SDK's
 * ctx.http.authInfo, set per message by the transport); `deps` then holds only what every caller shares (the
 * tools, the instructions). Its tools carry no scopeChallenge: only calls the token's scopes allow are sent to a
 * shared instance (transports/http.ts), and runTool refuses any other all the same.
 */
export function buildServer(deps: ServerDeps, perCall?: (ctx: ServerContext) => CallDeps): McpServer {
  const server = new McpServer(
    { name: NAME, title: 'StackOne LMS', version: VERSION },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: deps.instructions ?? INSTRUCTIONS,
      maxToolInputElements: MAX_TOOL_INPUT_ELEMENTS,
      jsonSchemaValidator: validator,
      cacheHints: {
        'tools/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
        'server/discover': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
        // The view's resource changes only with a new version of the server, like the tool list.
        'resources/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
        'resources/templates/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
        'resources/read': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
      },
    },
  );
  const tools = deps.tools ?? TOOLS;
  for (const tool of tools) {
    const config = {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: { title: tool.title, ...tool.annotations },
      ...(perCall ? {} : { scopeChallenge: scopeGate(tool, deps) }),
    };
    const call: ToolCallback<z.ZodObject> = (args, ctx) =>
      runTool(tool, args as Record<string, unknown>, perCall ? perCall(ctx) : deps, toolIo(ctx));
    if (tool.view) registerViewTool(server, tool.name, config, call);
    else server.registerTool(tool.name, config, call);
  }
  // The view's resource only where a tool links to it: a server without one offers no resources at all.
  if (tools.some((t) => t.view)) registerView(server);
  return server;
}
