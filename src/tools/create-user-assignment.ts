/** create_user_assignment: link a user to a learning object (pending or in progress) in their LMS, never twice. */
import { CREATE_USER_ASSIGNMENT } from '../stackone/endpoints.js';
import {
  AccountId,
  AllowDuplicate,
  CreateAssignmentDto,
  CreateResult,
  DryRun,
  IfNotExists,
  optional,
  UserId,
} from '../stackone/schemas.js';
import { callOptions, defineTool } from './define-tool.js';
import { ASSIGNMENTS, answerOf, createGuarded, dryRunResult, isOpen } from './safe-writes.js';
import { summarizeCreatedAssignment, summarizeExisting } from './summaries.js';

export default defineTool({
  name: 'create_user_assignment',
  title: 'Assign learning to a user',
  description: [
    'Assign a course or content item to one LMS user, optionally with a due date, status and progress. Use when someone asks to enrol, assign or schedule training for a person; `id` from find_users, the reference from find_learning_objects. Creates nothing if the user has an open (pending/in progress) assignment of it; allow_duplicate overrides; dry_run previews.',
    'Next: list_user_assignments to confirm; create_user_completion when done.',
  ].join('\n'),
  input: {
    id: UserId,
    account_id: optional(AccountId),
    ...CreateAssignmentDto,
    allow_duplicate: optional(AllowDuplicate),
    if_not_exists: optional(IfNotExists),
    dry_run: optional(DryRun),
  },
  output: CreateResult,
  endpoints: [
    'POST /unified/lms/users/{id}/assignments',
    'GET /unified/lms/users/{id}/assignments (the duplicate check)',
  ],
  example: { id: 'emp-1002', learning_object_external_reference: 'gdpr-essentials' },
  access: 'write',
  idempotent: false,
  destructive: false,
  target: (args) => `assignment of ${args.learning_object_external_reference}`,
  checkWith: ASSIGNMENTS.list,
  async handler({ id, account_id: _account, allow_duplicate, if_not_exists, dry_run, ...dto }, ctx) {
    if (dry_run) {
      return dryRunResult(
        ctx.stackone.prepare(CREATE_USER_ASSIGNMENT, { id, body: dto }, ctx.credentials),
        ctx.stackone.baseUrl,
      );
    }
    // if_not_exists asks for the stricter check, so it wins over allow_duplicate.
    const blocks = if_not_exists ? () => true : allow_duplicate ? undefined : isOpen;
    const done = await createGuarded(ASSIGNMENTS, ctx, id, dto, blocks, () =>
      ctx.stackone.call(CREATE_USER_ASSIGNMENT, { id, body: dto }, callOptions(ctx)),
    );
    return answerOf(ASSIGNMENTS, done, {
      existing: (record) => summarizeExisting(id, dto.learning_object_external_reference, record, ctx.now()),
      created: (reply, note) => summarizeCreatedAssignment(id, dto, reply, note),
    });
  },
});
