/**
 * Streamable HTTP, stateless: nothing is kept between POSTs to /mcp, so any replica can answer any request. Every
 * MCP message goes to the SDK's createMcpHandler (both protocol eras: 2026-07-28 per request, 2025-era through its
 * stateless legacy leg), which builds one McpServer per request from the factory.
 * Around it, on node:http: health endpoints, Host/Origin checks, bearer auth (MCP_AUTH_TOKEN, or OAuth access tokens
 * with the RFC 9728 metadata document and per-tool scopes), per-request tenant credentials, a body cap, a per-request
 * time limit, graceful shutdown and one access-log line per request.
 *
 * A thin adapter of our own instead of @modelcontextprotocol/node's toNodeHandler: we read the body ourselves (for
 * the cap and the access log), so the adapter hands the parsed body on rather than serialising it again into the
 * web Request as toNodeHandler does; and the time limit needs to answer (with the request's id) before the
 * handler's response exists.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type AuthInfo, createMcpHandler, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import type { Caller } from '../audit.js';
import {
  createOAuthVerifier,
  insufficientScopeChallenge,
  type OAuthVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  TokenError,
  unauthorizedChallenge,
  type VerifiedToken,
} from '../auth/oauth.js';
import { scopeChallenge, scopesFor, toolsAllowed } from '../auth/scopes.js';
import type { Clock } from '../clock.js';
import type { HttpConfig } from '../config.js';
import { CredentialError } from '../errors.js';
import type { Logger } from '../log.js';
import { secretForms } from '../secrets.js';
import { buildServer, type ServerDeps } from '../server.js';
import type { Tool } from '../tools/define-tool.js';
import { TOOLS } from '../tools/index.js';
import { bearerMatches, digest, hostAllowed, originAllowed } from './guards.js';
import { type Tenant, tenantOf } from './tenant.js';

export type { Tenant } from './tenant.js';

export interface HttpOptions extends HttpConfig {
  /** What a request's server runs with: its tenant's credentials, nothing shared with other requests. */
  depsFor(tenant: Tenant): ServerDeps;
  logger: Logger;
  /** "Now" for the verifier made here from `oauth` (token expiry). */
  now: Clock;
  /** The tools this server offers (default: all): what scopes are advertised and checked against. */
  tools?: readonly Tool[];
  /** In OAuth mode, the token verifier (made from `oauth` when absent); the bin makes it to check the issuer first. */
  verifier?: OAuthVerifier;
}

export interface HttpHandle {
  /** Where a client on this machine reaches the server. */
  url: string;
  server: Server;
  /** Stop accepting, let in-flight requests finish (up to `graceMs`), then close every connection. */
  shutdown(graceMs: number): Promise<void>;
}

/** The request's scope travels to the factory in the handler's pass-through authInfo, the SDK's channel for it. */
const TENANT = 'stackone-lms-mcp/tenant';

/** What one request runs as: its own credentials, who it is, and what its token allows. */
interface RequestScope {
  tenant: Tenant;
  caller: Caller;
  /** OAuth: the access token (kept out of audit lines), its linked account, and the tools its scopes allow. */
  token?: VerifiedToken;
  tools?: readonly Tool[];
}

export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const { logger } = options;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const tokenDigest = options.authToken ? digest(options.authToken) : undefined;
  const tools = options.tools ?? TOOLS;
  const oauth = options.oauth;
  const verifier = oauth ? (options.verifier ?? createOAuthVerifier(oauth, { now: options.now })) : undefined;
  const metadataPaths = new Set(oauth ? protectedResourceMetadataPaths(oauth.resourceUrl) : []);
  const metadataBody = oauth ? JSON.stringify(protectedResourceMetadata(oauth, tools)) : '';
  const signInScopes = oauth ? scopesFor(tools, oauth) : [];
  const mcp = createMcpHandler(
    ({ authInfo }) => {
      const scope = authInfo?.extra?.[TENANT] as RequestScope | undefined;
      const deps = options.depsFor(scope?.tenant ?? {});
      if (!scope) return buildServer(deps);
      const token = scope.token;
      return buildServer({
        ...deps,
        caller: scope.caller,
        ...(scope.tools ? { tools: scope.tools } : {}),
        ...(token ? { bearerToken: token.token, tokenAccountId: token.accountId, signedIn: true } : {}),
      });
    },
    {
      legacy: 'stateless',
      maxRequestBodySize: options.maxBodyBytes,
      onerror: (error) => logger.debug('mcp', { error: error.message.slice(0, 200) }),
    },
  );

  const server = createServer((req, res) => {
    const started = performance.now();
    const entry: AccessEntry = { method: req.method ?? '', path: pathOf(req.url) };
    inFlight++;
    res.on('close', () => {
      inFlight--;
      logger.info('http', {
        method: entry.method,
        path: entry.path,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        rpc: entry.rpc,
        tool: entry.tool,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
      if (inFlight === 0) idle?.();
    });
    handle(req, res, entry).catch((error: unknown) => {
      // A client that went away mid-request is not a server error.
      if (res.destroyed && !res.writableFinished) return;
      logger.error('http handler failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error', entry.id);
      else res.destroy();
    });
  });
  // Idle keep-alive sockets live longer than a load balancer's own idle timeout (60 s on most), so the balancer,
  // not we, closes them: otherwise it can send a request on a socket we are closing. Headers must come sooner.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = options.requestTimeoutMs + 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse, entry: AccessEntry): Promise<void> {
    if (entry.path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return plain(res, 200, { status: 'ok' });
    }
    if (entry.path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return draining ? plain(res, 503, { status: 'draining' }) : plain(res, 200, { status: 'ready' });
    }
    // Public by design (RFC 9728), like the health endpoints: a client reads it before it has any token.
    if (metadataPaths.has(entry.path)) return metadataDocument(req, res, metadataBody);
    if (entry.path !== '/mcp') return plain(res, 404, { error: 'not found; MCP is served at /mcp' });

    // DNS rebinding: a page on another site must not be able to reach this server through a name it controls.
    if (!hostAllowed(req.headers.host, options.allowedHosts)) {
      return rpcError(res, 403, -32000, 'Forbidden: Host header not allowed (see --allowed-hosts)');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, options.allowedOrigins)) {
      return rpcError(res, 403, -32000, 'Forbidden: Origin not allowed (see --allowed-origins)');
    }
    if (tokenDigest && !bearerMatches(req.headers.authorization, tokenDigest)) {
      res.setHeader('www-authenticate', 'Bearer');
      return rpcError(res, 401, -32001, 'Unauthorized: send Authorization: Bearer <MCP_AUTH_TOKEN>');
    }
    let token: VerifiedToken | undefined;
    if (oauth && verifier) {
      const authorization = req.headersDistinct.authorization ?? [];
      const presented = authorization.length === 1 ? /^Bearer +(\S+) *$/i.exec(authorization[0] ?? '')?.[1] : undefined;
      const resourceMetadataUrl = verifier.resourceMetadataUrl;
      if (presented === undefined) {
        // RFC 6750 §3.1: a request with no usable token gets the challenge without an error code; it names where
        // to find the authorization server and the scopes that cover every tool.
        res.setHeader('www-authenticate', unauthorizedChallenge({ resourceMetadataUrl, scopes: signInScopes }));
        return rpcError(res, 401, -32001, 'Unauthorized: sign in with OAuth and send Authorization: Bearer <token>');
      }
      try {
        token = await verifier.verifyAccessToken(presented);
      } catch (error) {
        const refusal =
          error instanceof TokenError ? error : new TokenError('server_error', 'The access token could not be checked');
        if (refusal.code === 'server_error') {
          logger.warn('oauth: token check failed on our side', { error: refusal.message });
          return rpcError(res, 500, -32603, `Internal error: ${refusal.message}`);
        }
        res.setHeader(
          'www-authenticate',
          unauthorizedChallenge({ resourceMetadataUrl, scopes: signInScopes, error: refusal }),
        );
        return rpcError(res, 401, -32001, `Unauthorized: ${refusal.message}`);
      }
    }
    // While draining, a request that still arrives on an open connection is served, then its connection closed:
    // refusing it would fail a call that a balancer cannot safely resend (a POST).
    if (draining) res.setHeader('connection', 'close');
    // In OAuth mode the StackOne key is the operator's and the account is the token's: a request's own key or
    // x-account-id headers are not looked at, so nothing unauthenticated chooses whose LMS a call reaches.
    const tenant = oauth ? {} : tenantOf(req.headersDistinct, tokenDigest !== undefined);
    if ('error' in tenant) {
      // A 401 names the scheme that would be accepted (RFC 9110): Basic carries the key unless our bearer token
      // already holds the Authorization header.
      if (tenant.status === 401)
        res.setHeader('www-authenticate', tokenDigest ? 'Bearer' : 'Basic realm="StackOne API key"');
      return rpcError(res, tenant.status, tenant.status === 401 ? -32001 : -32600, tenant.error);
    }

    let body: string | undefined;
    let parsed: unknown;
    if (req.method === 'POST') {
      const read = await readBody(req, options.maxBodyBytes);
      if (read === TOO_LARGE) {
        res.setHeader('connection', 'close');
        return rpcError(res, 413, -32600, `Request body over ${options.maxBodyBytes} bytes`);
      }
      body = read.toString('utf8');
      // A leading byte-order mark: the SDK's parser skips it, so ours must too, or the scope gate and the access log
      // would see a different request from the one the SDK serves.
      if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
      try {
        parsed = JSON.parse(body);
        describe(parsed, entry);
      } catch {
        // Not JSON: the SDK reads the text itself and answers with its own parse error.
        parsed = undefined;
      }
    }

    const scope: RequestScope = { tenant, caller: tokenDigest ? { kind: 'token' } : { kind: 'http' } };
    if (oauth && verifier && token) {
      scope.caller = { kind: 'oauth', subject: token.subject, clientId: token.clientId };
      scope.token = token;
      // tools/list shows only what the token allows; the same array per standing keeps the SDK's list cache warm.
      scope.tools = toolsAllowed(token.scopes, tools, oauth);
      // A call beyond the token's scopes is answered here, before the SDK, with the challenge that lets a client
      // step up (RFC 6750 §3.1, MCP scope challenges): the scopes it holds plus the one the tool needs.
      for (const name of toolCalls(parsed)) {
        const tool = tools.find((t) => t.name === name);
        if (!tool) continue;
        const challenge = scopeChallenge(tool, token.scopes, oauth);
        if (!challenge) continue;
        auditRefusal(scope, name, parsed, challenge.errorDescription ?? 'insufficient scope');
        res.setHeader(
          'www-authenticate',
          insufficientScopeChallenge({
            resourceMetadataUrl: verifier.resourceMetadataUrl,
            scopes: challenge.scopes,
            ...(challenge.errorDescription ? { description: challenge.errorDescription } : {}),
          }),
        );
        return rpcError(res, 403, -32001, `Forbidden: ${challenge.errorDescription ?? 'insufficient scope'}`, entry.id);
      }
    }

    // The response closing (the client went away, or the time limit below answered) aborts the request, which
    // aborts the tool call and closes its upstream request.
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let cutOffAnswer: CutOff | undefined;
    const timer = setTimeout(() => {
      cutOffAnswer = cutOff(entry, options.requestTimeoutMs);
      if (!res.headersSent) plain(res, cutOffAnswer.status, cutOffAnswer.body);
      // Already streaming (SSE): stop the handler and the copy; the answer goes on the stream below.
      else abort.abort();
    }, options.requestTimeoutMs);
    try {
      const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/mcp'}`, {
        method: req.method ?? 'POST',
        headers: headersOf(req),
        signal: abort.signal,
        ...(body !== undefined ? { body } : {}),
      });
      const authInfo: AuthInfo = token
        ? { ...token, resourceMetadataUrl: verifier?.resourceMetadataUrl, extra: { ...token.extra, [TENANT]: scope } }
        : { token: '', clientId: 'http', scopes: [], extra: { [TENANT]: scope } };
      const response = await mcp.fetch(request, { authInfo, ...(parsed !== undefined ? { parsedBody: parsed } : {}) });
      if (res.headersSent || res.destroyed) {
        await response.body?.cancel();
        return;
      }
      await writeResponse(res, response, abort.signal, () =>
        cutOffAnswer && !res.destroyed ? `event: message\ndata: ${JSON.stringify(cutOffAnswer.body)}\n\n` : undefined,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** A write refused for its scope never reaches the tool boundary, so its audit line is written here. */
  function auditRefusal(scope: RequestScope, name: string, message: unknown, why: string): void {
    const tool = tools.find((t) => t.name === name);
    const deps = options.depsFor(scope.tenant);
    if (tool?.access !== 'write' || !deps.audit) return;
    const calls = Array.isArray(message) ? message : [message];
    const call = calls.find((m) => (m as { params?: { name?: unknown } } | null)?.params?.name === name) as
      | { params?: { arguments?: unknown } }
      | undefined;
    const args = call?.params?.arguments;
    deps.audit.write(
      {
        caller: scope.caller,
        tool: name,
        args: typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {},
        accountId: scope.token?.accountId ?? deps.accountId,
        durationMs: 0,
      },
      { error: new CredentialError(`Forbidden: ${why}`) },
      [...secretForms(deps.apiKey), ...(scope.token ? [scope.token.token] : [])],
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost === '[::]' ? '[::1]' : shownHost}:${port}`,
    server,
    shutdown: async (graceMs) => {
      draining = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          idle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await mcp.close();
      server.closeAllConnections();
    },
  };
}

/**
 * The per-request time limit ran out before the SDK answered. Configuration keeps it longer than a create and its
 * checks (config.ts, createBudgetMs), so this is the backstop: a tools/call gets a tool result a model can act on,
 * with the same advice as any create that may have reached the LMS (as plain JSON, or as the last event of a stream
 * already open); anything else a 504.
 */
interface CutOff {
  status: number;
  body: unknown;
}

function cutOff(entry: AccessEntry, limitMs: number): CutOff {
  const tool = TOOLS.find((t) => t.name === entry.tool);
  if (entry.rpc !== 'tools/call' || entry.id === undefined || !tool) {
    const error = { code: -32000, message: `Request took over ${limitMs} ms and was stopped` };
    return { status: 504, body: { jsonrpc: '2.0', id: entry.id ?? null, error } };
  }
  const what = tool.access === 'write' ? `the ${tool.title.toLowerCase()} request` : 'the request';
  const advice =
    tool.access === 'write'
      ? 'It may have reached the LMS, so it was not retried. Call list_user_assignments for this user to check whether the record now exists before trying again.'
      : 'Nothing was changed; try again, or narrow the query.';
  const text = `This server stopped ${what} after ${limitMs} ms (--request-timeout-ms). ${advice}`;
  return {
    status: 200,
    body: {
      jsonrpc: '2.0',
      id: entry.id,
      // 2026-07-28 results name their kind; a 2026 client refuses a result without it.
      result: { isError: true, content: [{ type: 'text', text }], ...(entry.modern ? { resultType: 'complete' } : {}) },
    },
  };
}

/** Where the server is bound, as the operator configured it (0.0.0.0 stays 0.0.0.0): for the start-up log. */
export function boundAddress(handle: HttpHandle): string {
  const { address, port } = handle.server.address() as AddressInfo;
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    // The body is handed on whole and already decoded; these described the bytes on the wire.
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection') continue;
    headers.append(name, raw[i + 1] as string);
  }
  return headers;
}

/** Copies the handler's Response onto node's, streaming (SSE) bodies with backpressure, until done or aborted. */
async function writeResponse(
  res: ServerResponse,
  response: Response,
  aborted: AbortSignal,
  /** Text to write after the body stopped early, if any (the time limit's answer on an SSE stream). */
  last: () => string | undefined,
): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body === null) {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  aborted.addEventListener('abort', () => body.destroy(), { once: true });
  try {
    for await (const chunk of body) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
  } catch {
    // The client went away mid-stream, or the time limit stopped the copy.
  }
  const tail = last();
  if (tail !== undefined) res.write(tail);
  res.end();
}

interface AccessEntry {
  method: string;
  path: string;
  rpc?: string;
  tool?: string;
  /** The JSON-RPC request's id, for errors answered before the SDK sees the request. */
  id?: string | number;
  /** The request carries the 2026-07-28 envelope: an answer of ours must then carry what that revision requires. */
  modern?: boolean;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}

/** The JSON-RPC method, tool name and id, for the access log and early errors; nothing else of the body is kept. */
function describe(message: unknown, entry: AccessEntry): void {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
  const { method, params, id } = message as {
    method?: unknown;
    params?: { name?: unknown; _meta?: Record<string, unknown> } | null;
    id?: unknown;
  };
  if (typeof method === 'string') entry.rpc = method.slice(0, 64);
  entry.modern = params?._meta?.[PROTOCOL_VERSION_META_KEY] !== undefined;
  if (method === 'tools/call' && typeof params?.name === 'string') entry.tool = params.name.slice(0, 64);
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) entry.id = id;
}

/** The tool names of every tools/call in a message or a batch of them. */
function toolCalls(message: unknown): string[] {
  const messages = Array.isArray(message) ? message : [message];
  const names: string[] = [];
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue;
    const { method, params } = m as { method?: unknown; params?: { name?: unknown } | null };
    if (method === 'tools/call' && typeof params?.name === 'string') names.push(params.name);
  }
  return names;
}

/** RFC 9728: public, and readable from a browser-based client's origin. */
function metadataDocument(req: IncomingMessage, res: ServerResponse, body: string): void {
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, OPTIONS',
    'access-control-allow-headers': 'mcp-protocol-version',
  };
  if (req.method === 'OPTIONS') {
    res.writeHead(204, cors);
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...cors, allow: 'GET, OPTIONS', 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'method not allowed' }));
    return;
  }
  res.writeHead(200, { ...cors, 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const TOO_LARGE = Symbol('too large');

/** Reads at most `limit` bytes; past that, stops reading and reports it, never buffering without bound. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

function plain(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function rpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: string | number | null = null,
): void {
  plain(res, status, { jsonrpc: '2.0', id, error: { code, message } });
}
