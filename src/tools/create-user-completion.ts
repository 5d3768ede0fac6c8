/** create_user_completion: record that a user finished a learning object, with result, score and time spent. */
import { AccountId, CreateCompletionDto, CreateResult, UserId } from '../stackone/schemas.js';
import { defineTool } from './define-tool.js';
import { summarizeCreatedCompletion } from './summaries.js';

export default defineTool({
  name: 'create_user_completion',
  title: 'Record a completion',
  description: [
    'Record that one LMS user completed a course or content item through StackOne, with result (Pass/Fail), score, completion date and time spent. Use when someone says a person finished, passed or failed training. Not idempotent: check with list_user_assignments (filter.status completed) if unsure it was already recorded.',
    'Next: list_user_assignments with filter.status "completed" to confirm.',
  ].join('\n'),
  input: { id: UserId, account_id: AccountId.optional(), ...CreateCompletionDto },
  output: CreateResult,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  intent: 'write',
  target: (args) => `a completion of ${args.learning_object_external_reference}`,
  async handler({ id, account_id: _account, ...dto }, { stackone, credentials, signal }) {
    const reply = await stackone.createUserCompletion(id, dto, { credentials, signal });
    return { summary: summarizeCreatedCompletion(id, dto, reply), raw: reply };
  },
});
