/** create_user_assignment: link a user to a learning object (pending or in progress) in their LMS, never twice. */
import { PrecheckError } from '../errors.js';
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
import {
  checkAfterFailure,
  confirmedAssignment,
  dryRunResult,
  type Found,
  findAssignments,
  isOpen,
} from './safe-writes.js';
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
  async handler({ id, account_id: _account, allow_duplicate, if_not_exists, dry_run, ...dto }, ctx) {
    const ref = dto.learning_object_external_reference;
    if (dry_run) {
      return dryRunResult(
        ctx.stackone.prepare(CREATE_USER_ASSIGNMENT, { id, body: dto }, ctx.credentials),
        ctx.stackone.baseUrl,
      );
    }
    let before: Found | undefined;
    // if_not_exists asks for the stricter check, so it wins over allow_duplicate.
    if (if_not_exists || !allow_duplicate) {
      try {
        before = await findAssignments(ctx, id, ref);
      } catch (error) {
        throw new PrecheckError(error instanceof Error ? error.message : String(error));
      }
      const existing = if_not_exists ? before.records[0] : before.records.find(isOpen);
      if (existing) {
        return {
          summary: summarizeExisting(id, ref, existing, ctx.now()),
          raw: {
            message: 'Already assigned: nothing was created.',
            data: { id: existing.id ?? null, remote_id: existing.remote_id ?? null },
            created: false,
            existing,
          },
        };
      }
      if (!before.complete) {
        throw new PrecheckError(
          "the user's assignments did not fit in the pages and time this check reads, so an open one may be missed",
        );
      }
    }
    const started = ctx.now();
    try {
      const reply = await ctx.stackone.call(CREATE_USER_ASSIGNMENT, { id, body: dto }, callOptions(ctx));
      return { summary: summarizeCreatedAssignment(id, dto, reply), raw: reply };
    } catch (error) {
      const found = await checkAfterFailure(error, 'assignment', ctx, id, ref, started, before);
      const raw = confirmedAssignment(found);
      return { summary: summarizeCreatedAssignment(id, dto, raw, lostReply(error)), raw };
    }
  },
});

function lostReply(error: unknown): string {
  return `StackOne's reply was lost (${error instanceof Error ? error.message : 'failed'}), so this server checked with list_user_assignments: it was created.`;
}
