/**
 * The StackOne LMS client: undici over one keep-alive Agent; auth and account headers; one whole-request
 * deadline for every attempt; the retry policy; body parsing; every failure turned into one of our error classes.
 */
import type { Context } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import type * as z from 'zod';
import type { Clock } from '../clock.js';
import {
  BadResponseError,
  CancelledError,
  isRecord,
  LmsError,
  NetworkError,
  NotSentError,
  TimeoutError,
  UpstreamError,
  upstreamErrorFrom,
} from '../errors.js';
import { startUpstreamCall } from '../telemetry.js';
import type { Endpoint } from './endpoints.js';
import { type QueryValue, toQueryString } from './query.js';

export interface Credentials {
  apiKey: string;
  accountId: string;
}

export interface ClientOptions {
  baseUrl: URL;
  /** "Now" for the whole-request budget and for a Retry-After given as a date. */
  now: Clock;
  /** Whole-request budget: every attempt and every wait between them. */
  timeoutMs: number;
  userAgent: string;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  /** The longest we sleep before one retry; a longer Retry-After ends the call with StackOne's figure instead. */
  maxRetryWaitMs?: number;
  /** Replies larger than this are refused while streaming, never buffered. */
  maxBodyBytes?: number;
  /** Silence on an open reply longer than this fails it; heartbeat newlines count as activity. */
  idleTimeoutMs?: number;
  /** Called once per upstream attempt; never sees headers or bodies. */
  onAttempt?: (event: AttemptEvent) => void;
  dispatcher?: Dispatcher;
}

export interface AttemptEvent {
  method: string;
  operation: string;
  attempt: number;
  status: number | undefined;
  durationMs: number;
  error?: string;
}

export interface CallOptions {
  credentials: Credentials;
  signal?: AbortSignal | undefined;
  /** A tighter budget than the client's own, for follow-up checks. */
  timeoutMs?: number | undefined;
  /** Told before each retry, e.g. to let the MCP client know why a call is taking longer. */
  onRetry?: ((message: string) => void) | undefined;
  /** The MCP request's trace context: this call's spans become its children (default: the active context). */
  traceContext?: Context | undefined;
}

/** What one call of an endpoint carries: the user id for `{id}`, the query, the body (POST only). */
export interface EndpointArgs {
  id?: string | undefined;
  query?: object | undefined;
  body?: Record<string, unknown> | undefined;
}

/** The exact request a call sends, headers included; the tools' dry runs show it with the key masked. */
export interface PreparedRequest {
  operation: string;
  method: 'GET' | 'POST';
  /** The endpoint's path template, for spans: never the path with its ids and query. */
  route: string;
  path: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

const RETRY_ON_READ = new Set([408, 502, 503, 504]);
const DEFAULTS = {
  maxAttempts: 3,
  maxRetryWaitMs: 10_000,
  maxBodyBytes: 10 * 1024 * 1024,
  idleTimeoutMs: 30_000,
};

export class StackOneClient {
  /**
   * Made on the first request: undici is most of the bin's JavaScript, and a server answers initialize, tools/list
   * and every refusal without it (docs/PERFORMANCE.md: cold start).
   */
  private dispatcher: Dispatcher | Promise<Dispatcher> | undefined;
  private readonly ownsDispatcher: boolean;
  private readonly basePath: string;
  private readonly origin: string;
  /** For spans: where requests go, without path or credentials. */
  private readonly host: string;
  private readonly opts: Required<Omit<ClientOptions, 'dispatcher' | 'onAttempt'>> & Pick<ClientOptions, 'onAttempt'>;

  constructor(options: ClientOptions) {
    this.opts = { ...DEFAULTS, ...options };
    this.origin = options.baseUrl.origin;
    this.host = options.baseUrl.hostname;
    this.basePath = options.baseUrl.pathname.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher;
  }

  private agent(): Dispatcher | Promise<Dispatcher> {
    this.dispatcher ??= import('undici').then((loaded) => {
      // The bundle hands the CommonJS scripts/undici-lite.cjs over as a default export; tsc's output gets undici's.
      const Agent: typeof loaded.Agent = (loaded as Partial<typeof loaded>).Agent ?? loaded.default.Agent;
      const agent = new Agent({
        keepAliveTimeout: 10_000,
        connections: 64,
        connect: { timeout: Math.min(10_000, this.opts.timeoutMs) },
      });
      this.dispatcher = agent;
      return agent;
    });
    return this.dispatcher;
  }

  /** The whole-call budget (STACKONE_TIMEOUT_MS); the writes size their checks from it. */
  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  get baseUrl(): string {
    return this.origin + this.basePath;
  }

  /**
   * The exact request a call to `endpoint` sends, headers included: the user id into the path (URL-encoded), the
   * query in StackOne's deep-object form, the body as JSON. The tools' dry runs show it with the key masked.
   */
  prepare(endpoint: Endpoint<unknown>, args: EndpointArgs, credentials: Credentials): PreparedRequest {
    let path = this.basePath + endpoint.path;
    if (path.includes('{id}')) {
      if (args.id === undefined) throw new TypeError(`${endpoint.operation} needs an id`);
      path = path.replace('{id}', encodeURIComponent(args.id));
    }
    const query = args.query ? toQueryString(args.query as Record<string, QueryValue>) : '';
    const headers = this.headers(credentials);
    const request: PreparedRequest = {
      operation: endpoint.operation,
      method: endpoint.method,
      route: endpoint.path,
      path: query ? `${path}?${query}` : path,
      headers,
    };
    if (endpoint.method === 'POST') {
      headers['content-type'] = 'application/json';
      request.body = args.body ?? {};
    }
    return request;
  }

  /** One call of `endpoint` with the retry policy (see send), its reply checked against what StackOne documents. */
  call<Reply>(endpoint: Endpoint<Reply>, args: EndpointArgs, options: CallOptions): Promise<Reply> {
    return this.send(this.prepare(endpoint, args, options.credentials), endpoint.reply, options);
  }

  private headers(credentials: Credentials): Record<string, string> {
    return {
      authorization: `Basic ${Buffer.from(`${credentials.apiKey}:`).toString('base64')}`,
      'x-account-id': credentials.accountId,
      accept: 'application/json',
      'user-agent': this.opts.userAgent,
    };
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher && this.dispatcher) await (await this.dispatcher).close();
  }

  /**
   * Send with the retry policy: 429 is retried for every method (StackOne refused it unprocessed); 408, 502,
   * 503, 504 and connection failures only for reads. A create is never retried after a failure that may have
   * reached the provider: repeating it could assign the course twice.
   */
  private async send<T>(req: PreparedRequest, schema: z.ZodType<T>, call: CallOptions): Promise<T> {
    const { signal } = call;
    const budget = Math.min(call.timeoutMs ?? this.opts.timeoutMs, this.opts.timeoutMs);
    const started = this.opts.now();
    // One controller and one cleared timer per call: AbortSignal.any/timeout per call grows RSS on Node 20.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort('timeout'), budget);
    const onCancel = () => controller.abort('cancel');
    if (signal?.aborted) controller.abort('cancel');
    else signal?.addEventListener('abort', onCancel, { once: true });
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const isRead = req.method === 'GET';
    const traced = startUpstreamCall(req.operation, req.method, req.route, this.host, call.traceContext);
    let attempt = 0;
    try {
      for (;;) {
        attempt++;
        // A figure for the log, not a deadline: the process's own monotonic time.
        const attemptStart = performance.now();
        const attemptSpan = traced.attempt(attempt);
        let status: number | undefined;
        try {
          const reply = await this.exchange(req, body, controller.signal);
          status = reply.status;
          const value = interpret(reply, schema, this.opts.now());
          this.report(req, attempt, status, attemptStart);
          attemptSpan.end(status);
          traced.end();
          return value;
        } catch (raw) {
          const error = this.classify(raw, controller.signal, status !== undefined, budget);
          error.attempts = attempt;
          error.method = req.method;
          this.report(req, attempt, status, attemptStart, error.name);
          attemptSpan.end(status ?? (error instanceof UpstreamError ? error.status : undefined), error);
          const retryable =
            error instanceof UpstreamError
              ? error.status === 429 || (isRead && RETRY_ON_READ.has(error.status))
              : isRead && error instanceof NetworkError;
          if (!retryable) throw error;
          if (attempt >= this.opts.maxAttempts) {
            error.retryNote = `Gave up after ${attempt} attempts.`;
            throw error;
          }
          const retryAfter = error instanceof UpstreamError ? error.retryAfterSeconds : undefined;
          const waitMs = retryAfter !== undefined ? retryAfter * 1000 : backoffMs(attempt);
          if (waitMs > this.opts.maxRetryWaitMs) {
            error.retryNote = `StackOne asked for a wait of ${retryAfter} s, longer than this server waits inside one call (${this.opts.maxRetryWaitMs / 1000} s), so it did not retry.`;
            throw error;
          }
          if (waitMs >= budget - (this.opts.now() - started)) {
            error.retryNote = `The wait before a retry (${Math.ceil(waitMs / 1000)} s) would pass STACKONE_TIMEOUT_MS, so it did not retry.`;
            throw error;
          }
          call.onRetry?.(
            `${error.message}; retrying in ${(waitMs / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${this.opts.maxAttempts}).`,
          );
          traced.retry(waitMs, error instanceof UpstreamError ? String(error.status) : error.name, attempt + 1);
          await sleep(waitMs, controller.signal);
          if (controller.signal.aborted) {
            const stopped = this.classify(controller.signal.reason, controller.signal, false, budget);
            stopped.method = req.method;
            throw stopped;
          }
        }
      }
    } catch (error) {
      traced.end(error);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCancel);
    }
  }

  private report(req: PreparedRequest, attempt: number, status: number | undefined, t0: number, error?: string) {
    this.opts.onAttempt?.({
      method: req.method,
      operation: req.operation,
      attempt,
      status,
      durationMs: Math.round(performance.now() - t0),
      ...(error === undefined ? {} : { error }),
    });
  }

  private async exchange(req: PreparedRequest, body: string | undefined, signal: AbortSignal): Promise<Reply> {
    const res = await (await this.agent()).request({
      origin: this.origin,
      path: req.path,
      method: req.method,
      headers: req.headers,
      body,
      signal,
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.idleTimeoutMs,
    });
    const status = res.statusCode;
    const limit = this.opts.maxBodyBytes;
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      res.body.destroy();
      throw new BadResponseError(status, `the reply is ${declared} bytes, over this server's ${limit}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > limit) {
          res.body.destroy();
          throw new BadResponseError(status, `the reply is over this server's ${limit}-byte limit, so it was not read`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      // Headers arrived, so the request reached StackOne; the status travels with the error.
      throw error instanceof LmsError ? error : new ReplyBroken(status, error);
    }
    return { status, headers: res.headers, bytes: Buffer.concat(chunks, size) };
  }

  /** Every thrown thing becomes one of our classes; `afterHeaders` marks that StackOne had answered. */
  private classify(raw: unknown, signal: AbortSignal, afterHeaders: boolean, budget: number): LmsError {
    const broken = raw instanceof ReplyBroken ? raw : undefined;
    const cause = broken ? broken.cause : raw;
    if (signal.aborted) return signal.reason === 'timeout' ? new TimeoutError(budget) : new CancelledError();
    if (cause instanceof LmsError) return cause;
    const code = errorCode(cause);
    // undici checks the request before it opens or uses a connection: a value it refuses never left this machine.
    if (code === 'UND_ERR_INVALID_ARG' && !afterHeaders && !broken) {
      return new NotSentError(cause instanceof Error ? cause.message : 'an invalid request');
    }
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      const error = new NetworkError(
        `the reply stalled for over ${this.opts.idleTimeoutMs / 1000} s with no data (idle timeout)`,
        true,
      );
      return error;
    }
    if (broken || afterHeaders) {
      return new NetworkError(
        `the reply broke off after HTTP ${broken?.status ?? 'headers'}: ${code ?? 'connection closed'}`,
        true,
      );
    }
    return new NetworkError(code ?? 'connection failed', !NOT_SENT.has(code ?? ''));
  }
}

/** Failures that happen before a single byte of the request could leave this machine. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

class ReplyBroken extends Error {
  constructor(
    readonly status: number,
    override readonly cause: unknown,
  ) {
    super('reply broken');
  }
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    if (isRecord(e) || e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') return code;
      if (e instanceof AggregateError && e.errors.length > 0) {
        e = e.errors[0];
        continue;
      }
      e = (e as { cause?: unknown }).cause;
    } else break;
  }
  return undefined;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read a reply the way StackOne means it: leading heartbeat newlines are fine; a body `statusCode` of 400 or
 * more is an error whatever the HTTP status (with `Prefer: heartbeat` the status line goes out first).
 */
export function interpret<T>(reply: Reply, schema: z.ZodType<T>, now: number): T {
  const { status } = reply;
  const retryAfter = parseRetryAfter(header(reply.headers, 'retry-after'), now);
  let text: string;
  try {
    text = utf8.decode(reply.bytes).trim();
  } catch {
    if (status >= 400) throw upstreamErrorFrom(status, undefined, retryAfter);
    throw new BadResponseError(status, 'the body is not valid UTF-8');
  }
  let json: unknown;
  let parsed = false;
  if (text !== '') {
    try {
      json = JSON.parse(text);
      parsed = true;
    } catch {
      /* judged below, with the status */
    }
  }
  if (status >= 300 && status < 400) {
    const location = header(reply.headers, 'location');
    let where = '';
    try {
      if (location) where = ` to ${new URL(location, 'http://x.invalid').host}`;
    } catch {
      /* no usable Location */
    }
    throw new BadResponseError(
      status,
      `it redirected${where}; redirects are not followed, so the API key never goes elsewhere. Check STACKONE_BASE_URL`,
    );
  }
  if (status >= 400) throw upstreamErrorFrom(status, json, retryAfter);
  if (status < 200) throw new BadResponseError(status, 'that is not a final answer');
  if (isRecord(json) && typeof json.statusCode === 'number' && json.statusCode >= 400) {
    throw upstreamErrorFrom(json.statusCode, json, retryAfter);
  }
  if (!parsed) {
    const type = header(reply.headers, 'content-type')?.split(';')[0]?.trim();
    if (text === '') throw new BadResponseError(status, 'the body is empty');
    if (type && !/json/i.test(type)) throw new BadResponseError(status, `the body is ${type}, not JSON`);
    throw new BadResponseError(status, 'the body is not valid JSON (truncated?)');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new BadResponseError(status, `the reply does not have the shape StackOne documents (${issue?.message}${at})`);
  }
  return result.data;
}

function header(headers: Reply['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as delta-seconds or an HTTP date (read against `now`); a date in the past means now. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** 0.5 s, 1 s, 2 s …, with a little jitter so many clients do not retry in step. */
export function backoffMs(attempt: number): number {
  const base = 500 * 2 ** (attempt - 1);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
