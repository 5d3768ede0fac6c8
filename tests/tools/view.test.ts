/**
 * The MCP Apps view as clients see it, through the real server and the SDK's Client: which tools link it, the
 * resource and its declared CSP, the HTML itself (self-contained, under its size budget), the same results for a
 * client with or without the extension, and no resources at all on a server without a linked tool.
 */
import { readFileSync } from 'node:fs';
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as z from 'zod';
import { VIEW_BUDGET_BYTES } from '../../scripts/view.mjs';
import { SANDBOX_API_KEY, SANDBOX_DEFAULT_ACCOUNT } from '../../src/sandbox/seed.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { TOOLS } from '../../src/tools/index.js';
import { modelOf } from '../../src/view/model.js';
import { VIEW_URI } from '../../src/view-resource.js';
import { overdueInSummary } from '../helpers/browser.js';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { type Era, type WirePath, wire } from '../helpers/wire.js';

const APPS = { extensions: { 'io.modelcontextprotocol/ui': { mimeTypes: ['text/html;profile=mcp-app'] } } };
const LINKED = TOOLS.filter((t) => t.view).map((t) => t.name);

let sandbox: CheckedSandbox;
beforeAll(async () => {
  sandbox = await startCheckedSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('the links', () => {
  test('list_user_assignments links the view with both keys hosts read; no other tool has any _meta', async () => {
    expect(LINKED).toContain('list_user_assignments');
    const w = await wireSandbox(sandbox);
    try {
      for (const tool of (await w.client.listTools()).tools) {
        if (LINKED.includes(tool.name)) {
          expect(tool._meta, tool.name).toEqual({ ui: { resourceUri: VIEW_URI }, 'ui/resourceUri': VIEW_URI });
        } else {
          expect(tool._meta, tool.name).toBeUndefined();
        }
      }
    } finally {
      await w.close();
    }
  });

  test('a write can never be linked: the view shows what was read', () => {
    expect(() =>
      defineTool({
        name: 'a_write',
        title: 'A write',
        description: 'x',
        input: {},
        output: z.object({}),
        endpoints: [],
        example: {},
        access: 'write',
        idempotent: false,
        destructive: false,
        view: true,
        handler: async () => ({ summary: '', raw: {} }),
      }),
    ).toThrow('a_write: only a read tool can have the view');
  });
});

describe('the resource', () => {
  test('listed and read with the MCP Apps mime type, declaring no domain at all, and the HTML the build made', async () => {
    const w = await wireSandbox(sandbox);
    try {
      const ui = { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true };
      const { resources } = await w.client.listResources();
      expect(resources).toEqual([expect.objectContaining({ uri: VIEW_URI, mimeType: 'text/html;profile=mcp-app' })]);
      expect(resources[0]?._meta).toEqual({ ui });
      const { contents } = await w.client.readResource({ uri: VIEW_URI });
      expect(contents).toHaveLength(1);
      expect(contents[0]).toMatchObject({ uri: VIEW_URI, mimeType: 'text/html;profile=mcp-app', _meta: { ui } });
      const html = (contents[0] as { text: string }).text;
      expect(html).toBe(readFileSync(new URL('../../dist/view/training.html', import.meta.url), 'utf8'));
    } finally {
      await w.close();
    }
  });

  test('self-contained: no URL, no external script, style, image or font; its own CSP allows nothing external', () => {
    const html = readFileSync(new URL('../../dist/view/training.html', import.meta.url), 'utf8');
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    );
    expect(html).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/\s(src|href|srcset|action)\s*=/i);
    expect(html).not.toMatch(/url\(|@import|@font-face/i);
    expect(html).not.toMatch(/\b(fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts)\b/);
    expect(html.match(/<script\b/g)).toHaveLength(1);
  });

  test(`under its budget of ${VIEW_BUDGET_BYTES.toLocaleString('en')} bytes`, () => {
    const html = readFileSync(new URL('../../dist/view/training.html', import.meta.url));
    expect(html.byteLength).toBeLessThan(VIEW_BUDGET_BYTES);
  });

  test('a server whose tools (--tools) link no view offers no resources at all', async () => {
    const w = await wire(sandbox.url, {
      deps: {
        apiKey: SANDBOX_API_KEY,
        accountId: SANDBOX_DEFAULT_ACCOUNT,
        tools: TOOLS.filter((t) => !t.view),
      },
      now: sandbox.now,
    });
    try {
      expect(w.client.getServerCapabilities()?.resources).toBeUndefined();
      await expect(w.client.readResource({ uri: VIEW_URI })).rejects.toThrow('Method not found');
    } finally {
      await w.close();
    }
  });
});

describe('clients without MCP Apps get exactly what clients with it get', () => {
  test.each<[WirePath, Era]>([
    ['stdio', 'legacy'],
    ['stdio', 'modern'],
    ['http', 'legacy'],
    ['http', 'modern'],
  ])('%s, %s era: the same tools/list, view and results', async (path, era) => {
    const plain = await wire(sandbox.url, {
      deps: { apiKey: SANDBOX_API_KEY, accountId: SANDBOX_DEFAULT_ACCOUNT },
      path,
      era,
      now: sandbox.now,
    });
    const apps = await wire(sandbox.url, {
      deps: { apiKey: SANDBOX_API_KEY, accountId: SANDBOX_DEFAULT_ACCOUNT },
      path,
      era,
      now: sandbox.now,
      capabilities: APPS,
    });
    try {
      expect(await apps.client.listTools()).toEqual(await plain.client.listTools());
      const read = await plain.client.readResource({ uri: VIEW_URI });
      expect(read.contents[0]).toMatchObject({ uri: VIEW_URI, mimeType: 'text/html;profile=mcp-app' });
      expect(await apps.client.readResource({ uri: VIEW_URI })).toEqual(read);
      for (const name of LINKED) {
        const tool = TOOLS.find((t) => t.name === name);
        expect(await apps.call(name, { ...tool?.example })).toEqual(await plain.call(name, { ...tool?.example }));
      }
    } finally {
      await plain.close();
      await apps.close();
    }
  });
});

describe("the view's reading of real results", () => {
  test('every sandbox person: as many rows as records, and overdue exactly as the summary counts it', async () => {
    const w = await wireSandbox(sandbox);
    try {
      let overdueSeen = 0;
      for (const id of ['emp-1001', 'emp-1002', 'emp-1003', 'emp-1004', 'emp-1099', 'gx-2002', 'in-3001']) {
        const args = id.startsWith('gx-')
          ? { id, account_id: 'globex-lms' }
          : id.startsWith('in-')
            ? { id, account_id: 'initech-lms' }
            : { id, page_size: 100 };
        const result = (await w.call('list_user_assignments', args)) as CallToolResult;
        const content = result.structuredContent as { summary: string; data: unknown[] };
        const model = modelOf(content, sandbox.now());
        if ('empty' in model) throw new Error(`${id}: ${model.empty}`);
        expect(model.kind, id).toBe('assignments');
        expect(model.rows, id).toHaveLength(content.data.length);
        expect(model.overdue, id).toBe(overdueInSummary(content.summary));
        overdueSeen += model.overdue;
      }
      expect(overdueSeen).toBeGreaterThan(3);
    } finally {
      await w.close();
    }
  });
});
