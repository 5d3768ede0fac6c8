/** list_user_assignments: a user's assignments, one page or several, filtered by status or update date. */
import { LIST_USER_ASSIGNMENTS } from '../stackone/endpoints.js';
import {
  AccountId,
  AssignmentsListed,
  AssignmentsPaginated,
  ListAssignmentsQuery,
  MaxPages,
  optional,
  UserId,
} from '../stackone/schemas.js';
import { defineTool } from './define-tool.js';
import { walkPages } from './paged-list.js';
import { SUMMARY_LINES, summarizeAssignments } from './summaries.js';
import { titlesFor } from './titles.js';

export default defineTool({
  name: 'list_user_assignments',
  title: "List a user's assignments",
  description: [
    "List one LMS user's assignments (learning object, status, progress, due date, completion, result). Use to see what someone must do, who is overdue, what they finished, or to check before creating an assignment or completion. Get `id` from find_users.",
    'Next: pass the returned next cursor (or max_pages) for more; create_user_assignment or create_user_completion to act.',
  ].join('\n'),
  input: { id: UserId, account_id: optional(AccountId), ...ListAssignmentsQuery, max_pages: optional(MaxPages) },
  output: AssignmentsPaginated,
  advertised: AssignmentsListed,
  endpoints: ['GET /unified/lms/users/{id}/assignments'],
  example: { id: 'emp-1001' },
  access: 'read',
  view: true,
  async handler({ id, account_id: _account, max_pages = 1, ...query }, ctx) {
    const { page, walk } = await walkPages(LIST_USER_ASSIGNMENTS, id, query, max_pages, 'assignments', ctx);
    const titleOf = await titlesFor(page.data.slice(0, SUMMARY_LINES), ctx);
    return { summary: summarizeAssignments(id, query, page, walk, ctx.now(), titleOf), raw: page };
  },
});
