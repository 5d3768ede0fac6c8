/**
 * Streamable HTTP, stateless: nothing is kept between POSTs to /mcp, so any replica can answer any request. Every
 * MCP message is served by the SDK, on one of two paths:
 * - the 2025-era requests that write no connection state (tools/call, tools/list, ping), once the SDK's own checks
 *   accept them (content type, Accept, protocol version, the SDK's era classification of a single request), go to
 *   one long-lived McpServer behind our multiplexing transport (multiplex.ts), each carrying its own tenant's deps;
 * - everything else (initialize, notifications, posted responses, batches, GET/DELETE, the 2026-07-28 era, a call
 *   the token's scopes do not cover, and every error answer) to the SDK's createMcpHandler, which builds one
 *   McpServer per request from the factory; per-tool OAuth scopes are the SDK's too (each tool's scopeChallenge, see
 *   tool-call.ts scopeGate), so it answers a call beyond a token's scopes.
 * In front of both, here and only here, on node:http: health endpoints, Host/Origin checks, bearer auth
 * (MCP_AUTH_TOKEN, or OAuth access tokens with the RFC 9728 metadata document), per-request tenant credentials, a
 * body cap, a per-request time limit, graceful shutdown and one access-log line per request.
 *
 * A thin adapter of our own instead of @modelcontextprotocol/node's toNodeHandler: we read the body ourselves (for
 * the cap and the access log), so the adapter hands the parsed body on rather than serialising it again into the
 * web Request as toNodeHandler does; and the time limit needs to answer (with the request's id) before the
 * handler's response exists.
 *
 * The JSON-RPC answers written here rather than by the SDK, each where the SDK has none to give (measured against
 * @modelcontextprotocol/server 2.4.0): see the comment at each.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  classifyInboundRequest,
  createMcpHandler,
  isJsonContentType,
  type JSONRPCMessage,
  type JSONRPCRequest,
  OAuthError,
  OAuthErrorCode,
  PROTOCOL_VERSION_META_KEY,
  type ServerContext,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { Caller } from '../audit.js';
import type { OAuthVerifier, VerifiedToken } from '../auth/oauth.js';
import { allows, scopesFor } from '../auth/scopes.js';
import type { Clock } from '../clock.js';
import type { HttpConfig } from '../config.js';
import type { Logger } from '../log.js';
import { buildServer, type ServerDeps } from '../server.js';
import type { Tool } from '../tools/define-tool.js';
import { TOOLS } from '../tools/index.js';
import { NAME } from '../version.js';
import { bearerCheck, digest, hostAllowed, originAllowed } from './guards.js';
import { type Exchange, MultiplexTransport } from './multiplex.js';
import { type Tenant, tenantOf } from './tenant.js';

export { depsForTenant, type Tenant } from './tenant.js';

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
  /** How long a new connection may take to send its first request (default FIRST_REQUEST_TIMEOUT_MS). */
  firstRequestTimeoutMs?: number;
}

/**
 * A connection that has not sent a whole request within this long is closed. Node's own headersTimeout (66 s here,
 * to outlast a balancer's keep-alive) let sockets that never sent a byte hold a descriptor for about 88 s (measured),
 * and enough of them made the server unreachable.
 */
export const FIRST_REQUEST_TIMEOUT_MS = 10_000;

export interface HttpHandle {
  /** Where a client on this machine reaches the server. */
  url: string;
  server: Server;
  /** Stop accepting, let in-flight requests finish (up to `graceMs`), then close every connection. */
  shutdown(graceMs: number): Promise<void>;
}

/** Who one request is and what it runs with: its own credentials, its caller, and its OAuth token if any. */
interface PerRequest {
  tenant: Tenant;
  caller: Caller;
  /** OAuth: the verified access token (kept out of audit lines), its linked account and its scopes. */
  token?: VerifiedToken;
}

/** A 401 challenge naming the scheme and nothing more (RFC 6750 §3: Bearer takes at least one parameter). */
const BEARER_REALM = `Bearer realm="${NAME}"`;

export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const { logger } = options;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const tokenDigest = options.authToken ? digest(options.authToken) : undefined;
  const tools = options.tools ?? TOOLS;
  const oauth = options.oauth;
  // The token verifier and jose load only when OAuth is on (docs/PERFORMANCE.md: cold start).
  const auth = oauth ? await import('../auth/oauth.js') : undefined;
  const verifier =
    oauth && auth ? (options.verifier ?? auth.createOAuthVerifier(oauth, { now: options.now })) : undefined;
  const metadataPaths = new Set(oauth && auth ? auth.protectedResourceMetadataPaths(oauth.resourceUrl) : []);
  const metadataBody = oauth && auth ? JSON.stringify(auth.protectedResourceMetadata(oauth, tools)) : '';
  const signInScopes = oauth ? scopesFor(tools, oauth) : [];
  // A request's tenant and caller reach the factory through the SDK's request info: the factory is handed the very
  // Request given to fetch() (requestInfo), so it keys this map. Measured on 2.4.0, in both eras.
  const perRequest = new WeakMap<Request, PerRequest>();
  const depsOf = (scope: PerRequest | undefined): ServerDeps => {
    if (!scope) {
      // Only a body that is not JSON gets here (the SDK then forwards a clone of the Request, and answers a parse
      // error without running anything). Fail closed all the same: no key, and no scope to call any tool with.
      const deps = options.depsFor({});
      return {
        ...deps,
        apiKey: undefined,
        caller: { kind: 'http' },
        ...(verifier ? { scopes: { granted: [], policy: verifier.policy } } : {}),
      };
    }
    const deps: ServerDeps = { ...options.depsFor(scope.tenant), caller: scope.caller };
    const token = scope.token;
    if (!token || !verifier) return deps;
    return {
      ...deps,
      bearerToken: token.token,
      tokenAccountId: token.accountId,
      signedIn: true,
      // Every tool is listed to every token; a call its scopes do not cover is the SDK's 403 step-up challenge.
      scopes: { granted: token.scopes, policy: verifier.policy },
    };
  };
  const mcp = createMcpHandler(({ requestInfo }) => buildServer(depsOf(requestInfo && perRequest.get(requestInfo))), {
    legacy: 'stateless',
    maxRequestBodySize: options.maxBodyBytes,
    onerror: (error) => logger.debug('mcp', { error: error.message.slice(0, 200) }),
  });

  // The long-lived instance for the requests that qualify (sharedRequest). Each call's deps ride on its message:
  // the AuthInfo object our transport hands the SDK with it keys them, so they live exactly as long as the call.
  // One instance serves every caller: all see the same tool set (every tool is listed to every token, and a call
  // beyond a token's scopes goes to the per-request path above for the SDK's 403).
  const callDeps = new WeakMap<AuthInfo, ServerDeps>();
  const failClosed = depsOf(undefined);
  const shared = new MultiplexTransport((why) => logger.debug('mcp shared: dropped', { why }));
  const sharedServer = buildServer(options.depsFor({}), (ctx: ServerContext) => {
    const authInfo = ctx.http?.authInfo;
    return (authInfo && callDeps.get(authInfo)) ?? failClosed;
  });
  await sharedServer.connect(shared);

  const firstRequestTimers = new WeakMap<import('node:net').Socket, NodeJS.Timeout>();
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
        reason: entry.reason,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
      if (inFlight === 0) idle?.();
    });
    handle(req, res, entry).catch((error: unknown) => {
      // A client that went away mid-request is not a server error.
      if (res.destroyed && !res.writableFinished) return;
      logger.error('http handler failed', { error: error instanceof Error ? error.message : String(error) });
      // Our own code failed, outside the SDK: nothing else would answer the request.
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error', entry.id);
      else res.destroy();
    });
  });
  // Idle keep-alive sockets live longer than a load balancer's own idle timeout (60 s on most), so the balancer,
  // not we, closes them: otherwise it can send a request on a socket we are closing. Headers must come sooner.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = options.requestTimeoutMs + 5_000;
  // A bound on open connections (past it, node closes new ones at once), and a short deadline for a connection to
  // send its first request: idle sockets cannot hold every descriptor.
  server.maxConnections = options.maxConnections;
  const firstRequestMs = options.firstRequestTimeoutMs ?? FIRST_REQUEST_TIMEOUT_MS;
  server.on('connection', (socket) => {
    const timer = setTimeout(() => socket.destroy(), firstRequestMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    firstRequestTimers.set(socket, timer);
  });
  server.on('request', (req: IncomingMessage) => {
    const timer = firstRequestTimers.get(req.socket);
    if (timer !== undefined) {
      clearTimeout(timer);
      firstRequestTimers.delete(req.socket);
    }
  });

  async function handle(req: IncomingMessage, res: ServerResponse, entry: AccessEntry): Promise<void> {
    if (entry.path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return plain(res, 200, { status: 'ok' });
    }
    if (entry.path === '/readyz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return draining ? plain(res, 503, { status: 'draining' }) : plain(res, 200, { status: 'ready' });
    }
    // Public by design (RFC 9728), like the health endpoints: a client reads it before it has any token.
    if (metadataPaths.has(entry.path)) return metadataDocument(req, res, metadataBody);
    if (entry.path !== '/mcp') {
      // A client that treats the 401 below as an OAuth sign-in looks for metadata and registration here; the 404
      // it then reports should say how this server does take a token. OAuth-shaped (RFC 6749 5.2), because SDK v1
      // reads any body with a string `error` as an OAuth error and shows only its error_description.
      const how = tokenDigest ? ' with Authorization: Bearer <MCP_AUTH_TOKEN> (this server has no OAuth sign-in)' : '';
      return plain(res, 404, { error: 'invalid_request', error_description: `not found; MCP is served at /mcp${how}` });
    }

    // DNS rebinding: a page on another site must not be able to reach this server through a name it controls.
    // The SDK's hostHeaderValidationResponse/originValidationResponse give the same 403 and JSON-RPC body, but judge
    // by bare hostname; ours (guards.ts) take host:port entries and exact origins, so the answer is ours, in the
    // SDK's shape.
    if (!hostAllowed(req.headers.host, options.allowedHosts)) {
      return rpcError(res, 403, -32000, 'Forbidden: Host header not allowed (see --allowed-hosts)');
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, options.allowedOrigins)) {
      return rpcError(res, 403, -32000, 'Forbidden: Origin not allowed (see --allowed-origins)');
    }
    if (tokenDigest) {
      // The SDK has no static-token gate (its bearer helpers need an OAuth verifier and answer with an OAuth error
      // object). Both refusals are a 401 with error="invalid_token" and an error_description that says what to fix,
      // as the SDK's own helpers answer a missing token too: the description is what clients surface. A client with
      // OAuth support (mcp-remote 0.15.1, the SDK's with a provider) still tries OAuth discovery on a 401; the
      // discovery documents answer 404 naming MCP_AUTH_TOKEN, so that is the error it ends with.
      const check = bearerCheck(req.headers.authorization, tokenDigest);
      if (check !== 'ok') {
        entry.reason = check;
        const [description, message] =
          check === 'no token'
            ? [
                'No bearer token: this server needs Authorization: Bearer <MCP_AUTH_TOKEN>',
                'Unauthorized: no bearer token. This server needs `Authorization: Bearer <MCP_AUTH_TOKEN>`, with the token its operator set.',
              ]
            : [
                "The bearer token is not this server's MCP_AUTH_TOKEN",
                "Unauthorized: wrong bearer token. Send `Authorization: Bearer <MCP_AUTH_TOKEN>` with the exact token this server's operator set (no quotes or spaces around it).",
              ];
        res.setHeader('www-authenticate', `${BEARER_REALM}, error="invalid_token", error_description="${description}"`);
        return rpcError(res, 401, -32001, message);
      }
    }
    let token: VerifiedToken | undefined;
    if (oauth && verifier && auth) {
      const authorization = req.headersDistinct.authorization ?? [];
      const presented = authorization.length === 1 ? /^Bearer +(\S+) *$/i.exec(authorization[0] ?? '')?.[1] : undefined;
      const resourceMetadataUrl = verifier.resourceMetadataUrl;
      if (presented === undefined) {
        entry.reason = 'no token';
        // RFC 6750 §3.1: a request with no usable token gets the challenge without an error code (the SDK's bearer
        // helpers send error="invalid_token" here); it names where to find the authorization server and the
        // scopes that cover every tool.
        res.setHeader('www-authenticate', auth.unauthorizedChallenge({ resourceMetadataUrl, scopes: signInScopes }));
        return rpcError(res, 401, -32001, 'Unauthorized: sign in with OAuth and send Authorization: Bearer <token>');
      }
      try {
        token = await verifier.verifyAccessToken(presented);
      } catch (error) {
        const refusal =
          error instanceof auth.TokenError
            ? error
            : new auth.TokenError('server_error', 'The access token could not be checked');
        entry.reason = refusal.code === 'server_error' ? 'token check failed' : `invalid token: ${refusal.message}`;
        if (refusal.code === 'server_error') {
          logger.warn('oauth: token check failed on our side', { error: refusal.message });
        }
        // The SDK's answer: 401 invalid_token with why, the sign-in scopes and where the metadata is; or a 500 for
        // trouble on our side, with no challenge that would send the client through sign-in again.
        const code = refusal.code === 'server_error' ? OAuthErrorCode.ServerError : OAuthErrorCode.InvalidToken;
        return send(
          res,
          bearerAuthChallengeResponse(new OAuthError(code, refusal.message), {
            requiredScopes: signInScopes,
            resourceMetadataUrl,
          }),
        );
      }
    }
    // While draining, a request that still arrives on an open connection is served, then its connection closed:
    // refusing it would fail a call that a balancer cannot safely resend (a POST).
    if (draining) res.setHeader('connection', 'close');
    // In OAuth mode the StackOne key is the operator's and the account is the token's: a request's own key or
    // x-account-id headers are not looked at, so nothing unauthenticated chooses whose LMS a call reaches.
    const tenant = oauth ? {} : tenantOf(req.headersDistinct, tokenDigest !== undefined);
    if ('error' in tenant) {
      // The StackOne credentials are ours to check, not the SDK's. A 401 names the scheme that would be accepted
      // (RFC 9110): Basic carries the key unless our bearer token already holds the Authorization header.
      if (tenant.status === 401)
        res.setHeader('www-authenticate', tokenDigest ? BEARER_REALM : 'Basic realm="StackOne API key"');
      return rpcError(res, tenant.status, tenant.status === 401 ? -32001 : -32600, tenant.error);
    }

    let body: string | undefined;
    let parsed: unknown;
    if (req.method === 'POST') {
      const read = await readBody(req, options.maxBodyBytes);
      if (read === TOO_LARGE) {
        res.setHeader('connection', 'close');
        // The SDK caps only a body it reads itself (a parsed body of 10 kB went through a 4 kB cap, served), and we
        // read it first for the access log and the time limit's answer: so the cap, and its 413, are ours.
        return rpcError(res, 413, -32600, `Request body over ${options.maxBodyBytes} bytes`);
      }
      body = read.toString('utf8');
      // A leading byte-order mark: the SDK's parser skips it, so ours must too, or the access log and the time
      // limit's answer would see a different request from the one the SDK serves.
      if (body.charCodeAt(0) === 0xfeff) body = body.slice(1);
      try {
        parsed = JSON.parse(body);
        describe(parsed, entry);
      } catch {
        // Not JSON: the SDK reads the text itself and answers with its own parse error.
        parsed = undefined;
      }
    }

    const caller: Caller = token
      ? { kind: 'oauth', subject: token.subject, clientId: token.clientId }
      : tokenDigest
        ? { kind: 'token' }
        : { kind: 'http' };
    const scope: PerRequest = { tenant, caller, ...(token ? { token } : {}) };
    // The SDK reads a token's scopes for the challenge, and where to point the client (resource_metadata).
    const authInfo: AuthInfo | undefined = token
      ? { ...token, resourceMetadataUrl: verifier?.resourceMetadataUrl }
      : undefined;

    const call = parsed === undefined ? undefined : sharedRequest(req, parsed, token?.scopes);
    if (call) {
      // Its own AuthInfo object even without OAuth: the key its deps are found by, for this call only.
      const own: AuthInfo = authInfo ?? { token: '', clientId: caller.kind, scopes: [] };
      callDeps.set(own, depsOf(scope));
      return serveShared(res, call, own, entry);
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
      perRequest.set(request, scope);
      const response = await mcp.fetch(request, {
        ...(authInfo ? { authInfo } : {}),
        ...(parsed !== undefined ? { parsedBody: parsed } : {}),
      });
      if (res.headersSent || res.destroyed) {
        await response.body?.cancel();
        return;
      }
      await writeResponse(res, response, abort.signal, () =>
        cutOffAnswer && !res.destroyed ? sseEvent(cutOffAnswer.body) : undefined,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The request this POST carries when the long-lived instance may serve it, else undefined (the per-request path
   * then serves it, and gives every error answer). Only once the SDK's own checks would accept it on its 2025-era
   * leg: a JSON content type, an Accept that takes both JSON and SSE (its 406 otherwise), a protocol version it
   * supports, and the SDK's classification of the body as one 2025-era request with no envelope (which also
   * rejects batches, responses, notifications and malformed JSON-RPC). And only methods that write no connection
   * state, so the shared instance never holds anything one caller could see of another's.
   */
  function sharedRequest(
    req: IncomingMessage,
    body: unknown,
    granted: readonly string[] | undefined,
  ): JSONRPCRequest | undefined {
    if (req.method !== 'POST' || !isJsonContentType(req.headers['content-type'] ?? null)) return undefined;
    const accept = req.headers.accept;
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    const method = (body as { method?: unknown } | null)?.method;
    if (method !== 'tools/call' && method !== 'tools/list' && method !== 'ping') return undefined;
    const protocolVersionHeader = header(req, 'mcp-protocol-version');
    const outcome = classifyInboundRequest({
      httpMethod: 'POST',
      body,
      ...(protocolVersionHeader !== undefined ? { protocolVersionHeader } : {}),
      ...optionalHeader(req, 'mcp-method', 'mcpMethodHeader'),
      ...optionalHeader(req, 'mcp-name', 'mcpNameHeader'),
    });
    if (outcome.kind !== 'legacy' || outcome.reason !== 'no-claim') return undefined;
    if (outcome.requestedVersion !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(outcome.requestedVersion)) {
      return undefined;
    }
    const request = body as JSONRPCRequest;
    if (method === 'tools/call' && granted && verifier) {
      // A call the token's scopes do not cover is the SDK's 403 step-up challenge, which only the per-request path
      // gives; an unknown tool is the shared instance's own answer.
      const tool = tools.find((t) => t.name === request.params?.name);
      if (tool && !allows(granted, tool, verifier.policy)) return undefined;
    }
    return request;
  }

  /**
   * One exchange on the shared instance: JSON when the answer is the first thing the server sends, SSE when a
   * notification (progress, a log line) comes first. The client's disconnect and the time limit cancel the call
   * through the SDK (the handler's signal aborts, so does its upstream request).
   */
  function serveShared(res: ServerResponse, request: JSONRPCRequest, authInfo: AuthInfo, entry: AccessEntry) {
    return new Promise<void>((resolve) => {
      let exchange: Exchange | undefined;
      const finish = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const answer = cutOff(entry, options.requestTimeoutMs);
        if (!res.headersSent) plain(res, answer.status, answer.body);
        else res.end(sseEvent(answer.body));
        exchange?.cancel('time limit');
      }, options.requestTimeoutMs);
      res.once('close', () => {
        if (!res.writableFinished) exchange?.cancel('the client went away');
        finish();
      });
      exchange = shared.dispatch(request, authInfo, {
        notify: (message) => {
          if (res.writableEnded) return;
          if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
          res.write(sseEvent(message));
        },
        answer: (message) => {
          if (res.writableEnded) return;
          if (res.headersSent) {
            res.end(sseEvent(message));
            return;
          }
          const body = JSON.stringify(message);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
      });
    });
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
      await sharedServer.close();
      server.closeAllConnections();
    },
  };
}

/**
 * The per-request time limit ran out before the SDK answered. Configuration keeps it longer than a create and its
 * checks (config.ts, createBudgetMs), so this is the backstop: a tools/call gets a tool result a model can act on,
 * with the same advice as any create that may have reached the LMS (as plain JSON, or as the last event of a stream
 * already open); anything else a 504. Ours because the SDK has no time limit, and a request aborted under it is
 * answered with nothing: an empty 200 stream (2025-era) or an empty 499 (2026-07-28), measured on 2.4.0.
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
      ? `It may have reached the LMS, so it was not retried. Call ${tool.checkWith ?? 'a list of the records it creates'} for this user to check whether the record now exists before trying again.`
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
    // Hop-by-hop headers describe the SDK's web Response, not this connection: copying its `connection:
    // keep-alive` overrode a client's `Connection: close` and the `close` set while draining.
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
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
  /** Why the request was refused before the SDK saw it, for the access log: never a credential. */
  reason?: string;
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

/** Writes a small answer the SDK made (a web Response) onto node's response. */
function send(res: ServerResponse, response: Response): Promise<void> {
  return writeResponse(res, response, NOT_ABORTED, () => undefined);
}
const NOT_ABORTED = new AbortController().signal;

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

/** The SDK's own SSE framing for one message (event `message`, one data line). */
function sseEvent(message: JSONRPCMessage | unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/** As the SDK's streamable HTTP transport answers a POST over SSE. */
/** RFC 9110 §7.6.1: headers that belong to one connection, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function optionalHeader<K extends string>(req: IncomingMessage, name: string, key: K): { [P in K]?: string } {
  const value = header(req, name);
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
