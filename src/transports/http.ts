/**
 * Streamable HTTP, stateless: nothing is kept between POSTs to /mcp, so any replica can answer any request.
 * A plain tools/call or tools/list (one JSON-RPC request, no progress token) is answered with JSON straight from the
 * tool runner; anything else (initialize, notifications, batches, progress streams, malformed requests) gets a new
 * SDK Server and StreamableHTTPServerTransport of its own, so the SDK's own rules and errors apply to it.
 * Around both: Host/Origin checks, bearer auth, per-request tenant credentials, a body cap, a per-request timeout,
 * health endpoints, graceful shutdown and one access-log line per request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { type HttpConfig, isLoopbackHost } from '../config.js';
import type { Logger } from '../log.js';
import {
  buildServer,
  type CallParams,
  createToolRunner,
  fastRequest,
  paramsError,
  paramsErrorResponse,
  rpcResponse,
  type ServerDeps,
} from '../server.js';
import { type Tenant, tenantOf } from './tenant.js';

export type { Tenant } from './tenant.js';

export interface HttpOptions extends HttpConfig {
  /** What a request's server runs with: its tenant's credentials, nothing shared with other requests. */
  depsFor(tenant: Tenant): ServerDeps;
  logger: Logger;
}

export interface HttpHandle {
  url: string;
  server: Server;
  /** Stop accepting, let in-flight requests finish (up to `graceMs`), then close every connection. */
  shutdown(graceMs: number): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const { logger } = options;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const tokenDigest = options.authToken ? digest(options.authToken) : undefined;

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
      logger.error('http handler failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) rpcError(res, 500, -32603, 'Internal error');
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
    if (req.method !== 'POST') {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      res.setHeader('allow', 'POST');
      return rpcError(res, 405, -32000, 'Method not allowed: this stateless server takes POST only');
    }
    // While draining, a request that still arrives on an open connection is served, then its connection closed:
    // refusing it would fail a call that a balancer cannot safely resend (a POST).
    if (draining) res.setHeader('connection', 'close');
    const tenant = tenantOf(req.headersDistinct, tokenDigest !== undefined);
    if ('error' in tenant) return rpcError(res, tenant.status, tenant.status === 401 ? -32001 : -32600, tenant.error);

    const body = await readBody(req, options.maxBodyBytes);
    if (body === TOO_LARGE) {
      res.setHeader('connection', 'close');
      return rpcError(res, 413, -32600, `Request body over ${options.maxBodyBytes} bytes`);
    }
    let message: unknown;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch {
      return rpcError(res, 400, -32700, 'Parse error: the body is not JSON');
    }
    describe(message, entry);

    const acceptable = acceptsPlainJson(req);
    const fast = acceptable && !wantsProgress(message) ? fastRequest(message) : undefined;
    const bad = acceptable && !fast ? paramsError(message) : undefined;
    if (bad) return jsonText(res, 200, paramsErrorResponse(bad));

    const deps = options.depsFor(tenant);
    const runner = createToolRunner(deps);
    const timer = setTimeout(() => {
      if (!res.headersSent) rpcError(res, 504, -32000, `Request took over ${options.requestTimeoutMs} ms`);
      else res.destroy();
    }, options.requestTimeoutMs);
    if (fast) {
      // The response closing (the client went away, or the 504 above was sent) aborts the call, which closes its
      // upstream request.
      const controller = new AbortController();
      res.on('close', () => {
        clearTimeout(timer);
        controller.abort('the HTTP request ended');
      });
      const result =
        fast.method === 'tools/list'
          ? runner.list()
          : await runner.call(fast.params as CallParams, { signal: controller.signal });
      if (res.headersSent || res.destroyed) return;
      return jsonText(res, 200, rpcResponse(fast.id, result));
    }

    const mcp = buildServer(deps, runner);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // Plain JSON unless the client asked for progress, which needs a stream.
      enableJsonResponse: !wantsProgress(message),
    });
    res.on('close', () => {
      clearTimeout(timer);
      // Closing aborts any handler still running, which closes its upstream request.
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, message);
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
    url: `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${port}`,
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
      server.closeAllConnections();
    },
  };
}

interface AccessEntry {
  method: string;
  path: string;
  rpc?: string;
  tool?: string;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}

/** The JSON-RPC method and tool name, for the access log; nothing else of the body is logged. */
function describe(message: unknown, entry: AccessEntry): void {
  const first = Array.isArray(message) ? message[0] : message;
  if (typeof first !== 'object' || first === null) return;
  const { method, params } = first as { method?: unknown; params?: { name?: unknown } };
  if (typeof method === 'string') entry.rpc = method.slice(0, 64);
  if (method === 'tools/call' && typeof params?.name === 'string') entry.tool = params.name.slice(0, 64);
}

/**
 * Whether a request was sent the way the SDK's transport would accept it (Accept, Content-Type, a known
 * MCP-Protocol-Version). Only then does the tool runner answer a plain tools/call or tools/list (no progress token)
 * with JSON, or we refuse malformed params with -32602; anything else goes to the SDK, which answers it or refuses
 * it with its own status and error.
 */
function acceptsPlainJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return false;
  const version = req.headers['mcp-protocol-version'];
  return version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(single(version) ?? '');
}

function wantsProgress(message: unknown): boolean {
  const items = Array.isArray(message) ? message : [message];
  return items.some((m) => {
    const meta = (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta;
    return meta?.progressToken !== undefined;
  });
}

export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  if (LOOPBACK_NAMES.has(name)) return true;
  return allowed.some((entry) => entry === host || entry === name);
}

export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === 'null') return false;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)) return true;
  return allowed.includes(url.origin.toLowerCase());
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant time: both sides are hashed to the same length before the comparison. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
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
  jsonText(res, status, JSON.stringify(body));
}

/** A response whose body is JSON text already made. */
function jsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}

function rpcError(res: ServerResponse, status: number, code: number, message: string): void {
  plain(res, status, { jsonrpc: '2.0', error: { code, message }, id: null });
}
