/** create_user_assignment: link a user to a learning object (pending, in progress or completed) in their LMS. */
import { AccountId, CreateAssignmentDto, CreateResult, UserId } from '../stackone/schemas.js';
import { defineTool } from './define-tool.js';
import { summarizeCreatedAssignment } from './summaries.js';

export default defineTool({
  name: 'create_user_assignment',
  title: 'Assign learning to a user',
  description: [
    'Assign a course or content item to one LMS user through StackOne, optionally with a due date, status and progress. Use when someone asks to enrol, assign or schedule training for a person. Not idempotent: calling twice can assign twice, so if unsure whether it exists, check with list_user_assignments first.',
    'Next: list_user_assignments to confirm; create_user_completion when they finish.',
  ].join('\n'),
  input: { id: UserId, account_id: AccountId.optional(), ...CreateAssignmentDto },
  output: CreateResult,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  intent: 'write',
  target: (args) => `an assignment of ${args.learning_object_external_reference}`,
  async handler({ id, account_id: _account, ...dto }, { stackone, credentials, signal }) {
    const reply = await stackone.createUserAssignment(id, dto, { credentials, signal });
    return { summary: summarizeCreatedAssignment(id, dto, reply), raw: reply };
  },
});
