import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tool } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TOOLS } from '../../src/tools/index.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { type Wired, wire } from '../helpers/wire.js';

const SNAP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '__toolsnaps__');

let up: Upstream;
let w: Wired;
let tools: Tool[];
let listJson: string;
beforeAll(async () => {
  up = await startUpstream();
  w = await wire(up.url);
  const listed = await w.client.listTools();
  tools = listed.tools;
  listJson = JSON.stringify(listed);
});
afterAll(async () => {
  await w.close();
  await up.close();
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

describe('the tool registry as agents see it', () => {
  test("the registry's tools, in registry order: the lookups first, where ids come from", () => {
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    expect(tools.slice(0, 2).map((t) => t.name)).toEqual(['find_users', 'find_learning_objects']);
  });

  test("annotations come from each tool's declared access: reads are read-only and idempotent, writes never read-only", () => {
    for (const tool of TOOLS) {
      const listed = tools.find((t) => t.name === tool.name)?.annotations;
      expect(listed, tool.name).toMatchObject({ ...tool.annotations, title: tool.title });
      expect(listed?.readOnlyHint, tool.name).toBe(tool.access === 'read');
      expect(listed?.openWorldHint, tool.name).toBe(true);
      if (tool.access === 'read')
        expect(listed, tool.name).toMatchObject({ destructiveHint: false, idempotentHint: true });
    }
    // The creates say they are not safe to repeat; nothing here overwrites or removes.
    for (const name of ['create_user_assignment', 'create_user_completion']) {
      expect(tools.find((t) => t.name === name)?.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
      });
    }
  });

  test('every write names the read tool that shows what it creates, for the advice when the outcome is unknown', () => {
    for (const tool of TOOLS) {
      if (tool.access === 'read') expect(tool.checkWith, tool.name).toBeUndefined();
      else expect(TOOLS.find((t) => t.name === tool.checkWith)?.access, tool.name).toBe('read');
    }
    expect(TOOLS.find((t) => t.name === 'create_user_completion')?.checkWith).toBe('list_user_completions');
  });

  test('every tool has an example call that its own input schema accepts', () => {
    for (const tool of TOOLS) {
      const parsed = tool.inputSchema.safeParse(tool.example);
      expect(parsed.success, `${tool.name}: ${parsed.error?.message}`).toBe(true);
    }
  });

  test('each has a title and a description that says what, when, and what next', () => {
    for (const tool of tools) {
      expect(tool.title).toBeTruthy();
      expect(tool.description).toMatch(/Use (when|to)/);
      expect(tool.description).toMatch(/Next:/);
      expect(tool.description!.length).toBeLessThan(600);
    }
  });

  test('inputs mirror the DTOs: snake_case fields, required ones, enums; deprecated fields marked', () => {
    const props = (name: string) => {
      const schema = tools.find((t) => t.name === name)!.inputSchema as {
        properties: Record<string, Record<string, unknown>>;
        required: string[];
      };
      return schema;
    };
    const assign = props('create_user_assignment');
    expect(Object.keys(assign.properties)).toEqual([
      'id',
      'account_id',
      'learning_object_external_reference',
      'learning_object_id',
      'progress',
      'assigned_at',
      'due_date',
      'status',
      'passthrough',
      'external_reference',
      'allow_duplicate',
      'if_not_exists',
      'dry_run',
    ]);
    expect(assign.required).toEqual(['id', 'learning_object_external_reference']);
    expect(assign.properties.external_reference!.deprecated).toBe(true);
    expect(assign.properties.progress).toMatchObject({ type: 'number', minimum: 0, maximum: 100 });
    // A new assignment is pending or in progress; a finished one is create_user_completion (issue 12, item 9).
    expect(JSON.stringify(assign.properties.status)).toContain('"enum":["pending","in_progress"]');

    expect(Object.keys(props('find_users').properties)).toEqual(['query', 'account_id']);
    expect(props('find_users').required).toEqual(['query']);
    const findLo = props('find_learning_objects');
    expect(Object.keys(findLo.properties)).toEqual(['query', 'type', 'account_id']);
    expect(JSON.stringify(findLo.properties.type)).toContain('"enum":["course","content"]');

    const list = props('list_user_assignments');
    expect(Object.keys(list.properties)).toEqual([
      'id',
      'account_id',
      'filter',
      'page_size',
      'next',
      'fields',
      'user_id',
      'remote_user_id',
      'raw',
      'proxy',
      'max_pages',
    ]);
    expect(list.properties.page_size).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });

    const completion = props('create_user_completion');
    expect(Object.keys(completion.properties)).toEqual([
      'id',
      'account_id',
      'learning_object_external_reference',
      'learning_object_id',
      'result',
      'completed_at',
      'time_spent',
      'score',
      'passthrough',
      'content_external_reference',
      'content_id',
      'allow_duplicate',
      'dry_run',
    ]);
    expect(completion.properties.content_id!.deprecated).toBe(true);
    expect(completion.properties.content_external_reference!.deprecated).toBe(true);
    expect(JSON.stringify(completion.properties.result)).toContain('"enum":["Pass","Fail"]');

    // GET /users/{id}/completions takes filter[updated_after] only, and no user_id or remote_user_id.
    const completions = props('list_user_completions');
    expect(Object.keys(completions.properties)).toEqual([
      'id',
      'account_id',
      'filter',
      'page_size',
      'next',
      'fields',
      'raw',
      'proxy',
      'max_pages',
    ]);
    expect(Object.keys(completions.properties.filter!.properties as object)).toEqual(['updated_after']);
    expect(completions.required).toEqual(['id']);

    const report = props('training_report');
    expect(Object.keys(report.properties)).toEqual([
      'learning_object_external_reference',
      'learning_object_id',
      'status',
      'user_ids',
      'due_after',
      'due_before',
      'account_id',
    ]);
    expect(report.required).toBeUndefined();
    expect(JSON.stringify(report.properties.status)).toContain(
      '"enum":["overdue","open","completed","not_assigned","all"]',
    );
    expect(report.properties.user_ids).toMatchObject({ type: 'array', minItems: 1, maxItems: 100 });
    expect(JSON.stringify(report.properties.user_ids)).toContain('from find_users');
    expect(JSON.stringify(report.properties.learning_object_external_reference)).toContain(
      'from find_learning_objects',
    );
  });

  test('every tool declares an outputSchema', () => {
    for (const tool of tools) expect(tool.outputSchema?.type).toBe('object');
  });

  test('the whole tools/list stays under 18,000 characters (about 4,500 tokens)', () => {
    expect(listJson.length).toBeLessThan(18_000);
  });

  test('the tools that take an id or a reference say where it comes from', () => {
    for (const tool of tools.filter((t) => t.name.startsWith('create_') || t.name.startsWith('list_user_'))) {
      expect(tool.description, tool.name).toContain('find_users');
      expect(JSON.stringify(tool.inputSchema), tool.name).toContain('from find_users');
    }
    for (const tool of tools.filter((t) => t.name.startsWith('create_'))) {
      expect(tool.description, tool.name).toContain('find_learning_objects');
    }
  });

  test('the wire schema of each tool matches its snapshot in tests/__toolsnaps__', () => {
    const update = process.env.UPDATE_TOOLSNAPS === '1';
    // A missing snapshot is written on a developer's machine (a new tool) but fails under CI (.ci/run sets CI), so a
    // tool whose snapshot was never committed cannot pass there; a snapshot no tool owns fails everywhere.
    const stale = readdirSync(SNAP_DIR).filter((f) => !tools.some((t) => `${t.name}.json` === f));
    expect(stale, 'snapshots of tools that are not listed: delete them').toEqual([]);
    for (const tool of tools) {
      const file = join(SNAP_DIR, `${tool.name}.json`);
      const current = `${JSON.stringify(sortKeys(tool), null, 2)}\n`;
      if (update || (!existsSync(file) && !process.env.CI)) {
        mkdirSync(SNAP_DIR, { recursive: true });
        writeFileSync(file, current);
        continue;
      }
      expect(existsSync(file), `missing snapshot ${file}: run UPDATE_TOOLSNAPS=1 npx vitest run`).toBe(true);
      expect(current, `${tool.name} changed what agents see: review, then UPDATE_TOOLSNAPS=1`).toBe(
        readFileSync(file, 'utf8'),
      );
    }
  });
});
