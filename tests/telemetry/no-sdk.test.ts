/** Without a registered OpenTelemetry SDK the helpers are the API's no-ops: nothing recorded, nothing in the way. */
import { trace } from '@opentelemetry/api';
import { expect, test } from 'vitest';
import { startUpstreamCall, withMcpSpan } from '../../src/telemetry.js';

test('spans do not record and carry no trace, even with a traceparent; a throw still propagates', async () => {
  const seen = await withMcpSpan(
    { method: 'tools/call', tool: 'list_user_assignments', meta: { traceparent: 'not-a-traceparent' } },
    async (span) => {
      const upstream = startUpstreamCall(
        'list_user_assignments',
        'GET',
        '/unified/lms/users/{id}/assignments',
        '127.0.0.1',
        span.context,
      );
      upstream.attempt(1).end(429, new Error('x'));
      upstream.retry(10, '429', 2);
      upstream.end();
      return { recording: span.span.isRecording(), valid: trace.getSpanContext(span.context)?.traceId };
    },
  );
  expect(seen.recording).toBe(false);
  expect(seen.valid).toBeUndefined();
  await expect(withMcpSpan({ method: 'tools/list' }, () => Promise.reject(new TypeError('boom')))).rejects.toThrow(
    'boom',
  );
});
