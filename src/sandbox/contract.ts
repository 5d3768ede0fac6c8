/**
 * StackOne's OpenAPI (shared/seeds 000, 001, 004 and the facts in their README), translated once into strict zod,
 * independently of the server's own DTOs (src/stackone/schemas.ts): the emulator checks every request body with the
 * request contracts, and tests check every emulator response with the response contracts. So a DTO of ours that
 * drifted from StackOne's is caught by the sandbox, not confirmed by it. No bounds of our own belong here.
 */
import * as z from 'zod';

const DateTime = z.iso.datetime({ offset: true }).nullish();
const Str = z.string().nullish();
const SourceValue = z
  .union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
  .nullish();
const unifiedEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z.strictObject({ value: z.enum(values).nullish(), source_value: SourceValue }).nullish();

// ---------------------------------------------------------------- requests

const NullableDateTime = z.iso.datetime({ offset: true }).nullish();
const FreeObject = z.record(z.string(), z.unknown()).nullish();

export const CreateAssignmentRequestContract = z.strictObject({
  passthrough: FreeObject,
  external_reference: Str,
  learning_object_id: Str,
  progress: z.number().nullish(),
  assigned_at: NullableDateTime,
  due_date: NullableDateTime,
  status: unifiedEnum(['pending', 'in_progress', 'completed', 'unmapped_value']),
  learning_object_external_reference: z.string(),
});

export const CreateCompletionRequestContract = z.strictObject({
  passthrough: FreeObject,
  result: unifiedEnum(['Pass', 'Fail', 'unmapped_value']),
  completed_at: NullableDateTime,
  learning_object_id: Str,
  learning_object_external_reference: z.string(),
  content_external_reference: Str,
  content_id: Str,
  time_spent: Str,
  score: z.strictObject({ percentage: z.number().nullish(), raw_value: Str }).nullish(),
});

// ---------------------------------------------------------------- responses

export const AssignmentContract = z.strictObject({
  id: Str,
  remote_id: Str,
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
  external_reference: Str,
  learning_object_id: Str,
  remote_learning_object_id: Str,
  learning_object_external_reference: Str,
  progress: z.number().nullish(),
  updated_at: DateTime,
  created_at: DateTime,
  assigned_at: DateTime,
  due_date: DateTime,
  status: unifiedEnum(['pending', 'in_progress', 'completed', 'unmapped_value']),
  learning_object_type: unifiedEnum(['content', 'course', 'collection', 'unmapped_value']),
  user_id: Str,
  remote_user_id: Str,
  certificate_url: Str,
  result: unifiedEnum(['Pass', 'Fail', 'unmapped_value']),
  completed_at: DateTime,
  course_id: Str,
  remote_course_id: Str,
});

/** The provider exchanges StackOne returns with raw=true. */
const RawContract = z
  .array(
    z.strictObject({
      method: z.string(),
      url: z.string(),
      body: z
        .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.number().int().min(0).max(255))])
        .nullish(),
      response: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()), z.string()]).nullish(),
    }),
  )
  .nullish();

export const AssignmentsPaginatedContract = z.strictObject({
  next: Str,
  data: z.array(AssignmentContract),
  raw: RawContract,
});

/** Completion (completion.md): no status, progress or due date; Pass/Fail capitalised; the deprecated ids kept. */
export const CompletionContract = z.strictObject({
  id: Str,
  remote_id: Str,
  external_id: Str,
  remote_external_id: Str,
  external_reference: Str,
  content_id: Str,
  remote_content_id: Str,
  course_id: Str,
  remote_course_id: Str,
  user_id: Str,
  remote_user_id: Str,
  completed_at: DateTime,
  updated_at: DateTime,
  created_at: DateTime,
  result: unifiedEnum(['Pass', 'Fail', 'unmapped_value']),
  content_external_reference: Str,
  learning_object_type: unifiedEnum(['content', 'course', 'collection', 'unmapped_value']),
  learning_object_id: Str,
  remote_learning_object_id: Str,
  learning_object_external_reference: Str,
  time_spent: Str,
  certificate_url: Str,
  score: z
    .strictObject({ percentage: z.number().nullish(), raw_value: z.union([z.string(), z.number()]).nullish() })
    .nullish(),
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
});

/** `active`: LmsUserActive / CourseActive / ContentActive, a boolean or the strings "true" and "false". */
const ActiveContract = z.union([z.boolean(), z.enum(['true', 'false'])]).nullish();
const Strings = z.array(z.string()).nullish();
const Named = z.array(z.strictObject({ id: Str, name: Str })).nullish();

/** LmsUser (stackone-client-typescript docs/sdk/models/shared/lmsuser.md). */
export const LmsUserContract = z.strictObject({
  id: Str,
  remote_id: Str,
  external_reference: Str,
  active: ActiveContract,
  email: Str,
  phone_number: Str,
  name: Str,
  created_at: DateTime,
  updated_at: DateTime,
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
});

const learningObject = {
  id: Str,
  remote_id: Str,
  external_reference: Str,
  title: Str,
  description: Str,
  languages: z.array(z.strictObject({ value: Str, source_value: SourceValue })).nullish(),
  cover_url: Str,
  active: ActiveContract,
  duration: Str,
  categories: Named,
  skills: Named,
  updated_at: DateTime,
  created_at: DateTime,
  provider: Str,
  unified_custom_fields: z.record(z.string(), z.unknown()).nullish(),
  authors: Named,
};

/** Course (course.md). */
export const CourseContract = z.strictObject({
  ...learningObject,
  content_ids: Strings,
  remote_content_ids: Strings,
  url: Str,
});

/** Content (content.md); content_type is ContentContentType, an open enum. */
export const ContentContract = z.strictObject({
  ...learningObject,
  course_ids: Strings,
  remote_course_ids: Strings,
  content_url: Str,
  mobile_launch_content_url: Str,
  content_type: unifiedEnum(['video', 'quiz', 'document', 'audio', 'article', 'unmapped_value']),
  order: z.number().nullish(),
  tags: Strings,
});

const paginated = (item: z.ZodType) =>
  z.strictObject({ next: Str, data: z.array(item), raw: z.array(z.unknown()).nullish() });
export const CompletionsPaginatedContract = z.strictObject({
  next: Str,
  data: z.array(CompletionContract),
  raw: RawContract,
});

const COLLECTIONS: Record<string, z.ZodType> = {
  '/unified/lms/users': paginated(LmsUserContract),
  '/unified/lms/courses': paginated(CourseContract),
  '/unified/lms/content': paginated(ContentContract),
};

export const CreateResultContract = z.strictObject({
  statusCode: z.number(),
  message: z.string(),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.strictObject({ id: Str, remote_id: Str }),
});

export const ErrorContract = z.strictObject({
  statusCode: z.number(),
  message: z.string(),
  timestamp: z.iso.datetime({ offset: true }),
  data: z
    .strictObject({
      statusCode: z.number().nullish(),
      message: Str,
      headers: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  provider_errors: z
    .array(
      z.strictObject({
        status: z.number().nullish(),
        url: Str,
        raw: z.record(z.string(), z.unknown()).nullish(),
        headers: z.record(z.string(), z.unknown()).nullish(),
      }),
    )
    .nullish(),
});

/** Which documented response a status belongs to; every other status is undocumented and fails the check. */
const DOCUMENTED_ERRORS = new Set([400, 401, 403, 404, 408, 409, 412, 422, 429, 500, 501, 502]);

/** What the check reads of one request and its answer (structurally the emulator's Exchange, which imports us). */
interface Observed {
  request: { method: string; url: string };
  response: { status: number; headers: Readonly<Record<string, string>>; body: string };
}

/** Errors for each exchange that does not match the OpenAPI; empty when all is well. */
export function contractViolations(exchanges: readonly Observed[]): string[] {
  const problems: string[] = [];
  for (const { request, response } of exchanges) {
    const where = `${request.method} ${request.url} -> ${response.status}`;
    const isList = request.method === 'GET';
    let schema: z.ZodType;
    const path = new URL(request.url, 'http://x.invalid').pathname;
    const collection = COLLECTIONS[path];
    if (response.status === 200 && isList && collection) schema = collection;
    else if (response.status === 200 && isList && /\/completions$/.test(path)) schema = CompletionsPaginatedContract;
    else if (response.status === 200 && isList) schema = AssignmentsPaginatedContract;
    else if (response.status === 201 && !isList) schema = CreateResultContract;
    // 503 and 504 are not in the OpenAPI but StackOne's gateway can answer them; they keep the error shape.
    else if (DOCUMENTED_ERRORS.has(response.status) || response.status === 503 || response.status === 504) {
      schema = ErrorContract;
    } else {
      problems.push(`${where}: status not documented for this operation`);
      continue;
    }
    if (!/^application\/json/.test(response.headers['content-type'] ?? '')) problems.push(`${where}: not JSON`);
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      problems.push(`${where}: body is not JSON`);
      continue;
    }
    const result = schema.safeParse(body);
    if (!result.success) {
      problems.push(`${where}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    } else if (schema === ErrorContract && (body as { statusCode: number }).statusCode !== response.status) {
      problems.push(`${where}: body statusCode differs from the HTTP status`);
    }
  }
  return problems;
}
