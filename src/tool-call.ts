/**
 * One tool call, start to finish: the caller's credentials, the tool's own work, its span and its audit line, and the
 * one place a failure becomes an isError result a model can act on. Results carry the summary first and the raw
 * upstream JSON; no key leaves.
 */
import type { CallToolResult, ScopeChallengeHandler, ServerContext } from '@modelcontextprotocol/server';
import type { AuditLog, Caller } from './audit.js';
import { accountForCall } from './auth/accounts.js';
import { type ScopeChallenge, type ScopePolicy, scopeChallenge } from './auth/scopes.js';
import type { Clock } from './clock.js';
import { CredentialError, describeError, isRecord } from './errors.js';
import { type Locks, MemoryLocks } from './locks.js';
import { type Logger, silentLogger } from './log.js';
import { containsSecret, redactText, redactValue, secretForms } from './secrets.js';
import type { Credentials, StackOneClient } from './stackone/client.js';
import { type Directory, defaultDirectory } from './stackone/directory.js';
import { withMcpSpan } from './telemetry.js';
import type { Tool, ToolContext } from './tools/define-tool.js';
import { NAME } from './version.js';

/** What a call runs with: the upstream client, the caller's credentials and the operator's controls. */
export interface CallDeps {
  stackone: StackOneClient;
  /** "Now" for the tools: the bin's systemClock, or a test's own (the same one the client and directory read). */
  now: Clock;
  /** The key for this call; absent means the call answers with how to set it. */
  apiKey: string | undefined;
  accountId: string | undefined;
  logger?: Logger;
  /** Put before every summary, e.g. to say the answer came from the sandbox. */
  summaryPrefix?: string;
  /** How to supply a key, when there is none: differs between stdio (env) and HTTP (per-request headers). */
  missingKeyHint?: string;
  /** When non-empty, calls for any other account are refused before they reach StackOne. */
  allowedAccountIds?: readonly string[];
  /** The lookups' directory cache; one per process, so it outlives a stateless HTTP request. Default: per client. */
  directory?: Directory;
  /** Identical creates wait for each other; one per process (default: this module's). */
  locks?: Locks;
  /** Where every write attempt and its outcome is recorded; absent, nothing is (tests of other things). */
  audit?: AuditLog;
  /** Who makes the calls, for the audit line: the token's subject, "token", "stdio" or "http". */
  caller?: Caller;
  /** The OAuth access token this request carried: kept out of the audit line like the key. */
  bearerToken?: string;
  /** The StackOne account the OAuth token is linked to (MCP_OAUTH_ACCOUNT_CLAIM); then no other may be asked for. */
  tokenAccountId?: string;
  /** The caller signed in with OAuth: an account_id argument may then name only accounts the operator serves. */
  signedIn?: boolean;
  /** OAuth: the scopes the token grants and the operator's scope names; a call beyond them is refused. */
  scopes?: { granted: readonly string[]; policy: ScopePolicy };
}

/** The locks of a process built without its own (tests, embedders): still one set for every call in it. */
const processLocks = new MemoryLocks();

/** What a tool call takes from its MCP request: cancellation, client logging and progress, and trace context. */
export type ToolIo = Pick<ToolContext, 'signal' | 'log' | 'progress'> & {
  /** The request's `_meta`, where a caller's traceparent travels. */
  meta?: unknown;
  requestId?: string | number;
};

/** A person who has no key yet can still try every tool: the hint says how as well as where the key goes. */
export const STDIO_KEY_HINT =
  'Set STACKONE_API_KEY in this server\'s environment (the "env" block of your MCP client config) and restart the server; or start it with --sandbox to try every tool on demo data without a key.';

/** The request-scoped parts of a handler's context that a tool uses: cancellation, progress, client logging. */
export function toolIo(ctx: ServerContext): ToolIo {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    meta: ctx.mcpReq._meta,
    requestId: ctx.mcpReq.id,
    signal: ctx.mcpReq.signal,
    // The SDK filters by the client's level (logging/setLevel, or the request's own logLevel on 2026-07-28) and
    // sends it on the request's own stream; a client that went away is not an error worth more than silence.
    log: (level, message) => void ctx.mcpReq.log(level, message, NAME).catch(() => {}),
    progress:
      progressToken === undefined
        ? undefined
        : (progress, total, message) =>
            ctx.mcpReq.notify({
              method: 'notifications/progress',
              params: { progressToken, progress, total, message },
            }),
  };
}

/**
 * Runs a tool whose arguments the SDK has already checked against its input schema, inside the request's span, and
 * audits it when it writes (whatever the outcome, refusals included). Never throws. A call beyond the token's scopes
 * is refused here too, so no path into a tool skips the scope policy; `refused` records a call already refused
 * before it reached the tool (scopeGate), which then never runs.
 */
export function runTool(
  tool: Tool,
  args: Record<string, unknown>,
  deps: CallDeps,
  io: ToolIo,
  refused?: CredentialError,
): Promise<CallToolResult> {
  const { meta, requestId, ...toolIo } = io;
  return withMcpSpan({ method: 'tools/call', tool: tool.name, meta, requestId }, async (span) => {
    const logger = deps.logger ?? silentLogger;
    const started = performance.now();
    const secrets = secretForms(deps.apiKey);
    let accountId: string | undefined = typeof args.account_id === 'string' ? args.account_id : undefined;
    const audit = (end: { result: unknown } | { error: unknown }) => {
      if (tool.access !== 'write' || !deps.audit) return;
      deps.audit.write(
        {
          caller: deps.caller ?? { kind: 'stdio' },
          tool: tool.name,
          args,
          accountId,
          durationMs: performance.now() - started,
        },
        end,
        // This call's own key (a tenant's, on HTTP) and token: an upstream that echoes them must not get them in.
        deps.bearerToken ? [...secrets, deps.bearerToken] : secrets,
      );
    };
    let wrote: (() => void) | undefined;
    try {
      accountId = accountForCall(
        deps.tokenAccountId,
        args.account_id,
        deps.accountId,
        deps.signedIn ? { allowed: deps.allowedAccountIds ?? [] } : undefined,
      );
      const beyond = refused ?? scopeRefusal(tool, deps);
      if (beyond) throw beyond;
      const credentials = checkCredentials(accountId, deps);
      const directory = deps.directory ?? defaultDirectory(deps.stackone, deps.now);
      // A write (or an attempt that may have landed) makes the cached assignment and completion lists ask for changes.
      if (tool.access === 'write') wrote = () => directory.wrote(deps.stackone.baseUrl, credentials);
      const { summary, raw } = await tool.run(args, {
        stackone: deps.stackone,
        credentials,
        directory,
        locks: deps.locks ?? processLocks,
        now: deps.now,
        ...toolIo,
        traceContext: span.context,
      });
      audit({ result: raw });
      logger.debug('tool call', { tool: tool.name, ok: true, ms: Math.round(performance.now() - started) });
      return success(`${deps.summaryPrefix ?? ''}${summary}`, raw, secrets);
    } catch (error) {
      span.fail(error);
      audit({ error });
      const message = describeError(error, { intent: tool.access, what: tool.target(args) });
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
    } finally {
      wrote?.();
    }
  });
}

/**
 * The SDK asks this before it serves a tools/call (HTTP, both protocol eras, each request of a 2025-era batch): when
 * the token's scopes do not cover the tool, the SDK answers the whole POST with its 403 step-up challenge (RFC 6750
 * insufficient_scope: the scopes held plus the one needed) and the tool never runs. The refused call still passes
 * through runTool, which refuses it: so it has the same span, count and audit line (`refused`) as any other call.
 * Undefined without OAuth: nothing to challenge.
 */
export function scopeGate(tool: Tool, deps: CallDeps): ScopeChallengeHandler | undefined {
  const scopes = deps.scopes;
  if (!scopes) return undefined;
  return async ({ request }) => {
    const challenge = scopeChallenge(tool, scopes.granted, scopes.policy);
    if (!challenge) return undefined;
    // Checked by the SDK's schema only after this: the arguments are whatever the client sent.
    const params = request.params as { arguments?: unknown; _meta?: unknown } | undefined;
    const io = { meta: params?._meta, requestId: request.id, signal: NEVER, log: () => {}, progress: undefined };
    await runTool(tool, isRecord(params?.arguments) ? params.arguments : {}, deps, io, refusal(challenge));
    return challenge;
  };
}
const NEVER = new AbortController().signal;

function scopeRefusal(tool: Tool, deps: CallDeps): CredentialError | undefined {
  const challenge = deps.scopes && scopeChallenge(tool, deps.scopes.granted, deps.scopes.policy);
  return challenge && refusal(challenge);
}

function refusal(challenge: ScopeChallenge): CredentialError {
  return new CredentialError(
    `Forbidden: ${challenge.errorDescription ?? 'insufficient scope'}, which this sign-in does not grant; sign in again allowing it. Nothing was sent.`,
  );
}

function checkCredentials(accountId: string | undefined, deps: CallDeps): Credentials {
  if (!deps.apiKey) {
    throw new CredentialError(`No StackOne API key. ${deps.missingKeyHint ?? STDIO_KEY_HINT} Nothing was sent.`);
  }
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

/**
 * The summary first, everywhere a client may show its model: content[0], and the first field of structuredContent
 * (clients that hand the model only JSON.stringify(structuredContent) never show it the text blocks). Then the raw
 * upstream JSON, in structuredContent only. The JSON text copy of it that the specification suggests (a SHOULD) is
 * gone: measured (docs/PERFORMANCE.md), it doubled a 25-assignment answer (21.6 to 41.7 KB) and cost 113 µs more to
 * serialise, and a client that forwards both paid for the page twice; a compact form saved 9% of the bytes for
 * more CPU. What a content-only client's model loses is the fields the summary leaves out (record and remote ids,
 * certificate URLs, timestamps, provider values): every id, reference and cursor a next call takes is in the
 * summary.
 */
function success(summary: string, raw: unknown, secrets: readonly string[]): CallToolResult {
  let record = raw as Record<string, unknown>;
  if (containsSecret(raw, secrets) || secrets.some((s) => summary.includes(s))) {
    // An upstream that echoes the key back must not get it into the result.
    record = redactValue(raw, secrets) as Record<string, unknown>;
    summary = redactText(summary, secrets);
  }
  const { summary: _upstreamSummary, ...rest } = record;
  return { content: [{ type: 'text', text: summary }], structuredContent: { summary, ...rest } };
}
