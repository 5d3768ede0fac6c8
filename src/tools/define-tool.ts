/** defineTool(): everything an agent sees of one tool plus its handler, typed; annotations are required by the type. */
import type { Context } from '@opentelemetry/api';
import * as z from 'zod';
import type { Clock } from '../clock.js';
import type { Intent } from '../errors.js';
import type { Locks } from '../locks.js';
import type { CallOptions, Credentials, StackOneClient } from '../stackone/client.js';
import type { Directory, DirectoryReader } from '../stackone/directory.js';
import { portableSchema } from './portable-schema.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** Whether a tool only reads the LMS or writes to it. */
export type Access = Intent;

/**
 * A tool's policy, stated in its definition and nowhere else. A read is annotated read-only and idempotent, needs
 * the read scope, stays under --read-only and is not audited. A write is audited, needs the write scope, is left out
 * by --read-only, and says whether repeating it is harmless (idempotent) and whether it can remove or overwrite
 * (destructive). Everything else (annotations, scopes, the --read-only set, docs) is derived from it.
 */
export type Policy = { access: 'read' } | { access: 'write'; idempotent: boolean; destructive: boolean };

export interface ToolContext {
  stackone: StackOneClient;
  credentials: Credentials;
  /** The cached directories (users, courses, content) the lookups read; shared by every call of this process. */
  directory: Directory;
  /** Identical creates (tenant, person, learning object) run one after another: see safe-writes.ts. */
  locks: Locks;
  /** "Now": what is overdue, when a write started, how much of a check's budget is left. */
  now: Clock;
  signal: AbortSignal;
  /** A log message to the MCP client (notifications/message), filtered by its logging/setLevel. */
  log: (level: 'debug' | 'info' | 'warning' | 'error', message: string) => void;
  /**
   * Progress to the MCP client; undefined when it gave no progress token. `total` only when it is known (a page cap
   * is not one: a client would show "1%" of a walk that ends at page 2).
   */
  progress: ((progress: number, total: number | undefined, message: string) => Promise<void>) | undefined;
  /** The MCP request's span context (telemetry.withMcpSpan): upstream spans become its children. */
  traceContext?: Context;
}

export interface ToolOutput<Raw> {
  /** Written for a model: what happened, the figures that matter, what to call next. */
  summary: string;
  /** The upstream JSON, untouched: the result's structuredContent. */
  raw: Raw;
}

type ToolSpec<Shape extends z.ZodRawShape, Out extends z.ZodObject> = Policy & {
  name: string;
  title: string;
  description: string;
  input: Shape;
  /** What structuredContent is checked against (by the SDK, on every call). */
  output: Out;
  /**
   * What tools/list shows of `output`, when that leaves fields out to save characters: it must accept everything
   * `output` accepts. Checking the full shape is also the cheaper check: zod copies every undeclared key of a loose
   * object one by one (a 25-assignment page: 49 µs against 31, docs/PERFORMANCE.md).
   */
  advertised?: z.ZodObject;
  /** The StackOne endpoints it calls ("GET /unified/lms/users"), for the README and the operator. */
  endpoints: readonly string[];
  /**
   * A call that works on the sandbox's seeded company: shown in the README's tool table, and made by every test and
   * smoke run that calls each tool, so a new tool is exercised everywhere without editing those.
   */
  example: z.input<z.ZodObject<Shape>>;
  /** Names what a write was creating, without an article, for error advice ("assignment of learning-content-123"). */
  target?: (args: z.output<z.ZodObject<Shape>>) => string;
  /** For a write: the read tool that lists what it creates, named when whether it created is unknown. */
  checkWith?: string;
  /**
   * The MCP Apps view renders this tool's structuredContent (a table beside the chat, in hosts that show MCP Apps;
   * src/view-resource.ts). Only for reads whose output the view knows: it never acts.
   */
  view?: true;
  handler(args: z.output<z.ZodObject<Shape>>, ctx: ToolContext): Promise<ToolOutput<z.output<Out>>>;
};

/** A tool with its types erased, so the registry can hold them all in one list. */
export interface Tool {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  outputSchema: z.ZodType;
  endpoints: readonly string[];
  /** A call that works on the sandbox (see ToolSpec.example). */
  example: Readonly<Record<string, unknown>>;
  /** Derived from the policy (annotationsOf); frozen. */
  annotations: Readonly<ToolAnnotations>;
  /** Linked to the MCP Apps view (ToolSpec.view). */
  view: boolean;
  /** A write is never blindly repeated, is audited and needs the write scope; errors say how to check first. */
  access: Access;
  target(args: Record<string, unknown>): string | undefined;
  /** For a write: the read tool that shows what it creates (see ToolSpec.checkWith). */
  checkWith: string | undefined;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolOutput<unknown>>;
}

export function defineTool<Shape extends z.ZodRawShape, Out extends z.ZodObject>(spec: ToolSpec<Shape, Out>): Tool {
  // The view shows what was read; a write's result in it would look like a list to act on.
  if (spec.view && spec.access !== 'read') throw new Error(`${spec.name}: only a read tool can have the view`);
  // Strict: a misspelt field (say `due` for `due_date`) is an error the agent can fix, not a silently lost value.
  const known = Object.keys(spec.input).join(', ');
  const inputSchema = z.strictObject(spec.input, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown field${iss.keys.length === 1 ? '' : 's'} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}: ${spec.name} takes ${known}`
        : undefined,
  });
  type Args = z.output<typeof inputSchema>;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: jsonSchemaOnce(inputSchema),
    outputSchema: jsonSchemaOnce(
      withSummary(spec.output),
      spec.advertised === undefined ? undefined : withSummary(spec.advertised),
    ),
    endpoints: spec.endpoints,
    example: spec.example,
    annotations: annotationsOf(spec),
    view: spec.view === true,
    access: spec.access,
    // The SDK has already parsed `args` with `inputSchema`, so this cast restates a checked fact.
    target: (args) => spec.target?.(args as Args),
    checkWith: spec.checkWith,
    run: (args, ctx) => spec.handler(definedOnly(args) as Args, ctx),
  };
}

/**
 * The MCP annotations a policy implies. Every tool here calls StackOne, an open world; a read changes nothing, so
 * it is trivially idempotent and never destructive.
 */
export function annotationsOf(policy: Policy): Readonly<ToolAnnotations> {
  return Object.freeze(
    policy.access === 'read'
      ? { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true }
      : {
          readOnlyHint: false,
          destructiveHint: policy.destructive,
          idempotentHint: policy.idempotent,
          openWorldHint: true,
        },
  );
}

/** A field set to null arrives as undefined (schemas.ts `optional`): drop the key, so it is never sent. */
function definedOnly(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));
}

/** The options every upstream call of a tool shares: its credentials, its cancellation, its retry notes. */
export function callOptions(ctx: ToolContext, timeoutMs?: number): CallOptions {
  return {
    credentials: ctx.credentials,
    signal: ctx.signal,
    timeoutMs,
    onRetry: (message) => ctx.log('warning', message),
    traceContext: ctx.traceContext,
  };
}

/** What a directory read needs from a call: its tenant, its cancellation, its progress and retry notes. */
export function directoryReader(ctx: ToolContext, progress = ctx.progress): DirectoryReader {
  return {
    stackone: ctx.stackone,
    credentials: ctx.credentials,
    signal: ctx.signal,
    progress,
    onRetry: (message) => ctx.log('warning', message),
  };
}

/**
 * The progress of a call that reads several directories at once. Each walk counts its own pages; the client gets
 * one rising count, their sum, and a total only with the page after which every read is done.
 */
export function sharedProgress(progress: ToolContext['progress'], reads: number) {
  const pages = Array<number>(reads).fill(0);
  const done = Array<boolean>(reads).fill(false);
  return {
    /** The progress callback for read `i`. */
    of: (i: number): ToolContext['progress'] =>
      progress &&
      ((read, total, message) => {
        pages[i] = read;
        if (total !== undefined) done[i] = true;
        const sum = pages.reduce((a, b) => a + b, 0);
        return progress(sum, done.every(Boolean) ? sum : undefined, message);
      }),
    /** Read `i` settled (answered from the cache, say, with no page at all): it adds no more pages. */
    settled: (i: number) => {
      done[i] = true;
    },
  };
}

/**
 * structuredContent is the summary first, then the upstream JSON. Some clients hand their model only
 * JSON.stringify(structuredContent) (Claude Code), others only the text content (Claude Desktop): either way the
 * model reads the summary first. Declared in the output schema, first among its properties.
 */
function withSummary(output: z.ZodObject): z.ZodObject {
  const shape = { summary: SUMMARY, ...output.shape };
  const { catchall } = output.def;
  return catchall === undefined ? z.object(shape) : z.object(shape).catchall(catchall);
}

const SUMMARY = z.string().meta({ description: 'What happened, written for a model: read this first.' });

/**
 * The SDK converts a tool's schemas to JSON Schema once per McpServer (for tools/list, and the output schema again on
 * every call, to check structuredContent), and stateless HTTP builds an McpServer per request: that conversion was
 * 6.8% of the HTTP server's CPU under load (npm run bench with --cpu-prof). Here it happens once per process, behind
 * the Standard Schema interface (`~standard.jsonSchema`) the SDK reads it through, and is respelled for portability
 * (portable-schema.ts) on the way. The result is frozen: a consumer that tried to change the shared copy would throw
 * rather than corrupt every later request's. `advertised`, when given, is what is converted (see ToolSpec.advertised);
 * `schema` stays what validates.
 */
export function jsonSchemaOnce<T extends z.ZodType>(schema: T, advertised: z.ZodType = schema): T {
  const standard = schema['~standard'];
  const shown = advertised['~standard'];
  const made = new Map<string, Record<string, unknown>>();
  const convert =
    (io: 'input' | 'output') =>
    (options: { target: string }): Record<string, unknown> => {
      const key = `${io} ${options.target}`;
      let json = made.get(key);
      if (json === undefined) {
        // No `$schema`: MCP schemas without one are JSON Schema 2020-12 (SEP-1613), which is what zod emits; the
        // declaration cost about 50 characters of every tool's input and output schema in tools/list.
        const { $schema: _dialect, ...converted } = shown.jsonSchema[io](
          options as Parameters<typeof shown.jsonSchema.input>[0],
        );
        json = deepFreeze(portableSchema(converted));
        made.set(key, json);
      }
      return json;
    };
  Object.defineProperty(schema, '~standard', {
    value: { ...standard, jsonSchema: { input: convert('input'), output: convert('output') } },
    configurable: true,
  });
  return schema;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
