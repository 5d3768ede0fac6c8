/**
 * A refused call is counted and traced at the same boundary as every call, with a real OpenTelemetry SDK (the
 * in-memory span exporter and a metric reader): our HTTP server in OAuth mode on a real socket, a real authorization
 * server (oidc-provider), the SDK v2 client in both protocol eras. A create beyond a read-only token's scope is the
 * SDK's 403 and still one SERVER span (joined to the caller's traceparent, marked with its error class) and one count;
 * a call the token allows is one span and one count too. And a server whose transport never asks the SDK's scope
 * question still refuses at the tool boundary.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { DataPoint } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type AuditLine, createAuditLog } from '../../src/audit.js';
import { systemClock } from '../../src/clock.js';
import { SANDBOX_API_KEY, SANDBOX_DEFAULT_ACCOUNT } from '../../src/sandbox/seed.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/serve.js';
import { type OAuthServerUnderTest, startOAuthHttp } from '../helpers/http.js';
import { READ, startIssuer, type TestIssuer, WRITE } from '../helpers/oidc.js';
import { useRealOtel } from '../helpers/otel.js';
import { textOf, wire } from '../helpers/wire.js';

const TRACE_ID = '5bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '10f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

const { exporter, reader } = useRealOtel();

let sandbox: Sandbox;
let issuer: TestIssuer;
let server: OAuthServerUnderTest;
beforeAll(async () => {
  // The issuer stamps tokens by the machine's clock, so the server reads that one too.
  sandbox = await startSandbox({ now: systemClock });
  issuer = await startIssuer();
  server = await startOAuthHttp(sandbox.url, issuer.url, {
    apiKey: SANDBOX_API_KEY,
    accountId: SANDBOX_DEFAULT_ACCOUNT,
    now: systemClock,
  });
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
  await sandbox?.close();
});

/** A counter's value for one tool (and error class), cumulative since the process registered the reader. */
async function count(name: string, tool: string, errorType?: string): Promise<number> {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  const points = (metric?.dataPoints ?? []) as DataPoint<number>[];
  return points
    .filter((p) => p.attributes['gen_ai.tool.name'] === tool)
    .filter((p) => errorType === undefined || p.attributes['error.type'] === errorType)
    .reduce((sum, p) => sum + p.value, 0);
}

async function counts() {
  return {
    creates: await count('mcp.server.calls', 'create_user_assignment'),
    refused: await count('mcp.server.errors', 'create_user_assignment', 'CredentialError'),
    lists: await count('mcp.server.calls', 'list_user_assignments'),
  };
}

describe('one span and one count per tools/call, refused or not', () => {
  test.each([
    ['2025-11-25', {}],
    ['2026-07-28', { versionNegotiation: { mode: { pin: '2026-07-28' as const } } }],
  ])('%s: a create beyond the token is the SDK 403, traced and counted like an allowed call', async (_era, options) => {
    const token = await issuer.mint({ audience: server.resource, scopes: [READ] });
    const client = new Client({ name: 'refusals', version: '1' }, options);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.resource), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    exporter.reset();
    const before = await counts();
    const auditBefore = server.audit.length;
    try {
      await expect(
        client.callTool({
          name: 'create_user_assignment',
          arguments: { id: 'emp-1003', learning_object_external_reference: 'onboarding-101' },
          _meta: { traceparent: TRACEPARENT },
        }),
      ).rejects.toMatchObject({
        requiredScope: `${READ} ${WRITE}`,
        errorDescription: `create_user_assignment needs the ${WRITE} scope`,
      });
      const listed = await client.callTool({ name: 'list_user_assignments', arguments: { id: 'emp-1003' } });
      expect(listed.isError).toBeFalsy();
    } finally {
      await client.close();
    }

    const refusedSpans = exporter.getFinishedSpans().filter((s) => s.name === 'tools/call create_user_assignment');
    expect(refusedSpans).toHaveLength(1);
    const [refused] = refusedSpans;
    expect(refused?.kind).toBe(SpanKind.SERVER);
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'create_user_assignment',
      'error.type': 'CredentialError',
    });
    expect(refused?.spanContext().traceId).toBe(TRACE_ID);
    expect(refused?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    // Nothing went upstream for it.
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'stackone create_user_assignment')).toEqual([]);
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'tools/call list_user_assignments')).toHaveLength(1);

    const after = await counts();
    expect(after.creates - before.creates).toBe(1);
    expect(after.refused - before.refused).toBe(1);
    expect(after.lists - before.lists).toBe(1);
    // And its audit line, written by the same boundary.
    expect(server.audit.slice(auditBefore)).toEqual([
      expect.objectContaining<Partial<AuditLine>>({ tool: 'create_user_assignment', outcome: 'refused' }),
    ]);
  });
});

describe('the tool boundary refuses on its own', () => {
  test('a transport that never asks the scope question (stdio framing) still gets a refusal, audited', async () => {
    const lines: AuditLine[] = [];
    const audit = createAuditLog(
      { kind: 'stderr' },
      { secrets: [], stderr: (l) => lines.push(JSON.parse(l) as AuditLine), now: systemClock },
    );
    const before = sandbox.emulator.assignmentsOf('emp-1003').length;
    const wired = await wire(sandbox.url, {
      deps: {
        apiKey: SANDBOX_API_KEY,
        accountId: SANDBOX_DEFAULT_ACCOUNT,
        audit,
        scopes: { granted: [READ], policy: { readScope: READ, writeScope: WRITE } },
      },
    });
    try {
      const result = await wired.call('create_user_assignment', {
        id: 'emp-1003',
        learning_object_external_reference: 'onboarding-101',
      });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/needs the lms:write scope, which this sign-in does not grant.*Nothing was sent/);
      expect((await wired.call('list_user_assignments', { id: 'emp-1003' })).isError).toBeFalsy();
    } finally {
      await wired.close();
    }
    expect(sandbox.emulator.assignmentsOf('emp-1003').length).toBe(before);
    expect(lines).toMatchObject([{ tool: 'create_user_assignment', outcome: 'refused' }]);
  });
});
