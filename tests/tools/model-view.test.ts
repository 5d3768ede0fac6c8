/**
 * What a model reads, whichever way its client passes a tool result on. Two test clients stand for the two kinds:
 * one shows its model only JSON.stringify(structuredContent) (as Claude Code does), the other only the text of
 * `content` (as Claude Desktop and claude.ai do). For every tool, both must put the summary first.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import type { Wired } from '../helpers/wire.js';

/** A client that hands its model structuredContent only, when there is any. */
const structuredOnly = (r: CallToolResult) => JSON.stringify(r.structuredContent);
/** A client that hands its model the text blocks of content only. */
const contentOnly = (r: CallToolResult) =>
  r.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');

/** Calls chosen for a long answer where it matters; every other tool is called with its own sandbox example. */
const CHOSEN: Record<string, Record<string, unknown>> = {
  find_users: { query: 'dana' },
  find_learning_objects: { query: 'security awareness' },
  list_user_assignments: { id: 'emp-1099', page_size: 25 },
  create_user_assignment: { id: 'emp-1001', learning_object_external_reference: 'leadership-foundations' },
  create_user_completion: { id: 'emp-1001', learning_object_external_reference: 'leadership-foundations' },
};
const CALLS: Record<string, Record<string, unknown>> = Object.fromEntries(
  TOOLS.map((t) => [t.name, CHOSEN[t.name] ?? { ...t.example }]),
);

let sandbox: CheckedSandbox;
let w: Wired;
beforeAll(async () => {
  sandbox = await startCheckedSandbox();
  w = await wireSandbox(sandbox);
});
afterAll(async () => {
  await w.close();
  sandbox.assertContract();
  await sandbox.close();
});

describe('every client’s model sees the summary first', () => {
  test('the chosen calls name only registered tools', () => {
    for (const name of Object.keys(CHOSEN)) expect(TOOLS.map((t) => t.name)).toContain(name);
  });

  test.each(Object.entries(CALLS))('%s', async (name, args) => {
    const result = await w.call(name, args);
    expect(result.isError).toBeFalsy();
    const first = result.content[0];
    expect(first?.type).toBe('text');
    const summary = first?.type === 'text' ? first.text : '';
    expect(summary.length).toBeGreaterThan(20);
    // structuredContent: the summary is its first field, so it is the first thing such a model reads.
    expect(structuredOnly(result).startsWith(`{"summary":${JSON.stringify(summary)},`)).toBe(true);
    // content: the summary is the first block.
    expect(contentOnly(result).startsWith(summary)).toBe(true);
    // The raw upstream JSON follows in structuredContent only: no second copy of it as text (docs/PERFORMANCE.md).
    const { summary: _, ...raw } = result.structuredContent as Record<string, unknown>;
    expect(Object.keys(raw).length).toBeGreaterThan(0);
    expect(result.content).toHaveLength(1);
  });

  test('a 25-assignment page: the summary a model reads first is a tenth of the raw JSON', async () => {
    const result = await w.call('list_user_assignments', CALLS.list_user_assignments ?? {});
    const { summary, ...raw } = result.structuredContent as { summary: string };
    expect(summary.length).toBeLessThan(2_000);
    expect(JSON.stringify(raw).length).toBeGreaterThan(10 * summary.length);
  });
});
