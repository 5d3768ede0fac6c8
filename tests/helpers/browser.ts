/**
 * Debian's Chromium (never a downloaded build) driven by playwright-core, for the view's tests in two hosts: the
 * launch flags that keep it off the network, and a watch on what the view's frames ask for. A view frame is the
 * `about:srcdoc` frame a host writes the view into, and anything inside it.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Frame, type FrameLocator, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's package puts it here; CHROMIUM_PATH names another build of the same. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests can run on this machine; CI installs the package, so there they always do. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * Without the background-networking flags Chromium reaches for Google's services at start, which a closed network
 * refuses (and which would be requests no test asked for). --no-sandbox: CI runs as root.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
];

export async function launchChromium(): Promise<Browser> {
  if (!HAVE_CHROMIUM) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (Debian's package), or set CHROMIUM_PATH`);
  }
  // libfaketime (the year-ahead CI run) moves Node's clock; the browser keeps the real one and each test sets the
  // page's clock itself.
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== 'LD_PRELOAD' && k !== 'FAKETIME') env[k] = v;
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, env, headless: true });
}

/** The view's frame, or a frame inside it. */
export function isViewFrame(frame: Frame | null): boolean {
  for (let f = frame; f; f = f.parentFrame()) if (f.url() === 'about:srcdoc') return true;
  return false;
}

export interface ViewTraffic {
  /** Every request a view frame made, blocked or not. */
  requests: string[];
  /** Every Content Security Policy violation in a view frame: something it tried to load or run and was refused. */
  violations: string[];
}

/**
 * Records what leaves the view. A request the CSP blocks never reaches the network layer, so it shows only as a
 * violation; one the CSP allows shows as a request. Both are watched, from before the first page loads.
 */
export async function watchViewTraffic(context: BrowserContext, page: Page): Promise<ViewTraffic> {
  const traffic: ViewTraffic = { requests: [], violations: [] };
  page.on('request', (request) => {
    if (isViewFrame(request.frame())) traffic.requests.push(`${request.method()} ${request.url()}`);
  });
  await context.exposeBinding('__viewCspViolation', ({ frame }, text: string) => {
    if (isViewFrame(frame)) traffic.violations.push(text);
  });
  await context.addInitScript(
    `document.addEventListener('securitypolicyviolation', (e) => { if (typeof __viewCspViolation === 'function') __viewCspViolation(e.violatedDirective + ' ' + (e.blockedURI || '(inline)') + ' in ' + location.href); });`,
  );
  page.on('console', (message) => {
    // A refusal the listener above could miss (one before it was installed). Not every CSP message is a refusal: a
    // host that writes its own <head> before the view's makes the view's meta policy void, and says so here.
    if (message.type() === 'error' && /violates the following Content Security Policy/i.test(message.text())) {
      if (message.location().url === 'about:srcdoc') traffic.violations.push(`console: ${message.text()}`);
    }
  });
  return traffic;
}

/** A browser context of one test, its page, and what its view frames sent. */
export interface Watched {
  context: BrowserContext;
  page: Page;
  traffic: ViewTraffic;
}

/** A fresh context and page, watched from before the first load (watchViewTraffic). */
export async function openWatched(browser: Browser, viewport: { width: number; height: number }): Promise<Watched> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  return { context, page, traffic: await watchViewTraffic(context, page) };
}

/** Closes the context and fails the test if anything left the view: no request from its frames, no CSP refusal. */
export async function closeWatched(watched: Watched | undefined): Promise<void> {
  await watched?.context.close();
  expect(watched?.traffic.requests ?? []).toEqual([]);
  expect(watched?.traffic.violations ?? []).toEqual([]);
}

/** What the view shows, read off the page the way a person would: the figures, the legend, the rows. */
export interface Shown {
  heading: string;
  /** The figure the view puts first: rows (a person) or records (the report). */
  figure: number;
  overdue: number | undefined;
  /** The legend: status label → count. */
  totals: Record<string, number>;
  /** Rows on the current page of the table. */
  rows: number;
  /** The table's column headers. */
  headers: string[];
  /** The pager's range ("Rows 1–25 of 200"), when there is more than one page. */
  range: string | undefined;
}

export async function readView(view: FrameLocator): Promise<Shown> {
  await view.locator('table, .empty').first().waitFor();
  const number = async (selector: string) => {
    const node = view.locator(selector);
    return (await node.count()) ? Number(await node.first().textContent()) : undefined;
  };
  const totals: Record<string, number> = {};
  for (const item of await view.locator('.legend li').all()) {
    const label = ((await item.textContent()) ?? '').replace(/\s*\d+\s*$/, '').trim();
    totals[label] = Number(await item.locator('strong').textContent());
  }
  const range = view.locator('.pager .range');
  return {
    heading: (await view.locator('h1').textContent()) ?? '',
    figure: (await number('[data-figure=rows]')) ?? Number.NaN,
    overdue: await number('[data-figure=overdue]'),
    totals,
    rows: await view.locator('tbody tr').count(),
    headers: await view.locator('thead th').allTextContents(),
    range: (await range.count()) ? ((await range.textContent()) ?? undefined) : undefined,
  };
}

/** How many lines of a list summary say "(overdue)": what the model was told. */
export function overdueInSummary(summary: string): number {
  return summary.split('\n').filter((line) => line.includes('(overdue)')).length;
}
