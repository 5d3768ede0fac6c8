/** create_user_completion: record that a user finished a learning object, with result, score and time spent, once a day. */
import { CREATE_USER_COMPLETION } from '../stackone/endpoints.js';
import {
  AccountId,
  AllowDuplicateCompletion,
  CreateCompletionDto,
  CreateResult,
  DryRun,
  optional,
  UserId,
} from '../stackone/schemas.js';
import { callOptions, defineTool } from './define-tool.js';
import { answerOf, COMPLETIONS_LIST, completionsOn, createGuarded, dryRunResult } from './safe-writes.js';
import { summarizeCreatedCompletion, summarizeExistingCompletion, utcDay } from './summaries.js';

export default defineTool({
  name: 'create_user_completion',
  title: 'Record a completion',
  description: [
    'Record that one LMS user completed a course or content item, with result (Pass/Fail), score, completion date and time spent. Use when someone says a person finished, passed or failed training; `id` from find_users, the reference from find_learning_objects. Creates nothing if a completion of it is already recorded that day (UTC); another day is a recertification and goes ahead; allow_duplicate overrides; dry_run previews.',
    'Next: list_user_completions to confirm.',
  ].join('\n'),
  input: {
    id: UserId,
    account_id: optional(AccountId),
    ...CreateCompletionDto,
    allow_duplicate: optional(AllowDuplicateCompletion),
    dry_run: optional(DryRun),
  },
  output: CreateResult,
  endpoints: [
    'POST /unified/lms/users/{id}/completions',
    'GET /unified/lms/users/{id}/completions (the duplicate check)',
  ],
  example: { id: 'emp-1002', learning_object_external_reference: 'gdpr-essentials', result: { value: 'Pass' } },
  access: 'write',
  idempotent: false,
  destructive: false,
  target: (args) => `completion of ${args.learning_object_external_reference}`,
  checkWith: COMPLETIONS_LIST,
  async handler({ id, account_id: _account, allow_duplicate, dry_run, ...dto }, ctx) {
    if (dry_run) {
      return dryRunResult(
        ctx.stackone.prepare(CREATE_USER_COMPLETION, { id, body: dto }, ctx.credentials),
        ctx.stackone.baseUrl,
      );
    }
    // The day the new completion is for: the one it names, or today (UTC) when the LMS is to stamp it.
    const day = utcDay(dto.completed_at) ?? new Date(ctx.now()).toISOString().slice(0, 10);
    const kind = completionsOn(day);
    const done = await createGuarded(kind, ctx, id, dto, allow_duplicate ? undefined : kind.repeats, () =>
      ctx.stackone.call(CREATE_USER_COMPLETION, { id, body: dto }, callOptions(ctx)),
    );
    return answerOf(kind, done, {
      existing: (record) => summarizeExistingCompletion(id, dto.learning_object_external_reference, record, day),
      created: (reply, note) => summarizeCreatedCompletion(id, dto, reply, note),
    });
  },
});
