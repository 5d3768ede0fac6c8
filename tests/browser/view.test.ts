/**
 * The MCP Apps view in a real browser (Debian's Chromium), framed by a host we wrote on ext-apps' own AppBridge
 * (tests/browser/host/host.ts), fed real results: the real server and the SDK's Client against the sandbox emulator
 * (or a scripted upstream for 200 rows), the resource read through resources/read as a host reads it. It checks what
 * a person sees (rows, the overdue count against the summary's, the totals), both themes, narrow and wide panes, the
 * follow-up through ui/message, and that nothing leaves the view: any request from its frame or any CSP violation
 * fails the test. Screenshots go to test-results/view/.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/client';
import type { McpUiHostContext, McpUiResourceCsp } from '@modelcontextprotocol/ext-apps';
import { build } from 'esbuild';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { VIEW_URI } from '../../src/view-resource.js';
import {
  closeWatched,
  launchChromium,
  openWatched,
  overdueInSummary,
  readView,
  type ViewTraffic,
  type Watched,
} from '../helpers/browser.js';
import { DAY, frozenClock, iso, TEST_NOW } from '../helpers/clock.js';
import { type CheckedSandbox, startCheckedSandbox, wireSandbox } from '../helpers/sandbox.js';
import { json, startUpstream, type Upstream } from '../helpers/upstream.js';
import { type Wired, wire } from '../helpers/wire.js';

const SHOTS = new URL('../../test-results/view/', import.meta.url);
/** The README's picture of the view ("what the admin sees"): this screenshot, copied there with UPDATE_DOCS=1. */
const README_SHOT = 'report-course';
const README_IMAGE = new URL('../../docs/view.png', import.meta.url);

/** What a host sends for its light and dark themes: MCP Apps' standard variables, as the Inspector sends them. */
const LIGHT: McpUiHostContext = {
  theme: 'light',
  styles: {
    variables: {
      '--color-background-primary': 'rgb(255, 255, 255)',
      '--color-text-primary': 'rgb(17, 24, 39)',
      '--font-sans': 'DejaVu Sans, sans-serif',
    } as NonNullable<McpUiHostContext['styles']>['variables'],
  },
  displayMode: 'inline',
};
const DARK: McpUiHostContext = {
  theme: 'dark',
  styles: {
    variables: {
      '--color-background-primary': 'rgb(24, 24, 27)',
      '--color-text-primary': 'rgb(244, 244, 245)',
      '--font-sans': 'DejaVu Sans, sans-serif',
    } as NonNullable<McpUiHostContext['styles']>['variables'],
  },
  displayMode: 'inline',
};

interface HostWindow {
  testHost: {
    mount(mount: {
      html: string;
      csp: McpUiResourceCsp | undefined;
      hostContext: McpUiHostContext;
    }): Promise<{ appName: string | undefined }>;
    deliver(call: { toolInput: Record<string, unknown>; toolResult: CallToolResult }): Promise<void>;
    setContext(context: McpUiHostContext): Promise<void>;
    teardown(): Promise<unknown>;
    messages: string[];
    methods: string[];
    heights: number[];
  };
}
let browser: Browser;
let site: Server;
let siteUrl: string;
let sandbox: CheckedSandbox;
let w: Wired;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('./host/host.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]?.text ?? '';
  // The host page under a CSP of its own, which a srcdoc frame inherits: scripts from itself or inline (the view's),
  // inline styles, no connections, no images.
  site = createServer((req, res) => {
    if (req.url === '/host.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; frame-src 'self'",
    });
    res.end(
      '<!doctype html><meta charset="utf-8"><title>test host</title><style>body{margin:0}iframe{border:0;width:100%;display:block}</style><div id="slot"></div><script type="module" src="/host.js"></script>',
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  browser = await launchChromium();
  sandbox = await startCheckedSandbox();
  w = await wireSandbox(sandbox);
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await w?.close();
  await sandbox?.close();
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
});

interface Opened {
  page: Page;
  view: FrameLocator;
  traffic: ViewTraffic;
  summary: string;
  result: CallToolResult;
}

let open: Watched | undefined;

afterEach(async () => {
  // Nothing may leave the view, in any test: no request from its frame, no load its CSP had to refuse.
  await closeWatched(open);
  open = undefined;
});

/**
 * Calls the tool through the SDK's Client, reads the view it links to through resources/read, and has the host page
 * frame it with that result, as a host does. The page's clock is the server's, so "overdue" means the same to both.
 */
async function show(
  client: Wired,
  name: string,
  args: Record<string, unknown>,
  options: { context?: McpUiHostContext; width?: number; now?: number } = {},
): Promise<Opened> {
  const { tools } = await client.client.listTools();
  const tool = tools.find((t) => t.name === name);
  const uri = (tool?._meta?.ui as { resourceUri?: string } | undefined)?.resourceUri;
  expect(uri, `${name} links no view`).toBe(VIEW_URI);
  const { contents } = await client.client.readResource({ uri: uri as string });
  const content = contents[0] as { text?: string; mimeType?: string; _meta?: { ui?: { csp?: McpUiResourceCsp } } };
  expect(content.mimeType).toBe('text/html;profile=mcp-app');
  const result = (await client.call(name, args)) as CallToolResult;
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  open = await openWatched(browser, { width: options.width ?? 900, height: 700 });
  const { page, traffic } = open;
  await page.clock.setFixedTime(options.now ?? TEST_NOW);
  await page.goto(siteUrl);
  await page.waitForFunction(() => 'testHost' in globalThis);
  // Arguments as JSON text: Playwright's typing of a structured argument recurses past tsc's limit on these types.
  const mount = JSON.stringify({
    html: content.text as string,
    csp: content._meta?.ui?.csp,
    hostContext: options.context ?? LIGHT,
  });
  const mounted = await page.evaluate(
    (json) => (globalThis as unknown as HostWindow).testHost.mount(JSON.parse(json)),
    mount,
  );
  expect(mounted.appName).toBe('stackone-lms-view');
  // Playwright installs its clock in a new frame a moment after the frame starts: the result goes in only once the
  // view's clock reads the server's "now" (seen otherwise: a view that rendered with the real date).
  await expect.poll(() => page.frame({ url: 'about:srcdoc' })?.evaluate('Date.now()')).toBe(options.now ?? TEST_NOW);
  const call = JSON.stringify({ toolInput: args, toolResult: result });
  await page.evaluate((json) => (globalThis as unknown as HostWindow).testHost.deliver(JSON.parse(json)), call);
  const view = page.frameLocator('#slot iframe');
  await view.locator('table, .empty').first().waitFor();
  const summary = (result.structuredContent as { summary: string }).summary;
  return { page, view, traffic, summary, result };
}

/** The view's frame once it is as tall as its content says (the host sized it from ui/notifications/size-changed). */
async function shoot(page: Page, name: string): Promise<void> {
  const frame = page.frame({ url: 'about:srcdoc' });
  await expect
    .poll(async () => {
      const heights = await page.evaluate(() => (globalThis as unknown as HostWindow).testHost.heights);
      return (
        heights.at(-1) === Number(await frame?.evaluate('Math.ceil(document.body.getBoundingClientRect().height)'))
      );
    })
    .toBe(true);
  // A frame below the fold comes out blank in headless Chromium: make the window as tall as the view first.
  const height = Number(await frame?.evaluate('Math.ceil(document.body.getBoundingClientRect().height)'));
  const width = page.viewportSize()?.width ?? 900;
  if (height > (page.viewportSize()?.height ?? 0)) await page.setViewportSize({ width, height });
  const path = new URL(`${name}.png`, SHOTS);
  await page.locator('#slot iframe').screenshot({ path: path.pathname });
  if (name === README_SHOT && process.env.UPDATE_DOCS === '1') copyFileSync(path, README_IMAGE);
}

const bodyColours = (page: Page) =>
  page
    .frame({ url: 'about:srcdoc' })
    ?.evaluate('[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]') as Promise<
    [string, string]
  >;

describe('a person: list_user_assignments on the sandbox', () => {
  test('one row per assignment, the overdue count the summary gives, totals by status, titles', async () => {
    const { page, view, summary, result } = await show(w, 'list_user_assignments', { id: 'emp-1001' });
    const data = (result.structuredContent as { data: unknown[] }).data;
    const shown = await readView(view);
    expect(shown.heading).toBe('Assignments of emp-1001');
    expect(shown.rows).toBe(data.length);
    expect(shown.figure).toBe(data.length);
    expect(overdueInSummary(summary)).toBeGreaterThan(0);
    expect(shown.overdue).toBe(overdueInSummary(summary));
    expect(shown.headers).toEqual(['Learning', 'Status', 'Progress', 'Due', 'Completed', 'Result']);
    expect(Object.values(shown.totals).reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(shown.totals.Overdue).toBe(shown.overdue);
    // Titles joined from the directories (through the summary), the reference under them.
    const security = view.locator('tbody tr', { hasText: 'Security Awareness 2026' });
    await expect(security.locator('.ref').textContent()).resolves.toBe('sec-awareness-2026');
    await expect(security.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('40');
    // Overdue is said in words, not by colour alone, and marked on its row.
    const overdue = view.locator('tbody tr.r-overdue');
    expect(await overdue.count()).toBe(shown.overdue);
    await expect(overdue.first().locator('[data-state=overdue]').textContent()).resolves.toContain('Overdue');
    await expect(overdue.first().locator('.late').textContent()).resolves.toMatch(/^\d+ days? late$/);
    // A real table: column headers, and a row header per row.
    expect(await view.locator('thead th[scope=col]').count()).toBe(6);
    expect(await view.locator('tbody th[scope=row]').count()).toBe(data.length);
    await shoot(page, 'person-light');
  });

  test("the host's theme: light, then dark, from its variables; our own colours when it sends none", async () => {
    const { page } = await show(w, 'list_user_assignments', { id: 'emp-1002' }, { context: LIGHT });
    expect(await bodyColours(page)).toEqual(['rgb(255, 255, 255)', 'rgb(17, 24, 39)']);
    // The host's font family too (its @font-face CSS is not loaded: that would be a request).
    expect(await page.frame({ url: 'about:srcdoc' })?.evaluate('getComputedStyle(document.body).fontFamily')).toBe(
      '"DejaVu Sans", sans-serif',
    );
    const dark = JSON.stringify(DARK);
    await page.evaluate((json) => (globalThis as unknown as HostWindow).testHost.setContext(JSON.parse(json)), dark);
    await expect.poll(() => bodyColours(page)).toEqual(['rgb(24, 24, 27)', 'rgb(244, 244, 245)']);
    const frame = page.frame({ url: 'about:srcdoc' });
    expect(await frame?.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await shoot(page, 'person-dark');
  });

  test('a host that gives only a theme gets our light and dark defaults', async () => {
    const { page } = await show(w, 'list_user_assignments', { id: 'emp-1002' }, { context: { theme: 'dark' } });
    const [background] = await bodyColours(page);
    expect(background).toBe('rgb(28, 28, 31)');
    await page.evaluate(() => (globalThis as unknown as HostWindow).testHost.setContext({ theme: 'light' }));
    await expect.poll(async () => (await bodyColours(page))[0]).toBe('rgb(255, 255, 255)');
  });

  test('a follow-up goes to the host as ui/message; the view never calls a tool or anything else', async () => {
    const { page, view } = await show(w, 'list_user_assignments', { id: 'emp-1001' });
    await view.getByRole('button', { name: 'Ask about the overdue training' }).click();
    await view.getByText('Sent to the chat.').waitFor();
    const sent = await page.evaluate(() => ({
      messages: (globalThis as unknown as HostWindow).testHost.messages,
      methods: (globalThis as unknown as HostWindow).testHost.methods,
    }));
    expect(sent.messages).toHaveLength(1);
    // The summary leaves out a title that only restates its reference ("GDPR Essentials"): the view shows the reference.
    expect(sent.messages[0]).toBe(
      'User emp-1001 has 1 overdue assignment: gdpr-essentials (due 2026-11-12). What should we do about it?',
    );
    expect(new Set(sent.methods)).toEqual(
      new Set(['ui/initialize', 'ui/notifications/initialized', 'ui/notifications/size-changed', 'ui/message']),
    );
    // The host may tear the view down; it answers, as the protocol asks.
    await expect(page.evaluate(() => (globalThis as unknown as HostWindow).testHost.teardown())).resolves.toEqual({});
  });

  test('narrow and wide panes: cards that fit 360 px, a table at 900 px; the frame follows the height', async () => {
    const narrow = await show(w, 'list_user_assignments', { id: 'emp-1001' }, { width: 360 });
    const frame = narrow.page.frame({ url: 'about:srcdoc' });
    expect(await frame?.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(
      true,
    );
    // Cards: the title across, the cells two by two under their labels.
    expect(await frame?.evaluate("getComputedStyle(document.querySelector('tbody tr')).display")).toBe('grid');
    expect(await frame?.evaluate("getComputedStyle(document.querySelector('tbody td'), '::before').content")).toBe(
      '"Status"',
    );
    const heights = await narrow.page.evaluate(() => (globalThis as unknown as HostWindow).testHost.heights);
    const body = Number(await frame?.evaluate('Math.ceil(document.body.getBoundingClientRect().height)'));
    expect(heights.at(-1)).toBe(body);
    await shoot(narrow.page, 'person-narrow');
    await open?.context.close();
    open = undefined;
    const wide = await show(w, 'list_user_assignments', { id: 'emp-1001' }, { width: 900 });
    expect(
      await wide.page
        .frame({ url: 'about:srcdoc' })
        ?.evaluate("getComputedStyle(document.querySelector('tbody td')).display"),
    ).toBe('table-cell');
  });
});

describe('a person: list_user_completions on the sandbox', () => {
  test('one row per completion with its title, result and score bar; totals by result; a failure to ask about', async () => {
    const { page, view, result } = await show(w, 'list_user_completions', { id: 'emp-1003' });
    const data = (result.structuredContent as { data: unknown[] }).data;
    const shown = await readView(view);
    expect(shown.heading).toBe('Completions of emp-1003');
    expect(shown.rows).toBe(data.length);
    expect(shown.figure).toBe(data.length);
    expect(shown.overdue).toBeUndefined();
    expect(shown.headers).toEqual(['Learning', 'Completed', 'Result', 'Score', 'Time spent']);
    expect(shown.totals).toEqual({ Passed: data.length });
    const onboarding = view.locator('tbody tr', { hasText: 'Welcome to the Company' });
    await expect(onboarding.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('94');
    await expect(onboarding.locator('.pct').textContent()).resolves.toBe('94%');
    await shoot(page, 'completions-light');
    await open?.context.close();
    open = undefined;
    const failed = await show(w, 'list_user_completions', { id: 'emp-1002' });
    expect((await readView(failed.view)).totals).toEqual({ Failed: 1 });
    await failed.view.getByRole('button', { name: 'Ask about the failed ones' }).click();
    await failed.view.getByText('Sent to the chat.').waitFor();
    const messages = await failed.page.evaluate(() => (globalThis as unknown as HostWindow).testHost.messages);
    expect(messages).toEqual(['User emp-1002 failed: harassment-prevention. Should any be assigned again?']);
  });
});

describe('the organisation: training_report on the sandbox', () => {
  test('totals by status as the summary counts them, most overdue first, the rows past the cap said', async () => {
    const { view, summary } = await show(w, 'training_report', {});
    const [, completed, open, overdue] = /Completed (\d+), open (\d+) \((\d+) overdue\)/.exec(summary) ?? [];
    const shown = await readView(view);
    expect(shown.heading).toBe('Training report, 2026-11-22');
    expect(shown.figure).toBe(Number(completed) + Number(open));
    expect(shown.overdue).toBe(Number(overdue));
    expect(shown.totals).toEqual({
      Overdue: Number(overdue),
      'Open, not overdue': Number(open) - Number(overdue),
      Completed: Number(completed),
    });
    expect(shown.headers).toEqual(['Person', 'Learning', 'Status', 'Progress', 'Due', 'Completed', 'Result']);
    expect(shown.rows).toBe(25);
    await expect(view.locator('.note').textContent()).resolves.toBe(
      `The first 50 rows of ${shown.figure}: ask in the chat to narrow the report.`,
    );
    // Most overdue first, and each overdue person has a question of their own.
    const late = (await view.locator('tbody .late').allTextContents()).map((t) => Number.parseInt(t, 10));
    expect(late.length).toBeGreaterThan(3);
    expect(late).toEqual([...late].sort((a, b) => b - a));
    const first = view.locator('tbody tr').first();
    await expect(first.locator('th .title').textContent()).resolves.toBe('Morgan Ellis');
    await expect(first.getByRole('button', { name: "Ask about Morgan Ellis's overdue courses" }).count()).resolves.toBe(
      1,
    );
  });

  test('one course: its completion rate, who has not got it, and a question about the most overdue person', async () => {
    const args = { learning_object_external_reference: 'sec-awareness-2026' };
    const { page, view, summary } = await show(w, 'training_report', args);
    const [, rate, done, of] = /Completion rate ([\d.]+)% \((\d+) of the (\d+) who have it\)/.exec(summary) ?? [];
    await expect(view.locator('[data-figure=rate]').textContent()).resolves.toBe(`${rate}%`);
    await expect(view.locator('.rate p').textContent()).resolves.toBe(
      `Security Awareness 2026: ${rate}% completed (${done} of ${of})`,
    );
    const shown = await readView(view);
    expect(shown.heading).toBe('Security Awareness 2026: training report, 2026-11-22');
    expect(shown.headers).toEqual(['Person', 'Status', 'Progress', 'Due', 'Completed', 'Result']);
    expect(shown.totals['Not assigned']).toBe(Number(/not assigned (\d+)/.exec(summary)?.[1]));
    // The people in the summary's order, which is the view's.
    const people = [...summary.matchAll(/^- (.+?) \(emp-\d+\)/gm)].map((m) => m[1]);
    expect(await view.locator('tbody th .title').allTextContents()).toEqual(people);
    expect(shown.rows).toBe(Number(/\n- /.test(summary) ? summary.split('\n- ').length - 1 : 0));
    await shoot(page, 'report-course');
    await view.getByRole('button', { name: 'Ask about Helena Novak', exact: false }).first().click();
    await view.getByText('Sent to the chat.').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as HostWindow).testHost.messages)).toEqual([
      "Tell me about Helena Novak's (emp-1009) overdue training and what to do about it.",
    ]);
  });
});

describe('200 rows from a provider that sends them in one page', () => {
  let up: Upstream;
  let scripted: Wired;
  const STATES = ['pending', 'in_progress', 'completed', 'pending'] as const;
  // Every fourth is pending and past due; every fourth in progress and due later; the rest completed or upcoming.
  const assignments = Array.from({ length: 200 }, (_, i) => {
    const status = STATES[i % 4] as (typeof STATES)[number];
    const overdue = i % 4 === 0;
    return {
      id: `asg-${i}`,
      learning_object_external_reference: `module-${String(i).padStart(3, '0')}`,
      status: { value: status },
      progress: status === 'completed' ? 100 : status === 'in_progress' ? 50 : 0,
      due_date: iso(TEST_NOW + (overdue ? -(i + 1) * DAY : 30 * DAY)),
      ...(status === 'completed' ? { completed_at: iso(TEST_NOW - DAY), result: { value: 'Pass' } } : {}),
    };
  });
  const expectedOverdue = assignments.filter((_, i) => i % 4 === 0).length;

  beforeAll(async () => {
    up = await startUpstream((req, res) =>
      req.path.endsWith('/assignments')
        ? json(200, { data: assignments, next: null })(req, res)
        : json(200, { data: [], next: null })(req, res),
    );
    scripted = await wire(up.url, { now: frozenClock() });
  });
  afterAll(async () => {
    await scripted?.close();
    await up?.close();
  });

  test('paged 25 at a time, the totals of all 200 in sight on every page', async () => {
    const { page, view } = await show(scripted, 'list_user_assignments', { id: 'emp-9' });
    let shown = await readView(view);
    expect(shown.figure).toBe(200);
    expect(shown.overdue).toBe(expectedOverdue);
    expect(shown.rows).toBe(25);
    expect(shown.range).toBe('Rows 1–25 of 200');
    expect(shown.totals).toEqual({ Overdue: 50, 'In progress': 50, Pending: 50, Completed: 50 });
    await shoot(page, 'rows-200');
    await view.getByRole('button', { name: 'Next ›' }).click();
    shown = await readView(view);
    expect(shown.range).toBe('Rows 26–50 of 200');
    expect(shown.figure).toBe(200);
    await expect(view.locator('tbody tr').first().locator('.title').textContent()).resolves.toBe('module-025');
    for (let i = 0; i < 6; i++) await view.getByRole('button', { name: 'Next ›' }).click();
    shown = await readView(view);
    expect(shown.range).toBe('Rows 176–200 of 200');
    expect(await view.getByRole('button', { name: 'Next ›' }).isDisabled()).toBe(true);
  });
});
