/**
 * OpenTelemetry for the server: a span per MCP request (joined to the caller's trace from `_meta.traceparent`),
 * a span per upstream call with a child per attempt and its retry waits as events, and the counters operators
 * alert on. Only @opentelemetry/api is imported: until an SDK registers itself (see README, "Telemetry") every
 * tracer and meter here is the API's no-op, so the cost is a few empty calls.
 */
import {
  type Attributes,
  type Context,
  type Counter,
  context,
  createNoopMeter,
  createTraceState,
  type Histogram,
  INVALID_SPAN_CONTEXT,
  type Meter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { NAME, VERSION } from './version.js';

/** The `_meta` keys the 2026-07-28 specification gives W3C trace context (the v2 SDK's TRACEPARENT_META_KEY). */
export const TRACEPARENT_META_KEY = 'traceparent';
export const TRACESTATE_META_KEY = 'tracestate';

/** A proxy: it forwards to whichever provider registers later, so it can be taken at import. */
const tracer = trace.getTracer(NAME, VERSION);

/** The API's own no-op provider (a fresh proxy hands out the shared singleton), to tell "no SDK" by identity. */
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * False while no tracing SDK is registered: then parsing traceparent and switching contexts would buy nothing, and
 * they are most of what a request would pay. A provider registered through another copy of the API counts as on.
 */
function tracing(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_TRACER_PROVIDER);
}

interface Instruments {
  /** False for the API's no-op meter: no clock is read for durations nobody records. */
  enabled: boolean;
  calls: Counter;
  errors: Counter;
  duration: Histogram;
  upstreamDuration: Histogram;
  retries: Counter;
  rateLimited: Counter;
}

/**
 * The metrics API has no proxy: a meter taken before an SDK registers stays a no-op forever. So the instruments are
 * made on first use and again if the registered provider changes (the SDK registers after our import, tests swap).
 */
let made: { provider: MeterProvider; instruments: Instruments } | undefined;
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (made?.provider === provider) return made.instruments;
  const meter: Meter = provider.getMeter(NAME, VERSION);
  const seconds = { unit: 's', advice: { explicitBucketBoundaries: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] } };
  made = {
    provider,
    instruments: {
      enabled: meter !== createNoopMeter(),
      calls: meter.createCounter('mcp.server.calls', { description: 'MCP requests handled, by method and tool' }),
      errors: meter.createCounter('mcp.server.errors', {
        description: 'MCP requests that ended in an error, by error class (error.type)',
      }),
      duration: meter.createHistogram('mcp.server.operation.duration', {
        description: 'Time to answer an MCP request',
        ...seconds,
      }),
      upstreamDuration: meter.createHistogram('stackone.client.request.duration', {
        description: 'One HTTP request to StackOne (each attempt counts once)',
        ...seconds,
      }),
      retries: meter.createCounter('stackone.client.retries', {
        description: 'Upstream requests sent again, by what prompted it',
      }),
      rateLimited: meter.createCounter('stackone.client.rate_limited', {
        description: 'HTTP 429 answers from StackOne',
      }),
    },
  };
  return made.instruments;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The caller's trace from a request's `_meta` (W3C trace context, parsed here so it works whatever propagator an
 * operator configures), as the parent for this request's span; `base` (the active context) when there is none or it
 * is malformed. A bad traceparent never fails a request.
 */
export function parentContext(meta: unknown, base: Context = context.active()): Context {
  if (typeof meta !== 'object' || meta === null) return base;
  const header = (meta as Record<string, unknown>)[TRACEPARENT_META_KEY];
  if (typeof header !== 'string') return base;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return base;
  const [, version, traceId = '', spanId = '', flags = '00', rest] = match;
  // Version ff is forbidden; version 00 has nothing after the flags; all-zero ids are invalid.
  if (version === 'ff' || (version === '00' && rest) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return base;
  const state = (meta as Record<string, unknown>)[TRACESTATE_META_KEY];
  let traceState: ReturnType<typeof createTraceState> | undefined;
  if (typeof state === 'string' && state.length <= 512) {
    try {
      traceState = createTraceState(state);
    } catch {
      traceState = undefined;
    }
  }
  return trace.setSpanContext(base, {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 1,
    isRemote: true,
    ...(traceState ? { traceState } : {}),
  });
}

/** Handed out while nothing is registered: no span, no clock, no attributes built. */
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
const NOOP_ATTEMPT: UpstreamAttempt = { end: () => {} };
const NOOP_UPSTREAM: UpstreamCall = { attempt: () => NOOP_ATTEMPT, retry: () => {}, end: () => {} };

/** What a failure is called in `error.type`: our error class names (UpstreamError, TimeoutError, ...). */
function errorType(error: unknown): string {
  if (error instanceof Error) return error.name || 'Error';
  return typeof error === 'string' ? error : 'unknown';
}

export interface McpSpan {
  /** The request's context: pass it on (ToolContext.traceContext) so upstream spans become its children. */
  readonly context: Context;
  readonly span: Span;
  /** Mark the request failed, by class: for a tool call turned into an isError result, the error it caught. */
  fail(error: unknown): void;
}

export interface McpRequestInfo {
  /** The JSON-RPC method, e.g. tools/call. */
  method: string;
  tool?: string;
  /** The request's `params._meta`, where the caller's traceparent travels. */
  meta?: unknown;
  requestId?: string | number;
}

/**
 * Run one MCP request inside its span: kind SERVER, parent the caller's traceparent (or the active context),
 * named "{method} {tool}" as the OpenTelemetry MCP conventions do. Counts the call, its error class and duration.
 * `fn` runs with the span's context active, so code that reads context.active() under an SDK's context manager
 * joins it too; a throw is recorded and rethrown.
 */
export async function withMcpSpan<T>(info: McpRequestInfo, fn: (span: McpSpan) => Promise<T>): Promise<T> {
  const on = tracing();
  const m = instruments();
  if (!on && !m.enabled) return fn({ context: context.active(), span: NOOP_SPAN, fail: () => {} });
  const attributes: Attributes = { 'mcp.method.name': info.method };
  if (info.tool !== undefined) {
    attributes['gen_ai.tool.name'] = info.tool;
    attributes['gen_ai.operation.name'] = 'execute_tool';
  }
  if (info.requestId !== undefined) attributes['jsonrpc.request.id'] = String(info.requestId);
  const parent = on ? parentContext(info.meta) : context.active();
  const span = tracer.startSpan(
    info.tool === undefined ? info.method : `${info.method} ${info.tool}`,
    { kind: SpanKind.SERVER, attributes },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  const started = m.enabled ? performance.now() : 0;
  let failure: string | undefined;
  const handle: McpSpan = {
    context: ctx,
    span,
    fail(error) {
      failure = errorType(error);
      span.setAttribute('error.type', failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
    },
  };
  try {
    return await (on ? context.with(ctx, () => fn(handle)) : fn(handle));
  } catch (error) {
    handle.fail(error);
    throw error;
  } finally {
    span.end();
    const labels: Attributes = { 'mcp.method.name': info.method };
    if (info.tool !== undefined) labels['gen_ai.tool.name'] = info.tool;
    m.calls.add(1, labels);
    if (failure !== undefined) m.errors.add(1, { ...labels, 'error.type': failure });
    if (m.enabled) {
      m.duration.record(
        (performance.now() - started) / 1000,
        failure === undefined ? labels : { ...labels, 'error.type': failure },
      );
    }
  }
}

export interface UpstreamAttempt {
  /** `status` when StackOne answered; `error` when the attempt failed (a class name or an error). */
  end(status: number | undefined, error?: unknown): void;
}

export interface UpstreamCall {
  attempt(n: number): UpstreamAttempt;
  /** A wait before attempt `next`: an event on the call span, and a count by what prompted it. */
  retry(waitMs: number, reason: string, next: number): void;
  end(error?: unknown): void;
}

/** Routes, not paths: user ids are personal data and high-cardinality, so they never become attributes. */

/**
 * One upstream call (all its attempts): an INTERNAL span "stackone {operation}" under `parent` (default: the active
 * context), a CLIENT span per attempt with the HTTP semantic-convention attributes, retry waits as events. No URL,
 * header, query or body is recorded.
 */
export function startUpstreamCall(
  operation: string,
  method: string,
  /** The endpoint's path template (`url.template`), never the path with its ids. */
  route: string,
  serverAddress: string,
  parent: Context = context.active(),
): UpstreamCall {
  if (!tracing() && !instruments().enabled) return NOOP_UPSTREAM;
  const call = tracer.startSpan(
    `stackone ${operation}`,
    { kind: SpanKind.INTERNAL, attributes: { 'stackone.operation': operation } },
    parent,
  );
  const callContext = trace.setSpan(parent, call);
  return {
    attempt(n) {
      const attributes: Attributes = {
        'http.request.method': method,
        'server.address': serverAddress,
        'stackone.operation': operation,
      };
      attributes['url.template'] = route;
      if (n > 1) attributes['http.request.resend_count'] = n - 1;
      const span = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.CLIENT, attributes }, callContext);
      const m = instruments();
      const started = m.enabled ? performance.now() : 0;
      return {
        end(status, error) {
          const labels: Attributes = { 'stackone.operation': operation, 'http.request.method': method };
          if (status !== undefined) {
            span.setAttribute('http.response.status_code', status);
            labels['http.response.status_code'] = status;
          }
          if (error !== undefined) {
            const type = errorType(error);
            span.setAttribute('error.type', type);
            span.setStatus({ code: SpanStatusCode.ERROR, message: type });
            labels['error.type'] = type;
          }
          span.end();
          if (m.enabled) m.upstreamDuration.record((performance.now() - started) / 1000, labels);
          if (status === 429) m.rateLimited.add(1, { 'stackone.operation': operation });
        },
      };
    },
    retry(waitMs, reason, next) {
      call.addEvent('stackone.retry_wait', { 'stackone.wait_ms': waitMs, 'stackone.reason': reason, attempt: next });
      instruments().retries.add(1, { 'stackone.operation': operation, 'stackone.reason': reason });
    },
    end(error) {
      if (error !== undefined) {
        const type = errorType(error);
        call.setAttribute('error.type', type);
        call.setStatus({ code: SpanStatusCode.ERROR, message: type });
      }
      call.end();
    },
  };
}
