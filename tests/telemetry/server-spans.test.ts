/**
 * Traces through the real server: the SDK's v2 Client calls a tool on our McpServer (stdio framing and the HTTP
 * handler in-process, both protocol eras, and our HTTP transport on a real socket), with an in-memory exporter
 * registered. One SERVER span per tools/call, the upstream call and its attempts beneath it, and the client's
 * `_meta.traceparent` as its parent.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startHttp } from '../helpers/http.js';
import { json, stackoneError, startUpstream, type Upstream } from '../helpers/upstream.js';
import { ACCOUNT, API_KEY, type Era, type WirePath, wire } from '../helpers/wire.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

let up: Upstream;
beforeEach(async () => {
  exporter.reset();
  up = await startUpstream(json(200, { data: [] }));
});
afterEach(async () => {
  await up.close();
});

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** The request span, its upstream call and that call's attempts, checked for shape and parentage. */
function expectTree(options: { joined: boolean; attempts: number }): ReadableSpan {
  const requests = named('tools/call list_user_assignments');
  expect(requests).toHaveLength(1);
  const request = requests[0] as ReadableSpan;
  expect(request.kind).toBe(SpanKind.SERVER);
  expect(request.attributes).toMatchObject({
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': 'list_user_assignments',
  });
  if (options.joined) {
    expect(request.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(request)).toBe(CALLER_SPAN);
  } else {
    expect(request.spanContext().traceId).not.toBe(TRACE_ID);
    expect(parentOf(request)).toBeUndefined();
  }
  const [call] = named('stackone list_user_assignments');
  expect(call && parentOf(call)).toBe(request.spanContext().spanId);
  const attempts = named('GET /unified/lms/users/{id}/assignments');
  expect(attempts).toHaveLength(options.attempts);
  for (const a of attempts) {
    expect(a.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(a)).toBe(call?.spanContext().spanId);
    expect(a.spanContext().traceId).toBe(request.spanContext().traceId);
  }
  return request;
}

const WIRES: Array<[WirePath, Era]> = [
  ['stdio', 'legacy'],
  ['stdio', 'modern'],
  ['http', 'legacy'],
  ['http', 'modern'],
];

describe('one span per tools/call through the real server, under the caller’s traceparent', () => {
  test.each(WIRES)('%s, %s era', async (path, era) => {
    const wired = await wire(up.url, { path, era });
    try {
      up.enqueue(stackoneError(429, 'slow down', {}, { 'retry-after': '0' }));
      const result = await wired.client.callTool({
        name: 'list_user_assignments',
        arguments: { id: 'emp-1' },
        _meta: { traceparent: TRACEPARENT },
      });
      expect(result.isError).toBeFalsy();
      const request = expectTree({ joined: true, attempts: 2 });
      expect(request.attributes['jsonrpc.request.id']).toBeDefined();
      const [call] = named('stackone list_user_assignments');
      expect(call?.events.map((e) => e.name)).toEqual(['stackone.retry_wait']);
      // Only the tool call is a span of ours: initialize, tools/list and the like are the SDK's.
      expect(spans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(1);

      // Without a traceparent the request starts a trace of its own.
      exporter.reset();
      await wired.client.callTool({ name: 'list_user_assignments', arguments: { id: 'emp-1' } });
      expectTree({ joined: false, attempts: 1 });
    } finally {
      await wired.close();
    }
  });

  test('our HTTP transport on a real socket; a failed call marks the request span with its class', async () => {
    const server = await startHttp(up.url, { apiKey: API_KEY, accountId: ACCOUNT });
    const client = new Client({ name: 'otel-socket', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
    try {
      await client.callTool({
        name: 'list_user_assignments',
        arguments: { id: 'emp-1' },
        _meta: { traceparent: TRACEPARENT },
      });
      expectTree({ joined: true, attempts: 1 });

      exporter.reset();
      up.enqueue(stackoneError(404, 'no such user'));
      const failed = await client.callTool({
        name: 'list_user_assignments',
        arguments: { id: 'ghost' },
        _meta: { traceparent: TRACEPARENT },
      });
      expect(failed.isError).toBe(true);
      const request = expectTree({ joined: true, attempts: 1 });
      expect(request.status.code).toBe(SpanStatusCode.ERROR);
      expect(request.attributes['error.type']).toBeDefined();
    } finally {
      await client.close();
      await server.close();
    }
  });
});
