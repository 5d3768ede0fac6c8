/**
 * Traces and metrics with a real OpenTelemetry SDK (sdk-trace-base's in-memory exporter, sdk-metrics' reader):
 * one span per MCP request, its upstream call and attempt spans beneath it, retry waits as events, the caller's
 * traceparent as the parent; the counters for calls, errors by class, retries and 429s; and no id or key in any
 * attribute. Real tools and the real StackOne client against a scripted upstream on 127.0.0.1.
 */
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StackOneClient } from '../../src/stackone/client.js';
import { defaultDirectory } from '../../src/stackone/directory.js';
import { parentContext, withMcpSpan } from '../../src/telemetry.js';
import type { ToolContext } from '../../src/tools/define-tool.js';
import { TOOLS } from '../../src/tools/index.js';
import { frozenClock } from '../helpers/clock.js';
import { useRealOtel } from '../helpers/otel.js';
import { json, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';

const KEY = 'sk_live_TELEMETRY_0a1b2c3d4e5f';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

const { exporter, reader } = useRealOtel();

let up: Upstream;
let client: StackOneClient;
const now = frozenClock();
beforeEach(async () => {
  exporter.reset();
  up = await startUpstream(json(200, { data: [] }));
  client = new StackOneClient({ baseUrl: new URL(up.url), now, timeoutMs: 5_000, userAgent: 'otel-test' });
});
afterEach(async () => {
  await client.close();
  await up.close();
});

const tool = (name: string) => TOOLS.find((t) => t.name === name)!;

/** A tool call as the server's boundary will make it: inside withMcpSpan, its context handed to the tool. */
function callTool(name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) {
  return withMcpSpan({ method: 'tools/call', tool: name, meta, requestId: 7 }, async (span) => {
    const ctx: ToolContext = {
      stackone: client,
      credentials: { apiKey: KEY, accountId: 'acct-1' },
      directory: defaultDirectory(client, now),
      now,
      signal: new AbortController().signal,
      log: () => {},
      progress: undefined,
      traceContext: span.context,
    };
    try {
      return { ok: true as const, out: await tool(name).run(tool(name).inputSchema.parse(args), ctx) };
    } catch (error) {
      // The boundary turns the error into an isError result; the span keeps its class.
      span.fail(error);
      return { ok: false as const, error };
    }
  });
}

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

async function points(name: string): Promise<DataPoint<number | Histogram>[]> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
}

describe('spans', () => {
  test("a request span under the caller's traceparent; the upstream call and each attempt beneath it", async () => {
    up.enqueue(stackoneError(429, 'slow down', {}, { 'retry-after': '0' }));
    const result = await callTool('list_user_assignments', { id: 'emp-1' }, { traceparent: TRACEPARENT });
    expect(result.ok).toBe(true);

    const [request] = named('tools/call list_user_assignments');
    expect(request).toBeDefined();
    expect(request!.kind).toBe(SpanKind.SERVER);
    expect(request!.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(request!)).toBe(CALLER_SPAN);
    expect(request!.parentSpanContext?.isRemote).toBe(true);
    expect(request!.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'list_user_assignments',
      'jsonrpc.request.id': '7',
    });

    const [call] = named('stackone list_user_assignments');
    expect(parentOf(call!)).toBe(request!.spanContext().spanId);
    expect(call!.spanContext().traceId).toBe(TRACE_ID);
    const retry = call!.events.find((e) => e.name === 'stackone.retry_wait');
    expect(retry?.attributes).toMatchObject({ 'stackone.reason': '429', attempt: 2 });

    const attempts = named('GET /unified/lms/users/{id}/assignments');
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(a)).toBe(call!.spanContext().spanId);
    }
    expect(attempts[0]!.attributes).toMatchObject({ 'http.response.status_code': 429, 'error.type': 'UpstreamError' });
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]!.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
    expect(spans()).toHaveLength(4);
  });

  test('the creates: each upstream request (lookup, then create) is its own call under the request', async () => {
    up.enqueue(json(200, { data: [] }), json(201, { data: { id: 'asg-1' } }));
    await callTool('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'sec-101',
      if_not_exists: true,
    });
    const [request] = named('tools/call create_user_assignment');
    const calls = spans().filter((s) => s.name.startsWith('stackone '));
    expect(calls.map((s) => s.name)).toEqual(['stackone list_user_assignments', 'stackone create_user_assignment']);
    for (const c of calls) expect(parentOf(c)).toBe(request!.spanContext().spanId);
    // Without a traceparent the request span starts a trace of its own.
    expect(request!.parentSpanContext).toBeUndefined();
  });

  test('a failed call: the request span carries the error class, and so does the upstream call', async () => {
    up.enqueue(stackoneError(422, 'no such course'));
    const result = await callTool('create_user_assignment', {
      id: 'emp-1',
      learning_object_external_reference: 'x',
      allow_duplicate: true,
    });
    expect(result.ok).toBe(false);
    const [request] = named('tools/call create_user_assignment');
    expect(request!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'UpstreamError' });
    expect(request!.attributes['error.type']).toBe('UpstreamError');
    expect(named('stackone create_user_assignment')[0]!.attributes['error.type']).toBe('UpstreamError');
  });

  test('no user id, key or path in any span: routes and classes only', async () => {
    up.enqueue(stackoneError(500, `bad ${KEY}`));
    await callTool('list_user_assignments', { id: 'emp-1', filter: { status: 'pending' } });
    const text = JSON.stringify(
      spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
    );
    expect(text).not.toContain('emp-1');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('pending');
  });

  test('a malformed or forbidden traceparent is ignored: a new trace, and the call still works', () => {
    for (const bad of [
      'garbage',
      `ff-${TRACE_ID}-${CALLER_SPAN}-01`,
      `00-${'0'.repeat(32)}-${CALLER_SPAN}-01`,
      `00-${TRACE_ID}-${CALLER_SPAN}-01-extra`,
      42,
    ]) {
      expect(trace.getSpanContext(parentContext({ traceparent: bad }))).toBeUndefined();
    }
    const ok = trace.getSpanContext(parentContext({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' }));
    expect(ok).toMatchObject({ traceId: TRACE_ID, spanId: CALLER_SPAN, traceFlags: 1, isRemote: true });
    expect(ok?.traceState?.get('vendor')).toBe('abc');
  });
});

describe('metrics', () => {
  test('calls, errors by class, retries, 429s and upstream latency', async () => {
    up.enqueue(stackoneError(429, 'slow', {}, { 'retry-after': '0' }));
    await callTool('list_user_assignments', { id: 'emp-1' });
    up.enqueue(stackoneError(400, 'bad'));
    await callTool('create_user_completion', {
      id: 'emp-1',
      learning_object_external_reference: 'x',
      allow_duplicate: true,
    });

    const calls = await points('mcp.server.calls');
    const byTool = (tool: string) => calls.find((p) => p.attributes['gen_ai.tool.name'] === tool)?.value;
    expect(byTool('list_user_assignments')).toBeGreaterThanOrEqual(1);
    expect(byTool('create_user_completion')).toBeGreaterThanOrEqual(1);

    const errors = await points('mcp.server.errors');
    expect(
      errors.find(
        (p) =>
          p.attributes['gen_ai.tool.name'] === 'create_user_completion' &&
          p.attributes['error.type'] === 'UpstreamError',
      )?.value,
    ).toBe(1);

    const retries = await points('stackone.client.retries');
    expect(retries.find((p) => p.attributes['stackone.reason'] === '429')?.value).toBeGreaterThanOrEqual(1);
    const limited = await points('stackone.client.rate_limited');
    expect(
      limited.find((p) => p.attributes['stackone.operation'] === 'list_user_assignments')?.value,
    ).toBeGreaterThanOrEqual(1);

    const latency = await points('stackone.client.request.duration');
    const ok = latency.find(
      (p) =>
        p.attributes['stackone.operation'] === 'list_user_assignments' &&
        p.attributes['http.response.status_code'] === 200,
    );
    expect((ok?.value as Histogram | undefined)?.count).toBeGreaterThanOrEqual(1);
    const duration = await points('mcp.server.operation.duration');
    expect(duration.length).toBeGreaterThan(0);
  });
});
