/**
 * The StackOne operations this server calls, one line each: the name spans and logs give it, its method, its path
 * under the base URL (`{id}` is the user id, URL-encoded) and the reply StackOne documents for it. A tool on a new
 * endpoint adds a line here and its reply DTO in schemas.ts; the client itself stays generic.
 */
import type * as z from 'zod';
import {
  AssignmentsPaginated,
  CompletionsPaginated,
  ContentPaginated,
  CoursePaginated,
  CreateResult,
  UsersPaginated,
} from './schemas.js';

export interface Endpoint<Reply> {
  readonly operation: string;
  readonly method: 'GET' | 'POST';
  readonly path: `/unified/${string}`;
  readonly reply: z.ZodType<Reply>;
}

function endpoint<Reply>(
  operation: string,
  method: 'GET' | 'POST',
  path: `/unified/${string}`,
  reply: z.ZodType<Reply>,
): Endpoint<Reply> {
  return Object.freeze({ operation, method, path, reply });
}

export const LIST_USERS = endpoint('list_users', 'GET', '/unified/lms/users', UsersPaginated);
export const LIST_COURSES = endpoint('list_courses', 'GET', '/unified/lms/courses', CoursePaginated);
export const LIST_CONTENT = endpoint('list_content', 'GET', '/unified/lms/content', ContentPaginated);
/** Org-wide: filter[status] (one value), filter[updated_after], user_id, remote_user_id; no learning-object filter. */
export const LIST_ASSIGNMENTS = endpoint('list_assignments', 'GET', '/unified/lms/assignments', AssignmentsPaginated);
/** Org-wide: filter[updated_after] is its only filter (no user, status or learning object). */
export const LIST_COMPLETIONS = endpoint('list_completions', 'GET', '/unified/lms/completions', CompletionsPaginated);
export const LIST_USER_COMPLETIONS = endpoint(
  'list_user_completions',
  'GET',
  '/unified/lms/users/{id}/completions',
  CompletionsPaginated,
);
export const LIST_USER_ASSIGNMENTS = endpoint(
  'list_user_assignments',
  'GET',
  '/unified/lms/users/{id}/assignments',
  AssignmentsPaginated,
);
export const CREATE_USER_ASSIGNMENT = endpoint(
  'create_user_assignment',
  'POST',
  '/unified/lms/users/{id}/assignments',
  CreateResult,
);
export const CREATE_USER_COMPLETION = endpoint(
  'create_user_completion',
  'POST',
  '/unified/lms/users/{id}/completions',
  CreateResult,
);
