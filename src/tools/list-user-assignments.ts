/** list_user_assignments: a user's assignments, one page or several, filtered by status or update date. */
import { CancelledError } from '../errors.js';
import { LIST_USER_ASSIGNMENTS } from '../stackone/endpoints.js';
import {
  AccountId,
  type Assignment,
  AssignmentsPaginated,
  ListAssignmentsQuery,
  MaxPages,
  optional,
  UserId,
} from '../stackone/schemas.js';
import { callOptions, defineTool } from './define-tool.js';
import { SUMMARY_LINES, summarizeAssignments } from './summaries.js';
import { titlesFor } from './titles.js';

/** A result an agent can hold: past this much JSON, walking stops at a page boundary and says how to narrow. */
export const LIST_BUDGET_BYTES = 256 * 1024;

export default defineTool({
  name: 'list_user_assignments',
  title: "List a user's assignments",
  description: [
    "List one LMS user's assignments (learning object, status, progress, due date, completion, result). Use to see what someone must do, who is overdue, what they finished, or to check before creating an assignment or completion. Get `id` from find_users.",
    'Next: pass the returned next cursor (or max_pages) for more; create_user_assignment or create_user_completion to act.',
  ].join('\n'),
  input: { id: UserId, account_id: optional(AccountId), ...ListAssignmentsQuery, max_pages: optional(MaxPages) },
  output: AssignmentsPaginated,
  endpoints: ['GET /unified/lms/users/{id}/assignments'],
  example: { id: 'emp-1001' },
  access: 'read',
  view: true,
  async handler({ id, account_id: _account, max_pages = 1, ...query }, ctx) {
    const data: Assignment[] = [];
    const raw: NonNullable<AssignmentsPaginated['raw']> = [];
    let next = query.next;
    let pages = 0;
    let bytes = 0;
    let stoppedAtBudget = false;
    let last = false;
    let first: AssignmentsPaginated | undefined;
    do {
      if (pages > 0 && ctx.signal.aborted) throw new CancelledError();
      const page = await ctx.stackone.call(
        LIST_USER_ASSIGNMENTS,
        { id, query: { ...query, ...(next ? { next } : {}) } },
        callOptions(ctx),
      );
      first ??= page;
      pages++;
      data.push(...page.data);
      if (page.raw) raw.push(...page.raw);
      next = page.next ?? undefined;
      // The budget matters only when there is another page to ask for; measuring costs a serialisation.
      if (max_pages > 1) bytes += JSON.stringify(page).length;
      if (bytes > LIST_BUDGET_BYTES && next) stoppedAtBudget = true;
      // max_pages is a cap, not a total: the number of pages is known only once this one is the last.
      last = !next || pages >= max_pages || stoppedAtBudget;
      await ctx.progress?.(
        pages,
        last ? pages : undefined,
        `Read page ${pages} of up to ${max_pages} (${data.length} assignments)`,
      );
    } while (!last);
    // One page: the upstream JSON exactly as it came. Several: the pages joined, with the cursor after the last.
    const combined: AssignmentsPaginated =
      pages === 1 && first ? first : { ...first, data, next: next ?? null, ...(raw.length ? { raw } : {}) };
    const titleOf = await titlesFor(combined.data.slice(0, SUMMARY_LINES), ctx);
    return {
      summary: summarizeAssignments(
        id,
        query,
        combined,
        { pages, maxPages: max_pages, stoppedAtBudget },
        ctx.now(),
        titleOf,
      ),
      raw: combined,
    };
  },
});
