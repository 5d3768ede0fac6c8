/** list_user_assignments: one page of a user's assignments, filtered by status or update date. */
import { AccountId, AssignmentsPaginated, ListAssignmentsQuery, UserId } from '../stackone/schemas.js';
import { defineTool } from './define-tool.js';
import { summarizeAssignments } from './summaries.js';

export default defineTool({
  name: 'list_user_assignments',
  title: "List a user's assignments",
  description: [
    "List one LMS user's assignments (learning object, status, progress, due date, completion, result) through StackOne, one page at a time. Use to see what someone must do, who is overdue, what they finished, or to check before creating an assignment or completion.",
    'Next: pass the returned next cursor for more; create_user_assignment or create_user_completion to act.',
  ].join('\n'),
  input: { id: UserId, account_id: AccountId.optional(), ...ListAssignmentsQuery },
  output: AssignmentsPaginated,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  intent: 'read',
  async handler({ id, account_id: _account, ...query }, { stackone, credentials, signal }) {
    const page = await stackone.listUserAssignments(id, query, { credentials, signal });
    return { summary: summarizeAssignments(id, query, page), raw: page };
  },
});
