/** list_user_completions: what a user has completed, with result, score, time spent and certificate, one page or several. */
import { LIST_USER_COMPLETIONS } from '../stackone/endpoints.js';
import {
  AccountId,
  CompletionsListed,
  CompletionsPaginated,
  ListCompletionsQuery,
  MaxPages,
  optional,
  UserId,
} from '../stackone/schemas.js';
import { defineTool } from './define-tool.js';
import { walkPages } from './paged-list.js';
import { SUMMARY_LINES, summarizeCompletions } from './summaries.js';
import { titlesFor } from './titles.js';

export default defineTool({
  name: 'list_user_completions',
  title: "List a user's completions",
  description: [
    "List one LMS user's completions (learning object, completion date, result, score, time spent, certificate). Use to see what someone finished and how they did, or to check before recording a completion. Get `id` from find_users.",
    'Next: pass the returned next cursor (or max_pages) for more; create_user_completion to record one.',
  ].join('\n'),
  input: { id: UserId, account_id: optional(AccountId), ...ListCompletionsQuery, max_pages: optional(MaxPages) },
  output: CompletionsPaginated,
  advertised: CompletionsListed,
  endpoints: ['GET /unified/lms/users/{id}/completions'],
  example: { id: 'emp-1001' },
  access: 'read',
  view: true,
  async handler({ id, account_id: _account, max_pages = 1, ...query }, ctx) {
    const { page, walk } = await walkPages(LIST_USER_COMPLETIONS, id, query, max_pages, 'completions', ctx);
    const titleOf = await titlesFor(page.data.slice(0, SUMMARY_LINES), ctx);
    return { summary: summarizeCompletions(id, query, page, walk, titleOf), raw: page };
  },
});
