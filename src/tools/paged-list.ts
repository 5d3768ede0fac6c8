/** The walk behind the per-person list tools: one page as StackOne sent it, or up to max_pages joined, under a size budget. */
import type * as z from 'zod';
import { CancelledError } from '../errors.js';
import type { Endpoint } from '../stackone/endpoints.js';
import type { RawResponse } from '../stackone/schemas.js';
import { callOptions, type ToolContext } from './define-tool.js';
import type { Walk } from './summaries.js';

/** A result an agent can hold: past this much JSON, walking stops at a page boundary and says how to narrow. */
export const LIST_BUDGET_BYTES = 256 * 1024;

/** What StackOne's paginated lists share: `data`, the cursor after it and, with raw=true, the provider's exchanges. */
interface Paginated {
  data: unknown[];
  next?: string | null | undefined;
  raw?: Array<z.infer<typeof RawResponse>> | null | undefined;
}

/**
 * Reads `endpoint` for user `id` from `query.next` (or the start) for up to `maxPages` pages, sending MCP progress
 * after each (the total only with the page that ends the walk: max_pages is a cap, not a count) and stopping at a
 * page boundary when the call is cancelled or the JSON passes LIST_BUDGET_BYTES. `noun` names the records in the
 * progress messages ("assignments").
 */
export async function walkPages<Page extends Paginated>(
  endpoint: Endpoint<Page>,
  id: string,
  query: { next?: string | undefined },
  maxPages: number,
  noun: string,
  ctx: ToolContext,
): Promise<{ page: Page; walk: Walk }> {
  const data: Page['data'] = [];
  const raw: NonNullable<Paginated['raw']> = [];
  let next = query.next;
  let pages = 0;
  let bytes = 0;
  let stoppedAtBudget = false;
  let last = false;
  let first: Page | undefined;
  do {
    if (pages > 0 && ctx.signal.aborted) throw new CancelledError();
    const page = await ctx.stackone.call(
      endpoint,
      { id, query: { ...query, ...(next ? { next } : {}) } },
      callOptions(ctx),
    );
    first ??= page;
    pages++;
    data.push(...page.data);
    if (page.raw) raw.push(...page.raw);
    next = page.next ?? undefined;
    // The budget matters only when there is another page to ask for; measuring costs a serialisation.
    if (maxPages > 1) bytes += JSON.stringify(page).length;
    if (bytes > LIST_BUDGET_BYTES && next) stoppedAtBudget = true;
    last = !next || pages >= maxPages || stoppedAtBudget;
    await ctx.progress?.(
      pages,
      last ? pages : undefined,
      `Read page ${pages} of up to ${maxPages} (${data.length} ${noun})`,
    );
  } while (!last);
  // One page: the upstream JSON exactly as it came. Several: the pages joined, with the cursor after the last.
  const page: Page =
    pages === 1 && first ? first : { ...(first as Page), data, next: next ?? null, ...(raw.length ? { raw } : {}) };
  return { page, walk: { pages, maxPages, stoppedAtBudget } };
}
