/** create_user_completion: record that a user finished a learning object, with result, score and time spent. */
import { CREATE_USER_COMPLETION } from '../stackone/endpoints.js';
import { AccountId, CreateCompletionDto, CreateResult, DryRun, optional, UserId } from '../stackone/schemas.js';
import { callOptions, defineTool } from './define-tool.js';
import { checkAfterFailure, confirmedCompletion, dryRunResult } from './safe-writes.js';
import { describeAssignment, summarizeCreatedCompletion } from './summaries.js';

export default defineTool({
  name: 'create_user_completion',
  title: 'Record a completion',
  description: [
    'Record that one LMS user completed a course or content item, with result (Pass/Fail), score, completion date and time spent. Use when someone says a person finished, passed or failed training; `id` from find_users, the reference from find_learning_objects. Not idempotent: check with list_user_assignments (filter.status completed) if unsure; dry_run to preview.',
    'Next: list_user_assignments with filter.status "completed" to confirm.',
  ].join('\n'),
  input: {
    id: UserId,
    account_id: optional(AccountId),
    ...CreateCompletionDto,
    dry_run: optional(DryRun),
  },
  output: CreateResult,
  endpoints: [
    'POST /unified/lms/users/{id}/completions',
    'GET /unified/lms/users/{id}/assignments (after a lost reply)',
  ],
  example: { id: 'emp-1002', learning_object_external_reference: 'gdpr-essentials', result: { value: 'Pass' } },
  access: 'write',
  idempotent: false,
  destructive: false,
  target: (args) => `completion of ${args.learning_object_external_reference}`,
  async handler({ id, account_id: _account, dry_run, ...dto }, ctx) {
    if (dry_run) {
      return dryRunResult(
        ctx.stackone.prepare(CREATE_USER_COMPLETION, { id, body: dto }, ctx.credentials),
        ctx.stackone.baseUrl,
      );
    }
    const started = ctx.now();
    try {
      const reply = await ctx.stackone.call(CREATE_USER_COMPLETION, { id, body: dto }, callOptions(ctx));
      return { summary: summarizeCreatedCompletion(id, dto, reply), raw: reply };
    } catch (error) {
      const found = await checkAfterFailure(
        error,
        'completion',
        ctx,
        id,
        dto.learning_object_external_reference,
        started,
      );
      const raw = confirmedCompletion(found);
      const note = `StackOne's reply was lost (${error instanceof Error ? error.message : 'failed'}), so this server checked with list_user_assignments: it was recorded, and the learning object now shows ${describeAssignment(found, ctx.now())}. The completion's own id was in the lost reply.`;
      return { summary: summarizeCreatedCompletion(id, dto, raw, note), raw };
    }
  },
});
