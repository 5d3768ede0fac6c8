/**
 * zod mirrors of StackOne's LMS DTOs (shared/seeds, OpenAPI 3.1): tool inputs, upstream replies, error bodies.
 * Inputs are strict, with messages that name the field and the fix; replies are loose so fields a provider adds pass.
 */
import * as z from 'zod';
import { hasControlChars, isHeaderToken } from '../text.js';

const isoDateTime = z.iso.datetime({ offset: true });
/** ISO 8601 durations as StackOne takes them for time_spent, e.g. PT1H30M or P1DT2H. */
const ISO_DURATION =
  /^P(?!$)(\d+(?:\.\d+)?Y)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$/;
/** No identifier, reference or cursor StackOne issues comes near this; longer text is a mistake or an attack. */
const MAX_TEXT = 4096;

/**
 * An optional field where `null` means "not set", as models often send it: the value is then left out of the
 * request, exactly as if it had been omitted. The advertised JSON Schema is the field's own.
 */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema.optional());
}

/**
 * A percentage: 0 to 100 is our bound (the OpenAPI gives none). A fraction such as 0.4 is refused: a model that
 * means 40% sends it far more often than anyone means 0.4%. Exactly 1 is taken as 1%: a value of 1 cannot be told
 * apart, and a 100% fraction would say "completed", which has its own tool.
 */
function percentage(field: string, description: string, example: number) {
  const range = (iss: { input: unknown }) => `${field} must be a number from 0 to 100 (got ${got(iss.input)})`;
  return z
    .number({ error: range })
    .min(0, { error: range })
    .max(100, { error: range })
    .refine((v) => v === 0 || v >= 1, {
      error: (iss) =>
        `${field} is a percentage from 0 to 100, not a fraction: for ${got(iss.input)} send ${Math.round(Number(iss.input) * 10000) / 100} (got ${got(iss.input)})`,
    })
    .meta({ description, examples: [example] });
}

function got(input: unknown): string {
  const text = JSON.stringify(input) ?? String(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A string of 1 to `max` characters. The length checks stay in code, as the date-time pattern does: as minLength and
 * maxLength they were about 30 characters of tools/list per field, for a bound no real value comes near.
 */
function bounded(field: string, max: number, message: (iss: { input: unknown }) => string) {
  return z
    .string({ error: message })
    .refine((v) => v.length > 0, { error: `${field} must not be empty` })
    .refine((v) => v.length <= max, { error: `${field} is longer than ${max} characters` });
}

/** A required or optional string field whose messages name the field. */
export function text(field: string, description: string, example?: string) {
  return bounded(field, MAX_TEXT, (iss) =>
    iss.input === undefined ? `${field} is required` : `${field} must be a string (got ${got(iss.input)})`,
  )
    .refine((v) => !hasControlChars(v), { error: `${field} must not contain control characters such as CR or LF` })
    .meta(example === undefined ? { description } : { description, examples: [example] });
}

/**
 * ISO 8601 date-time with a zone. The pattern check stays in code so the advertised schema stays short; the format
 * says enough without an example (the error message gives one).
 */
export function dateTime(field: string, description: string) {
  return z
    .string({ error: (iss) => `${field} must be a string (got ${got(iss.input)})` })
    .refine((v) => isoDateTime.safeParse(v).success, {
      error: (iss) =>
        `${field} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-27T17:00:00Z (got ${got(iss.input)})`,
    })
    .meta({ description, format: 'date-time' });
}

export function enumOf<const T extends readonly [string, ...string[]]>(field: string, values: T) {
  return z.enum(values, {
    error: (iss) =>
      iss.input === undefined
        ? `${field} is required (one of ${values.join(', ')})`
        : `${field} must be one of ${values.join(', ')} (got ${got(iss.input)})`,
  });
}

/** Free-form objects are forwarded to the provider: bounded, so one call cannot ship megabytes or a stack-deep tree. */
export const FREE_OBJECT_MAX_BYTES = 64 * 1024;
export const FREE_OBJECT_MAX_DEPTH = 16;

/** A free-form object forwarded as-is; a record, not z.object, so its keys are kept. */
function freeObject(field: string, description: string) {
  return z
    .record(z.string(), z.unknown(), { error: `${field} must be a JSON object` })
    .superRefine((value, ctx) => {
      const problem = boundedJson(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `${field} ${problem}` });
    })
    .meta({ description });
}

/** Depth first without recursion (so depth itself cannot overflow the stack), then size. */
function boundedJson(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth > FREE_OBJECT_MAX_DEPTH) return `is nested deeper than ${FREE_OBJECT_MAX_DEPTH} levels`;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  return bytes > FREE_OBJECT_MAX_BYTES
    ? `is ${bytes} bytes as JSON, over the ${FREE_OBJECT_MAX_BYTES}-byte limit`
    : undefined;
}

/**
 * The provider's own value: the OpenAPI allows a string, number, boolean, object or array, so the schema says that
 * rather than `{}`, which the MCP Inspector flags as a schema that constrains nothing.
 */
const SourceValue = z
  // Every JSON value but null, which `optional` has already turned into "not set": so nothing that arrives as JSON
  // is refused here, as before.
  .union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .meta({ description: "The provider's own value before normalization." });

// ---------------------------------------------------------------- tool inputs: path, account, DTOs

export const UserId = bounded('id', 1024, (iss) => (iss.input === undefined ? 'id is required' : 'id must be a string'))
  .refine((v) => v !== '.' && v !== '..', { error: 'id must be a user id, not "." or ".."' })
  // Echoed in every summary: a newline there could forge a line of the answer a model reads.
  .refine((v) => !hasControlChars(v), { error: 'id must not contain control characters such as CR or LF' })
  .meta({ description: 'The StackOne user id, from find_users (never a name or email).' });

export const AccountId = bounded('account_id', 256, () => 'account_id must be a string')
  // It travels as the x-account-id header: only what a header can carry, the same rule everywhere (text.ts).
  .refine(isHeaderToken, {
    error: 'account_id must be visible ASCII with no spaces (a StackOne account id such as 45355976281015164504)',
  })
  .meta({ description: 'Linked account id (x-account-id); default STACKONE_ACCOUNT_ID.' });

/** A new assignment is pending or in progress (the seeds); a finished one is a completion, with its own tool. */
export const AssignmentStatusValue = z.enum(['pending', 'in_progress'] as const, {
  error: (iss) =>
    iss.input === 'completed'
      ? 'status.value "completed" is not for a new assignment: to record that the user finished, call create_user_completion instead (nothing was sent)'
      : iss.input === undefined
        ? 'status.value is required (one of pending, in_progress)'
        : `status.value must be one of pending, in_progress (got ${got(iss.input)})`,
});
export const FilterStatusValue = enumOf('filter.status', ['pending', 'in_progress', 'completed'] as const);
export const ResultValue = enumOf('result.value', ['Pass', 'Fail'] as const);

/** Optional in both create DTOs; the duplicate checks match it too, for providers that list only the id. */
const LearningObjectId = text(
  'learning_object_id',
  "The learning object's id, if the integration needs it; the duplicate check matches it too.",
);

export const CreateAssignmentDto = {
  learning_object_external_reference: text(
    'learning_object_external_reference',
    "The learning object's external_reference, from find_learning_objects.",
  ),
  learning_object_id: optional(LearningObjectId),
  progress: optional(percentage('progress', 'Progress in percent: 40 means 40% (our bound: 0 to 100).', 40)),
  assigned_at: optional(dateTime('assigned_at', 'The date the assignment was assigned.')),
  due_date: optional(dateTime('due_date', 'The date the assignment is due to be completed.')),
  status: optional(
    z
      .strictObject(
        { value: AssignmentStatusValue, source_value: optional(SourceValue) },
        { error: 'status must be an object such as {"value": "pending"}' },
      )
      .meta({ description: 'pending or in_progress; a finished one is create_user_completion.' }),
  ),
  passthrough: optional(freeObject('passthrough', 'Value to pass through to the provider.')),
  external_reference: optional(
    text('external_reference', 'Deprecated: use learning_object_external_reference.').meta({ deprecated: true }),
  ),
};

export const CreateCompletionDto = {
  learning_object_external_reference: text(
    'learning_object_external_reference',
    "The learning object's external_reference, from find_learning_objects.",
  ),
  learning_object_id: optional(LearningObjectId),
  result: optional(
    z
      .strictObject(
        { value: ResultValue, source_value: optional(SourceValue) },
        { error: 'result must be an object such as {"value": "Pass"}' },
      )
      .meta({ description: 'Pass or Fail.' }),
  ),
  completed_at: optional(
    dateTime('completed_at', 'When it was completed (default now); the duplicate check compares its UTC day.'),
  ),
  time_spent: optional(
    z
      .string({ error: 'time_spent must be a string' })
      // In code, not as a pattern: the advertised schema stays short (about 190 characters of tools/list).
      .refine((v) => ISO_DURATION.test(v), {
        error: (iss) => `time_spent must be an ISO 8601 duration such as PT1H30M (got ${got(iss.input)})`,
      })
      .meta({ description: 'Time spent, as an ISO 8601 duration.', examples: ['PT1H30M'] }),
  ),
  score: optional(
    z
      .strictObject(
        {
          percentage: optional(percentage('score.percentage', '87 means 87% (our bound: 0 to 100).', 87)),
          raw_value: optional(z.string({ error: 'score.raw_value must be a string' })),
        },
        { error: 'score must be an object such as {"percentage": 87}' },
      )
      .meta({ description: 'The score achieved.' }),
  ),
  passthrough: optional(freeObject('passthrough', 'Value to pass through to the provider.')),
  content_external_reference: optional(
    text('content_external_reference', 'Deprecated: use learning_object_external_reference.').meta({
      deprecated: true,
    }),
  ),
  content_id: optional(text('content_id', 'Deprecated: use learning_object_id.').meta({ deprecated: true })),
};

/** Our own options on the creates; never sent to StackOne. */
export const DryRun = z
  .boolean({ error: 'dry_run must be true or false' })
  .meta({ description: 'Validate and show the exact request (key masked) without sending it.' });

export const IfNotExists = z.boolean({ error: 'if_not_exists must be true or false' }).meta({
  description: 'Create nothing if the user has this learning object in any status, completed included.',
});

export const AllowDuplicate = z.boolean({ error: 'allow_duplicate must be true or false' }).meta({
  description: 'Create even if the user has an open (pending or in progress) assignment of it; skips the check.',
});

export const AllowDuplicateCompletion = z.boolean({ error: 'allow_duplicate must be true or false' }).meta({
  description: 'Record even if a completion of it is recorded that day; skips the check.',
});

export const MAX_PAGES_LIMIT = 10;
export const MaxPages = z
  .int({ error: `max_pages must be a whole number from 1 to ${MAX_PAGES_LIMIT}` })
  .min(1, { error: `max_pages must be from 1 to ${MAX_PAGES_LIMIT}` })
  .max(MAX_PAGES_LIMIT, { error: `max_pages must be from 1 to ${MAX_PAGES_LIMIT}` })
  .meta({ description: 'Follow next for up to this many pages (default 1).' });

const fieldList = optional(text('fields', 'Comma-separated fields to return (all if empty).'));

export const ListAssignmentsQuery = {
  filter: optional(
    z
      .strictObject(
        {
          status: optional(FilterStatusValue),
          updated_after: optional(dateTime('filter.updated_after', 'Only assignments updated after this date.')),
        },
        { error: 'filter must be an object such as {"status": "completed"}' },
      )
      .meta({ description: 'Sent as filter[status]=…&filter[updated_after]=….' }),
  ),
  page_size: optional(
    z
      .int({ error: (iss) => `page_size must be a whole number from 1 to 100 (got ${got(iss.input)})` })
      .min(1, { error: 'page_size must be from 1 to 100' })
      .max(100, { error: 'page_size must be from 1 to 100' })
      .meta({ description: 'Records per page (StackOne default 25).' }),
  ),
  next: optional(text('next', 'The cursor from the previous page.')),
  fields: fieldList,
  user_id: optional(text('user_id', 'The user ID associated with this assignment.')),
  remote_user_id: optional(text('remote_user_id', "Provider's identifier of the user.")),
  raw: optional(
    z
      .boolean({ error: 'raw must be true or false' })
      .meta({ description: "Also return the provider's raw responses." }),
  ),
  proxy: optional(freeObject('proxy', 'Passed to the provider, as proxy[key]=value.')),
};

/**
 * GET /users/{id}/completions (LmsListUserCompletionsRequest): filter[updated_after] is its only filter, and it has
 * no user_id or remote_user_id; the rest is the assignments list's.
 */
export const ListCompletionsQuery = {
  filter: optional(
    z
      .strictObject(
        { updated_after: optional(dateTime('filter.updated_after', 'Only completions updated after this date.')) },
        { error: 'filter must be an object such as {"updated_after": "2026-01-01T00:00:00Z"}' },
      )
      .meta({ description: 'Sent as filter[updated_after]=….' }),
  ),
  page_size: ListAssignmentsQuery.page_size,
  next: ListAssignmentsQuery.next,
  fields: ListAssignmentsQuery.fields,
  raw: ListAssignmentsQuery.raw,
  proxy: ListAssignmentsQuery.proxy,
};

// ---------------------------------------------------------------- upstream replies (loose)

// Replies are loose objects: a field not declared passes through as it came. So a field that may hold anything
// (`source_value`, a raw exchange's `body` and `response`) is left undeclared: declared, it would be `{}` in the
// output schema, which says nothing more and which the MCP Inspector flags as a schema without a type.
const Str = z.string().nullish();
const UnifiedEnum = z.looseObject({ value: z.string().nullish() });

/** `data` carries the new ids and is required; the envelope fields are documented as required but are not what a
 * caller needs, so a reply without them still counts as a success rather than a "did it land?" error. */
export const CreateResult = z.looseObject({
  statusCode: z.number().optional(),
  message: z.string().optional(),
  timestamp: z.string().optional(),
  data: z.looseObject({ id: Str, remote_id: Str }),
});
export type CreateResult = z.infer<typeof CreateResult>;

export const Assignment = z.looseObject({
  id: Str,
  remote_id: Str,
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
  external_reference: Str,
  learning_object_id: Str,
  remote_learning_object_id: Str,
  learning_object_external_reference: Str,
  // Typed number, but StackOne's own example is the string '40': take both.
  progress: z.union([z.number(), z.string()]).nullish(),
  updated_at: Str,
  created_at: Str,
  assigned_at: Str,
  due_date: Str,
  status: UnifiedEnum.nullish(),
  learning_object_type: UnifiedEnum.nullish(),
  user_id: Str,
  remote_user_id: Str,
  certificate_url: Str,
  result: UnifiedEnum.nullish(),
  completed_at: Str,
  course_id: Str,
  remote_course_id: Str,
});
export type Assignment = z.infer<typeof Assignment>;

/** One exchange with the provider, as StackOne reports it with raw=true; `body` and `response` pass through. */
export const RawResponse = z.looseObject({ method: z.string(), url: z.string() });

export const AssignmentsPaginated = z.looseObject({
  next: Str,
  data: z.array(Assignment),
  raw: z.array(RawResponse).nullish(),
});
export type AssignmentsPaginated = z.infer<typeof AssignmentsPaginated>;

/**
 * A completion as StackOne lists it (stackone-client-typescript docs/sdk/models/shared/completion.md): no status,
 * progress, due date or title; either learning-object identifier may be null; `result` is Pass/Fail (capitalised);
 * `score.raw_value` is documented as a string, with the number 87 as the OpenAPI's own example, so both are taken.
 */
export const Completion = z.looseObject({
  id: Str,
  remote_id: Str,
  user_id: Str,
  remote_user_id: Str,
  learning_object_id: Str,
  remote_learning_object_id: Str,
  learning_object_external_reference: Str,
  learning_object_type: UnifiedEnum.nullish(),
  result: UnifiedEnum.nullish(),
  completed_at: Str,
  created_at: Str,
  updated_at: Str,
  time_spent: Str,
  certificate_url: Str,
  score: z
    .looseObject({ percentage: z.number().nullish(), raw_value: z.union([z.string(), z.number()]).nullish() })
    .nullish(),
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
  external_reference: Str,
  external_id: Str,
  remote_external_id: Str,
  content_external_reference: Str,
  content_id: Str,
  remote_content_id: Str,
  course_id: Str,
  remote_course_id: Str,
});
export type Completion = z.infer<typeof Completion>;

export const CompletionsPaginated = z.looseObject({
  next: Str,
  data: z.array(Completion),
  raw: z.array(RawResponse).nullish(),
});
export type CompletionsPaginated = z.infer<typeof CompletionsPaginated>;

/**
 * What the list tools advertise as their output: StackOne's paginated DTOs without the fields StackOne marks
 * deprecated, the provider-side ids, custom fields and record stamps. Those still come through (the objects are
 * loose) and replies are still checked against the full DTOs; only tools/list leaves them out, about 50 characters
 * each, so that seven tools and the view's links stay inside the tools/list budget. What the SDK checks a result's
 * structuredContent against is the full DTO (defineTool's `advertised`): every value it accepts fits these.
 */
const NOT_ADVERTISED = {
  remote_id: true,
  remote_learning_object_id: true,
  remote_user_id: true,
  unified_custom_fields: true,
  created_at: true,
  updated_at: true,
  external_reference: true,
  course_id: true,
  remote_course_id: true,
} as const;
export const AssignmentsListed = AssignmentsPaginated.extend({
  data: z.array(Assignment.omit(NOT_ADVERTISED)),
});
export const CompletionsListed = CompletionsPaginated.extend({
  data: z.array(
    Completion.omit({
      ...NOT_ADVERTISED,
      external_id: true,
      remote_external_id: true,
      content_external_reference: true,
      content_id: true,
      remote_content_id: true,
    }),
  ),
});

// ---------------------------------------------------------------- directory: LMS users, courses, content
// Mirrored from StackOne's published client docs (stackone-client-typescript, docs/sdk/models/shared/lmsuser.md,
// course.md, content.md, userspaginated.md, coursepaginated.md, contentpaginated.md; operations/lmslistusersrequest.md,
// lmslistcoursesrequest.md, lmslistcontentrequest.md and their *queryparamfilter.md): every field optional.

/** `active` is documented as a boolean or the strings "true"/"false" (LmsUserActive, CourseActive, ContentActive). */
const Active = z.union([z.boolean(), z.enum(['true', 'false'])]).nullish();
const Strings = z.array(z.string()).nullish();

export const LmsUser = z.looseObject({
  id: Str,
  remote_id: Str,
  external_reference: Str,
  active: Active,
  email: Str,
  phone_number: Str,
  name: Str,
  created_at: Str,
  updated_at: Str,
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
});
export type LmsUser = z.infer<typeof LmsUser>;

/** LanguageEnum: `value` a unified locale code such as en_GB, `source_value` the provider's own. */
const Language = z.looseObject({ value: Str, source_value: z.unknown().optional() });

/** The fields Course and Content share; each adds a few of its own. */
const learningObjectFields = {
  id: Str,
  remote_id: Str,
  external_reference: Str,
  title: Str,
  description: Str,
  active: Active,
  duration: Str,
  languages: z.array(Language).nullish(),
  provider: Str,
  created_at: Str,
  updated_at: Str,
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
};

export const Course = z.looseObject({
  ...learningObjectFields,
  content_ids: Strings,
  remote_content_ids: Strings,
  url: Str,
  cover_url: Str,
});
export type Course = z.infer<typeof Course>;

export const Content = z.looseObject({
  ...learningObjectFields,
  content_type: UnifiedEnum.nullish(),
  content_url: Str,
  course_ids: Strings,
  remote_course_ids: Strings,
  order: z.number().nullish(),
  tags: Strings,
});
export type Content = z.infer<typeof Content>;

export const UsersPaginated = z.looseObject({ next: Str, data: z.array(LmsUser), raw: z.array(RawResponse).nullish() });
export type UsersPaginated = z.infer<typeof UsersPaginated>;
export const CoursePaginated = z.looseObject({ next: Str, data: z.array(Course), raw: z.array(RawResponse).nullish() });
export type CoursePaginated = z.infer<typeof CoursePaginated>;
export const ContentPaginated = z.looseObject({
  next: Str,
  data: z.array(Content),
  raw: z.array(RawResponse).nullish(),
});
export type ContentPaginated = z.infer<typeof ContentPaginated>;

/**
 * The list requests the cache sends (LmsListUsersRequest, LmsListCoursesRequest, LmsListContentRequest,
 * LmsListAssignmentsRequest, LmsListCompletionsRequest): `fields`, `next`, `page_size` and the documented filters,
 * `filter[updated_after]` on every list, `filter[status]` (one value) on assignments, `filter[email]` on users and
 * `filter[external_reference]` on users and courses (not content). What comes back is checked on this side too, so a
 * provider that ignores a filter costs pages, never a wrong answer.
 */
export interface DirectoryListQuery {
  fields?: string;
  filter?: {
    updated_after?: string;
    status?: string;
    email?: string;
    external_reference?: string;
  };
  next?: string;
  page_size?: number;
}

/** The fields a lookup asks for and keeps: what it matches on and shows, nothing more (memory, privacy). */
export const USER_FIELDS = ['id', 'remote_id', 'external_reference', 'active', 'email', 'name', 'updated_at'] as const;
export const COURSE_FIELDS = [
  'id',
  'remote_id',
  'external_reference',
  'title',
  'active',
  'duration',
  'languages',
  'updated_at',
] as const;
export const CONTENT_FIELDS = [...COURSE_FIELDS, 'content_type'] as const;
/** Whose record and of which learning object: the org-wide indexes match on these, either identifier of each. */
const INDEX_RECORD_FIELDS = [
  'id',
  'user_id',
  'remote_user_id',
  'learning_object_id',
  'learning_object_external_reference',
  'learning_object_type',
] as const;
/** What the org-wide assignment index keeps of each assignment: who, which learning object, where it stands. */
export const ASSIGNMENT_INDEX_FIELDS = [
  ...INDEX_RECORD_FIELDS,
  'status',
  'progress',
  'assigned_at',
  'due_date',
  'completed_at',
  'result',
  'updated_at',
] as const;
/** What the org-wide completion index keeps of each completion. */
export const COMPLETION_INDEX_FIELDS = [...INDEX_RECORD_FIELDS, 'completed_at', 'result', 'updated_at'] as const;

// ---------------------------------------------------------------- lookups: inputs and results

function lookupQuery(description: string) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'query is required' : 'query must be a string') })
    .trim()
    .min(1, { error: 'query must not be empty' })
    .max(200, { error: 'query is longer than 200 characters' })
    .meta({ description });
}
export const UserQuery = lookupQuery('Name or part of one, email, external reference or id.');
export const LearningObjectQuery = lookupQuery('Title or part of one, external reference or id.');

export const LearningObjectKind = enumOf('type', ['course', 'content'] as const).meta({
  description: 'Only courses or only content (default both).',
});

/** What a lookup returns as structuredContent: the matching records as StackOne gave them, and how far it looked. */
const lookupResult = <T extends z.ZodType>(match: T) =>
  z.object({
    matches: z.array(match),
    /** Matches beyond those listed. */
    more: z.number(),
    searched: z.number(),
    /** False when the walk of the directory was cut short: people or items not read yet may match too. */
    complete: z.boolean(),
  });

/** Each match is StackOne's LmsUser as read (id, name, email, external_reference, active). */
export const FindUsersResult = lookupResult(z.looseObject({}));
export type FindUsersResult = z.infer<typeof FindUsersResult>;

/** Each match is StackOne's Course or Content as read, with `type` (course or content) added. */
export const FindLearningObjectsResult = lookupResult(z.looseObject({}));
export type FindLearningObjectsResult = z.infer<typeof FindLearningObjectsResult>;
