/**
 * The write side of StackOne for the parallel-create tests: it keeps what is posted and lists it back, and a POST takes
 * WRITE_MS, so two identical creates at the same moment both run their checks before either record exists.
 */
import type { ServerResponse } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { type Clock, systemClock } from '../../src/clock.js';
import { json, type Recorded } from './upstream.js';

export const WRITE_MS = 500;

/** A StackOne that keeps what is posted and lists it back; a POST takes WRITE_MS before it is stored and answered. */
export function statefulStackOne(now: Clock = systemClock) {
  const stored: Record<'assignments' | 'completions', Array<Record<string, unknown>>> = {
    assignments: [],
    completions: [],
  };
  const respond = async (req: Recorded, res: ServerResponse) => {
    const match = /^\/unified\/lms\/users\/([^/]+)\/(assignments|completions)$/.exec(req.path);
    if (!match) return json(200, { data: [], next: null })(req, res);
    const [, user, kind] = match as unknown as [string, string, 'assignments' | 'completions'];
    if (req.method === 'GET') {
      return json(200, { data: stored[kind].filter((r) => r.user_id === user), next: null })(req, res);
    }
    const body = JSON.parse(req.body) as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, WRITE_MS));
    const id = `${kind}-${stored[kind].length + 1}`;
    const at = new Date(now()).toISOString();
    stored[kind].push({
      id,
      user_id: user,
      learning_object_external_reference: body.learning_object_external_reference,
      ...(kind === 'assignments' ? { status: { value: 'pending' } } : { completed_at: body.completed_at ?? at }),
      created_at: at,
    });
    return json(201, { statusCode: 201, message: 'Record created successfully.', data: { id, remote_id: null } })(
      req,
      res,
    );
  };
  return { stored, respond };
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** Exactly one of the two made the record; the other created nothing and named it. */
export function expectOneRecord(results: CallToolResult[], stored: Array<Record<string, unknown>>) {
  expect(stored).toHaveLength(1);
  const created = results.filter((r) => (r.structuredContent as { created?: boolean }).created !== false);
  const refused = results.filter((r) => (r.structuredContent as { created?: boolean }).created === false);
  expect(created, results.map(text).join('\n---\n')).toHaveLength(1);
  expect(refused).toHaveLength(1);
  expect(results.every((r) => !r.isError)).toBe(true);
  expect(text(refused[0] as CallToolResult)).toMatch(/^Not created/);
  expect(JSON.stringify(refused[0]?.structuredContent)).toContain(String(stored[0]?.id));
}
