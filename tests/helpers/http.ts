/** Our HTTP transport in-process, with the real buildServer per request, against a loopback upstream. */
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type AuditLine, type AuditLog, createAuditLog } from '../../src/audit.js';
import { createOAuthVerifier, type OAuthVerifier } from '../../src/auth/oauth.js';
import type { Clock } from '../../src/clock.js';
import {
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_READ_SCOPE,
  DEFAULT_WRITE_SCOPE,
  type HttpConfig,
  type OAuthConfig,
} from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { StackOneClient } from '../../src/stackone/client.js';
import { depsForTenant, type HttpHandle, serveHttp } from '../../src/transports/http.js';
import { frozenClock } from './clock.js';

export interface HttpServerUnderTest {
  url: string;
  handle: HttpHandle;
  logs: string[];
  close(): Promise<void>;
}

export async function startHttp(
  upstreamUrl: string,
  opts: Partial<HttpConfig> & {
    apiKey?: string;
    accountId?: string;
    audit?: AuditLog;
    verifier?: OAuthVerifier;
    allowedAccountIds?: readonly string[];
    /** The server's one clock (default frozen at TEST_NOW); OAuth tests give the issuer's, the machine's. */
    now?: Clock;
    firstRequestTimeoutMs?: number;
  } = {},
): Promise<HttpServerUnderTest> {
  const { apiKey, accountId, audit, allowedAccountIds, now = frozenClock(), ...http } = opts;
  const logs: string[] = [];
  const logger = createLogger('debug', (line) => logs.push(line), now);
  const stackone = new StackOneClient({ baseUrl: new URL(upstreamUrl), now, timeoutMs: 5_000, userAgent: 'test' });
  const handle = await serveHttp({
    host: '127.0.0.1',
    port: 0,
    allowedHosts: [],
    allowedOrigins: [],
    authToken: undefined,
    maxBodyBytes: 1024 * 1024,
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    requestTimeoutMs: 10_000,
    ...http,
    logger,
    now,
    // The bin's own rule for whose key and account a request runs with.
    depsFor: (tenant) =>
      depsForTenant(
        {
          stackone,
          now,
          logger,
          ...(audit ? { audit } : {}),
          ...(allowedAccountIds ? { allowedAccountIds } : {}),
          apiKey,
          accountId,
        },
        tenant,
        { sandbox: false },
      ),
  });
  return {
    url: handle.url,
    handle,
    logs,
    close: async () => {
      await handle.shutdown(1_000);
      await stackone.close();
    },
  };
}

export interface OAuthServerUnderTest extends HttpServerUnderTest {
  /** MCP_RESOURCE_URL: the audience its tokens must carry. */
  resource: string;
  /** Its audit lines, parsed, as they are written. */
  audit: AuditLine[];
}

/** Our HTTP server in OAuth mode against `issuerUrl`, on the operator's key and account, auditing into `audit`. */
export async function startOAuthHttp(
  upstreamUrl: string,
  issuerUrl: string,
  opts: {
    apiKey: string;
    accountId: string;
    oauth?: Partial<OAuthConfig>;
    allowedAccountIds?: readonly string[];
    jwksCooldownMs?: number;
    /** The server's clock: the issuer's, the machine's, since oidc-provider stamps tokens by it. */
    now: Clock;
  },
): Promise<OAuthServerUnderTest> {
  const { now } = opts;
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const oauth: OAuthConfig = {
    issuer: issuerUrl,
    resourceUrl: new URL(resource),
    readScope: DEFAULT_READ_SCOPE,
    writeScope: DEFAULT_WRITE_SCOPE,
    accountClaim: undefined,
    accountMap: undefined,
    ...opts.oauth,
  };
  const audit: AuditLine[] = [];
  const started = await startHttp(upstreamUrl, {
    port,
    oauth,
    now,
    verifier: createOAuthVerifier(oauth, {
      now,
      ...(opts.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: opts.jwksCooldownMs }),
    }),
    apiKey: opts.apiKey,
    accountId: opts.accountId,
    audit: createAuditLog(
      { kind: 'stderr' },
      { secrets: [], stderr: (line) => audit.push(JSON.parse(line) as AuditLine), now },
    ),
    ...(opts.allowedAccountIds ? { allowedAccountIds: opts.allowedAccountIds } : {}),
  });
  return { ...started, resource, audit };
}

/** A port that was free on 127.0.0.1 a moment ago: for a server whose own URL (MCP_RESOURCE_URL) must be known first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** An SDK client over Streamable HTTP with the given extra headers. */
export async function httpClient(url: string, headers: Record<string, string> = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    call: async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: () => client.close(),
  };
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request where the test controls every header, Host included. */
export function raw(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: opts.method ?? 'POST',
        path: opts.path ?? '/mcp',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...opts.headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const rpc = (method: string, params: Record<string, unknown>, id = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** The JSON-RPC message(s) in a reply, whether the server answered with JSON or with an SSE stream; the last one. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads whatever the wire carried and asserts on its shape.
type WireResult = any;

export function rpcOf(reply: RawReply): {
  id?: unknown;
  result?: WireResult;
  error?: { code: number; message: string };
} {
  if (String(reply.headers['content-type']).startsWith('text/event-stream')) {
    const data = reply.body
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)));
    return data.at(-1);
  }
  return JSON.parse(reply.body);
}

/** Resolves with the accumulated text once `pattern` appears in a child's stream (no polling, no fixed sleeps). */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern} in: ${seen.slice(-500)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      seen += chunk;
      if (pattern.test(seen)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(seen);
      }
    };
    stream.on('data', onData);
  });
}
