/**
 * The MCP Apps view in a host we did not write: the MCP Inspector's web UI (2.12, its Apps tab), in Debian's
 * Chromium, against the built server on the sandbox over Streamable HTTP in the Inspector's default 2025-era mode,
 * where the server never sees an initialize and so can never know the client shows Apps: the view must appear
 * anyway. Run by scripts/inspector/smoke.sh (`vitest --config vitest.inspector.config.ts`), which installs the
 * Inspector and the Node 22 it needs and names them in INSPECTOR_NODE and INSPECTOR_LAUNCHER.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import {
  closeWatched,
  launchChromium,
  openWatched,
  overdueInSummary,
  readView,
  type Watched,
} from '../helpers/browser.js';

const NODE22 = process.env.INSPECTOR_NODE;
const LAUNCHER = process.env.INSPECTOR_LAUNCHER;
const TOKEN = 'inspector-test-token';
const SHOTS = new URL('../../test-results/inspector/', import.meta.url);

let server: ChildProcess;
let inspector: ChildProcess;
let home: string;
let serverUrl: string;
let inspectorUrl: string;
let browser: Browser;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts a process in a group of its own and resolves once a line of its output matches. */
function start(command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start within 30 s:\n${seen}`)), 30_000);
    const watch = (chunk: Buffer) => {
      seen += chunk.toString();
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', watch);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}) before it was ready:\n${seen}`)));
  });
}

function stop(child: ChildProcess | undefined): void {
  if (child?.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

beforeAll(async () => {
  if (!NODE22 || !LAUNCHER) {
    throw new Error(
      'INSPECTOR_NODE and INSPECTOR_LAUNCHER are not set: run bash scripts/inspector/smoke.sh, which installs them',
    );
  }
  assertBuilt();
  const [port, clientPort, sandboxPort, appOriginPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  serverUrl = `http://127.0.0.1:${port}/mcp`;
  server = await start(
    process.execPath,
    [BIN, '--sandbox', '--transport', 'http', '--host', '127.0.0.1', '--port', String(port)],
    childEnv({}),
    /"msg":"listening"/,
  );
  home = mkdtempSync(join(tmpdir(), 'inspector-home-'));
  inspector = await start(
    NODE22,
    [LAUNCHER, '--web', '--transport', 'http', '--server-url', serverUrl],
    childEnv({
      MCP_AUTO_OPEN_ENABLED: 'false',
      CLIENT_PORT: String(clientPort),
      MCP_SANDBOX_PORT: String(sandboxPort),
      MCP_APP_ORIGIN_PORT: String(appOriginPort),
      MCP_INSPECTOR_API_TOKEN: TOKEN,
      MCP_INSPECTOR_SECRET_STORE: 'memory',
      HOME: home,
    }),
    /MCP Inspector Web is up and running/,
  );
  inspectorUrl = `http://127.0.0.1:${clientPort}/?MCP_INSPECTOR_API_TOKEN=${TOKEN}`;
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  stop(inspector);
  stop(server);
  if (home) rmSync(home, { recursive: true, force: true });
});

let open: Watched | undefined;
afterEach(async () => {
  // The Inspector's own page may ask for its web fonts; the view's frames may ask for nothing.
  await closeWatched(open);
  open = undefined;
});

/** What the model was told: the same call through the SDK's Client, against the same server. */
async function summaryOf(
  tool: string,
  args: Record<string, unknown>,
): Promise<{ summary: string; rows: number | undefined }> {
  const client = new Client({ name: 'inspector-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl)));
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    const content = result.structuredContent as { summary: string; data?: unknown[] };
    return { summary: content.summary, rows: content.data?.length };
  } finally {
    await client.close();
  }
}

/** Connects the Inspector, opens the tool's app (by its title) from the Apps tab with these arguments. */
async function openApp(title: string, args: Record<string, string>): Promise<{ page: Page; view: FrameLocator }> {
  open = await openWatched(browser, { width: 1400, height: 900 });
  const { page } = open;
  await page.goto(inspectorUrl);
  await page.getByRole('switch', { name: /Connect or disconnect/ }).click({ force: true });
  await page.getByText('Connected', { exact: true }).waitFor();
  // Stateless HTTP in the 2025-era mode: no server instance ever sees this client's initialize.
  await expect(
    page
      .getByText(/^MCP \d{4}-\d\d-\d\d$/)
      .first()
      .textContent(),
  ).resolves.toBe('MCP 2025-11-25');
  await page.getByText('Apps', { exact: true }).click();
  await page.getByText(title, { exact: true }).click();
  for (const [name, value] of Object.entries(args)) {
    await page.getByRole('textbox', { name, exact: true }).fill(value);
  }
  await page.getByRole('button', { name: 'Open App' }).click();
  // The Inspector frames a proxy on its sandbox port, which writes the view into an srcdoc frame of its own.
  const view = page.frameLocator('iframe').first().frameLocator('iframe').first();
  await view.locator('table, .empty').first().waitFor();
  return { page, view };
}

const viewFrame = (page: Page) => page.frames().find((f) => f.url() === 'about:srcdoc');

describe("the MCP Inspector's Apps tab", () => {
  test("Dana's assignments: every row, the overdue count the summary gives, totals by status; then dark", async () => {
    const told = await summaryOf('list_user_assignments', { id: 'emp-1001' });
    const { page, view } = await openApp("List a user's assignments", { id: 'emp-1001' });
    const shown = await readView(view);
    expect(shown.heading).toBe('Assignments of emp-1001');
    expect(shown.rows).toBe(told.rows);
    expect(shown.figure).toBe(told.rows);
    expect(overdueInSummary(told.summary)).toBeGreaterThan(0);
    expect(shown.overdue).toBe(overdueInSummary(told.summary));
    expect(Object.values(shown.totals).reduce((a, b) => a + b, 0)).toBe(told.rows);
    await expect(view.locator('tbody tr', { hasText: 'Security Awareness 2026' }).count()).resolves.toBe(1);
    // The Inspector's theme and CSS variables reach the view.
    expect(await viewFrame(page)?.evaluate('document.documentElement.dataset.theme')).toBe('light');
    const light = await viewFrame(page)?.evaluate('getComputedStyle(document.body).backgroundColor');
    await page.screenshot({ path: new URL('apps-light.png', SHOTS).pathname });
    await page.getByRole('button', { name: 'Toggle color scheme' }).click();
    await expect.poll(() => viewFrame(page)?.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    const dark = await viewFrame(page)?.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(dark).not.toBe(light);
    await page.screenshot({ path: new URL('apps-dark.png', SHOTS).pathname });
  });

  test("the organisation's report on one course: its rate and overdue count as the summary gives them", async () => {
    const args = { learning_object_external_reference: 'sec-awareness-2026' };
    const { summary } = await summaryOf('training_report', args);
    const { view } = await openApp('Training report for the organisation', args);
    const shown = await readView(view);
    const [, completed, open, overdue] = /Completed (\d+), open (\d+) \((\d+) overdue\)/.exec(summary) ?? [];
    expect(shown.heading).toMatch(/^Security Awareness 2026: training report, \d{4}-\d\d-\d\d$/);
    expect(shown.overdue).toBe(Number(overdue));
    expect(shown.totals.Completed).toBe(Number(completed));
    expect(shown.totals.Overdue).toBe(Number(overdue));
    expect(shown.totals['Open, not overdue']).toBe(Number(open) - Number(overdue));
    const rate = /Completion rate ([\d.]+)%/.exec(summary)?.[1];
    await expect(view.locator('[data-figure=rate]').textContent()).resolves.toBe(`${rate}%`);
  });

  test('the follow-up arrives in the Inspector as a message from the app', async () => {
    const { page, view } = await openApp("List a user's assignments", { id: 'emp-1002' });
    await view.getByRole('button', { name: 'Ask about the overdue training' }).click();
    await view.getByText('Sent to the chat.').waitFor();
    await page.getByText('Messages from app (1)').waitFor();
  });
});
