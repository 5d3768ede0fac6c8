/** create_user_assignment: link a user to a learning object (pending, in progress or completed) in their LMS. */
import { AccountId, CreateAssignmentDto, CreateResult, DryRun, IfNotExists, UserId } from '../stackone/schemas.js';
import { callOptions, defineTool } from './define-tool.js';
import { checkAfterFailure, confirmedResult, dryRunResult, findAssignments } from './safe-writes.js';
import { summarizeCreatedAssignment, summarizeExisting } from './summaries.js';

export default defineTool({
  name: 'create_user_assignment',
  title: 'Assign learning to a user',
  description: [
    'Assign a course or content item to one LMS user, optionally with a due date, status and progress. Use when someone asks to enrol, assign or schedule training for a person; `id` from find_users, the reference from find_learning_objects. Not idempotent: pass if_not_exists to skip users who already have it; dry_run to preview.',
    'Next: list_user_assignments to confirm; create_user_completion when they finish.',
  ].join('\n'),
  input: {
    id: UserId,
    account_id: AccountId.optional(),
    ...CreateAssignmentDto,
    if_not_exists: IfNotExists.optional(),
    dry_run: DryRun.optional(),
  },
  output: CreateResult,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  intent: 'write',
  target: (args) => `assignment of ${args.learning_object_external_reference}`,
  async handler({ id, account_id: _account, if_not_exists, dry_run, ...dto }, ctx) {
    const ref = dto.learning_object_external_reference;
    if (dry_run) {
      return dryRunResult(
        ctx.stackone.prepare('create_user_assignment', id, ctx.credentials, dto),
        ctx.stackone.baseUrl,
      );
    }
    if (if_not_exists) {
      const existing = (await findAssignments(ctx, id, ref))[0];
      if (existing) {
        return {
          summary: summarizeExisting(id, ref, existing),
          raw: {
            message: 'Already assigned: nothing was created.',
            data: { id: existing.id ?? null, remote_id: existing.remote_id ?? null },
            created: false,
            existing,
          },
        };
      }
    }
    const started = Date.now();
    try {
      const reply = await ctx.stackone.createUserAssignment(id, dto, callOptions(ctx));
      return { summary: summarizeCreatedAssignment(id, dto, reply), raw: reply };
    } catch (error) {
      const found = await checkAfterFailure(error, 'assignment', ctx, id, ref, started);
      const raw = confirmedResult(found, 'assignment');
      return { summary: summarizeCreatedAssignment(id, dto, raw, lostReply(error)), raw };
    }
  },
});

function lostReply(error: unknown): string {
  return `StackOne's reply was lost (${error instanceof Error ? error.message : 'failed'}), so this server checked with list_user_assignments: it was created.`;
}
