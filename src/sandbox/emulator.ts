/**
 * A StackOne LMS emulator: handle(request) -> response over an in-memory store, with StackOne's paths, status
 * codes, bodies and error shapes for the operations the tools use. serve.ts puts it on a socket; tests can call it directly.
 */
import * as z from 'zod';
import type { Clock } from '../clock.js';
import { CreateAssignmentRequestContract, CreateCompletionRequestContract } from './contract.js';
import {
  ACCOUNTS,
  ASSIGNMENTS,
  CATALOGUE,
  type LearningObject,
  SANDBOX_API_KEY,
  type SeedAssignment,
  USERS,
} from './seed.js';

export interface EmuRequest {
  method: string;
  /** The request target: path and query string. */
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
}

/** How the bytes go out: at once (default), after a delay, after heartbeat newlines, or never. */
export type Delivery =
  | { kind: 'now' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'heartbeat'; count: number; intervalMs: number }
  | { kind: 'hang' };

export interface EmuResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  delivery: Delivery;
}

/**
 * A fault for the next N requests. `status` answers at once without touching the store (StackOne refused it);
 * `slow`, `heartbeat` and `hang` let the request do its work first, then deliver late or never, as a provider
 * that finished the write but whose answer was lost.
 */
export type Fault =
  | { type: 'status'; status: 408 | 429 | 500 | 502 | 503 | 504; retryAfter?: number | string }
  | { type: 'slow'; delayMs: number }
  | { type: 'heartbeat'; count: number; intervalMs: number }
  | { type: 'hang' };

interface StoredAssignment {
  seq: number;
  record: Record<string, unknown>;
  userId: string;
}

/** A completion as StackOne lists it: its own record, apart from the assignment it may close. */
type StoredCompletion = StoredAssignment;

export interface Exchange {
  request: EmuRequest;
  response: EmuResponse;
}

export interface EmulatorOptions {
  /** "Now" for the seed's dates (set once, at construction), new records' stamps and error timestamps. */
  now: Clock;
  /** Called with every request and the response it got; tests use it to check the contract. */
  observe?: (exchange: Exchange) => void;
}

const DAY = 86_400_000;
const USER_PATH = /^\/unified\/lms\/users\/([^/]+)\/(assignments|completions)$/;
const COLLECTION_PATH = /^\/unified\/lms\/(users|courses|content)$/;
/** The org-wide lists: every user of the account at once. */
const ORG_PATH = /^\/unified\/lms\/(assignments|completions)$/;
const ASSIGNMENT_FIELDS = [
  'id',
  'remote_id',
  'unified_custom_fields',
  'external_reference',
  'learning_object_id',
  'remote_learning_object_id',
  'learning_object_external_reference',
  'progress',
  'updated_at',
  'created_at',
  'assigned_at',
  'due_date',
  'status',
  'learning_object_type',
  'user_id',
  'remote_user_id',
  'certificate_url',
  'result',
  'completed_at',
  'course_id',
  'remote_course_id',
] as const;

const ListQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  next: z.string().optional(),
  fields: z.string().optional(),
  raw: z.enum(['true', 'false']).optional(),
  user_id: z.string().optional(),
  remote_user_id: z.string().optional(),
  'filter[status]': z.enum(['pending', 'in_progress', 'completed', 'unmapped_value']).optional(),
  'filter[updated_after]': z.iso.datetime({ offset: true }).optional(),
  updated_after: z.iso.datetime({ offset: true }).optional(),
});

/** GET /unified/lms/completions and /users/{id}/completions: filter[updated_after] is their only filter. */
const CompletionsQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  next: z.string().optional(),
  fields: z.string().optional(),
  raw: z.enum(['true', 'false']).optional(),
  'filter[updated_after]': z.iso.datetime({ offset: true }).optional(),
  updated_after: z.iso.datetime({ offset: true }).optional(),
});

/** GET /unified/lms/users, /courses, /content: StackOne's documented list parameters (filters by email for users,
 * external_reference for users and courses, active for courses and content, updated_after for all). */
const CollectionQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  next: z.string().optional(),
  fields: z.string().optional(),
  raw: z.enum(['true', 'false']).optional(),
  'filter[updated_after]': z.iso.datetime({ offset: true }).optional(),
  'filter[email]': z.string().optional(),
  'filter[external_reference]': z.string().optional(),
  'filter[active]': z.enum(['true', 'false']).optional(),
});

// StackOne's documented request shapes, not the server's DTOs: a test through the sandbox must catch a DTO of ours
// that drifted from StackOne's.
const AssignmentBody = CreateAssignmentRequestContract;
const CompletionBody = CreateCompletionRequestContract;

export class Emulator {
  private readonly now: Clock;
  private readonly observe: ((exchange: Exchange) => void) | undefined;
  private readonly assignments: StoredAssignment[] = [];
  private readonly completions: StoredCompletion[] = [];
  private readonly faults: Fault[] = [];
  private seq = 0;
  private completionSeq = 0;
  private readonly catalogue = new Map<string, LearningObject>(CATALOGUE.map((lo) => [lo.ref, lo]));
  private readonly users = new Map(USERS.map((u) => [u.id, u]));

  constructor(options: EmulatorOptions) {
    this.now = options.now;
    this.observe = options.observe;
    for (const seed of ASSIGNMENTS) this.insertSeed(seed);
  }

  /** Make the next `count` requests fail or misbehave as `fault` says. */
  injectFaults(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Every completion of a user, in list order: for tests. */
  completionsOf(userId: string): Record<string, unknown>[] {
    return this.completions.filter((c) => c.userId === userId).map((c) => structuredClone(c.record));
  }

  /** Every assignment of a user, in list order: for tests and the demo's own checks. */
  assignmentsOf(userId: string): Record<string, unknown>[] {
    return this.assignments.filter((a) => a.userId === userId).map((a) => structuredClone(a.record));
  }

  handle(request: EmuRequest): EmuResponse {
    const response = this.route(request);
    this.observe?.({ request, response });
    return response;
  }

  private route(request: EmuRequest): EmuResponse {
    const fault = this.faults.shift();
    if (fault?.type === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      return this.error(fault.status, FAULT_MESSAGES[fault.status], headers);
    }
    const response = this.process(request);
    if (!fault) return response;
    if (fault.type === 'slow') return { ...response, delivery: { kind: 'slow', delayMs: fault.delayMs } };
    if (fault.type === 'hang') return { ...response, delivery: { kind: 'hang' } };
    return {
      ...response,
      headers: { ...response.headers, 'preference-applied': 'heartbeat' },
      delivery: { kind: 'heartbeat', count: fault.count, intervalMs: fault.intervalMs },
    };
  }

  private process(request: EmuRequest): EmuResponse {
    const url = new URL(request.url, 'http://sandbox.invalid');
    const match = USER_PATH.exec(url.pathname);
    const method = request.method.toUpperCase();
    const collection = COLLECTION_PATH.exec(url.pathname)?.[1] as Collection | undefined;
    if (collection && method === 'GET') {
      if (!this.authorized(request.headers.authorization)) return this.error(401, 'Unauthorized');
      const accountId = request.headers['x-account-id'];
      if (!accountId) return this.error(400, 'The x-account-id header is required');
      const account = ACCOUNTS.find((a) => a.id === accountId);
      if (!account) return this.error(404, `Account ${accountId} not found`);
      return this.listCollection(collection, account.id, url);
    }
    const org = ORG_PATH.exec(url.pathname)?.[1] as 'assignments' | 'completions' | undefined;
    if (org && method === 'GET') {
      if (!this.authorized(request.headers.authorization)) return this.error(401, 'Unauthorized');
      const accountId = request.headers['x-account-id'];
      if (!accountId) return this.error(400, 'The x-account-id header is required');
      const account = ACCOUNTS.find((a) => a.id === accountId);
      if (!account) return this.error(404, `Account ${accountId} not found`);
      const inAccount = (userId: string) => this.users.get(userId)?.account === account.id;
      return org === 'assignments' ? this.list(inAccount, url, account.provider) : this.listCompletions(inAccount, url);
    }
    const route = match ? `${method} ${match[2]}` : '';
    if (
      route !== 'GET assignments' &&
      route !== 'GET completions' &&
      route !== 'POST assignments' &&
      route !== 'POST completions'
    ) {
      return this.error(404, `Cannot ${method} ${url.pathname}`);
    }
    if (!this.authorized(request.headers.authorization)) return this.error(401, 'Unauthorized');
    const accountId = request.headers['x-account-id'];
    if (!accountId) return this.error(400, 'The x-account-id header is required');
    const account = ACCOUNTS.find((a) => a.id === accountId);
    if (!account) return this.error(404, `Account ${accountId} not found`);
    let userId: string;
    try {
      userId = decodeURIComponent(match?.[1] ?? '');
    } catch {
      return this.error(400, 'Invalid user id in path');
    }
    const user = this.users.get(userId);
    if (!user || user.account !== account.id) return this.error(404, `User ${userId} not found`);
    if (route === 'GET assignments') return this.list((id) => id === userId, url, account.provider, userId);
    if (route === 'GET completions') return this.listCompletions((id) => id === userId, url);
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return this.error(400, 'Request body must be valid JSON');
    }
    return route === 'POST assignments' ? this.createAssignment(userId, body) : this.createCompletion(userId, body);
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
    if (!match?.[1]) return false;
    return Buffer.from(match[1], 'base64').toString('utf8') === `${SANDBOX_API_KEY}:`;
  }

  /** A list request's query, checked against its schema, with its cursor decoded; or StackOne's error answer. */
  private readQuery<T extends { next?: string | undefined }>(
    url: URL,
    schema: z.ZodType<T>,
  ): { q: T; after: number } | { refused: EmuResponse } {
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    const parsed = schema.safeParse(params);
    if (!parsed.success) return { refused: this.validationError(parsed.error) };
    if (parsed.data.next === undefined) return { q: parsed.data, after: 0 };
    const after = decodeCursor(parsed.data.next);
    return after === undefined ? { refused: this.error(400, 'Invalid next cursor') } : { q: parsed.data, after };
  }

  /** Assignments of the users `whose` accepts (one person's, or the account's), filtered and paged as StackOne does. */
  private list(whose: (userId: string) => boolean, url: URL, provider: string, userId?: string): EmuResponse {
    const read = this.readQuery(url, ListQuery);
    if ('refused' in read) return read.refused;
    const { q, after } = read;
    const updatedAfter = q['filter[updated_after]'] ?? q.updated_after;
    const since = updatedAfter === undefined ? undefined : Date.parse(updatedAfter);
    const matching = this.assignments.filter((a) => {
      const r = a.record;
      if (!whose(a.userId)) return false;
      if (q['filter[status]'] && (r.status as { value: string }).value !== q['filter[status]']) return false;
      if (since !== undefined && Date.parse(r.updated_at as string) <= since) return false;
      if (q.user_id && r.user_id !== q.user_id) return false;
      if (q.remote_user_id && r.remote_user_id !== q.remote_user_id) return false;
      return true;
    });
    const { page, next, fields } = pageAfter(matching, (a) => a.seq, after, q);
    const data = page.map((a) => project(a.record, fields));
    const body: Record<string, unknown> = {
      next,
      data,
    };
    if (q.raw === 'true') {
      body.raw = [
        {
          method: 'GET',
          url: `https://sandbox-${provider.toLowerCase()}.example/api/v1/${userId === undefined ? '' : `users/${encodeURIComponent(userId)}/`}enrollments`,
          body: null,
          response: {
            enrollments: page.map((a) => ({
              enrollment_id: a.record.remote_id,
              state: (a.record.status as { source_value: unknown }).source_value,
            })),
          },
        },
      ];
    }
    return json(200, body);
  }

  /** Completions of the users `whose` accepts, oldest first, filtered by updated_after only, as StackOne documents. */
  private listCompletions(whose: (userId: string) => boolean, url: URL): EmuResponse {
    const read = this.readQuery(url, CompletionsQuery);
    if ('refused' in read) return read.refused;
    const { q, after } = read;
    const updatedAfter = q['filter[updated_after]'] ?? q.updated_after;
    const since = updatedAfter === undefined ? undefined : Date.parse(updatedAfter);
    const matching = this.completions.filter(
      (c) => whose(c.userId) && (since === undefined || Date.parse(c.record.updated_at as string) > since),
    );
    const { page, next, fields } = pageAfter(matching, (c) => c.seq, after, q);
    return json(200, { next, data: page.map((c) => pickFields(c.record, fields)) });
  }

  /** Users of the account, or the catalogue (shared by every account): paged in seed order, filters applied. */
  private listCollection(collection: Collection, accountId: string, url: URL): EmuResponse {
    const read = this.readQuery(url, CollectionQuery);
    if ('refused' in read) return read.refused;
    const { q, after } = read;
    const since = q['filter[updated_after]'] === undefined ? undefined : Date.parse(q['filter[updated_after]']);
    // Positions in seed order are the cursor; counted once, not looked up per record (a 5,000-person directory).
    const all = this.collection(collection, accountId).map((record, i) => ({ record, pos: i + 1 }));
    const positioned = all.filter(({ record: r }) => {
      if (since !== undefined && Date.parse(r.updated_at as string) <= since) return false;
      // Each list takes the filters StackOne documents for it (email: users; external_reference: users and courses);
      // another is ignored, as a provider ignores what it does not support, so content answers unfiltered.
      if (collection === 'users' && q['filter[email]'] !== undefined && r.email !== q['filter[email]']) return false;
      const ref = q['filter[external_reference]'];
      if (collection !== 'content' && ref !== undefined && r.external_reference !== ref) return false;
      if (q['filter[active]'] !== undefined && String(r.active) !== q['filter[active]']) return false;
      return true;
    });
    const { page, next, fields } = pageAfter(positioned, (r) => r.pos, after, q);
    return json(200, {
      next,
      data: page.map((r) => pickFields(r.record, fields)),
    });
  }

  private collection(collection: Collection, accountId: string): Record<string, unknown>[] {
    const now = this.now();
    // Dated so the seed order is also the update order: the oldest first, the newest a day ago.
    const dated = (i: number, n: number) => this.iso(now - (n - i) * DAY, 9);
    if (collection === 'users') {
      const mine = USERS.filter((u) => u.account === accountId);
      return mine.map((u, i) => ({
        id: u.id,
        remote_id: u.remoteId,
        external_reference: u.externalReference,
        active: !u.inactive,
        email: u.email,
        phone_number: null,
        name: u.name,
        created_at: dated(0, mine.length + 400),
        updated_at: dated(i, mine.length),
        unified_custom_fields: { job_title: u.role },
      }));
    }
    const objects = CATALOGUE.filter((lo) => lo.type === (collection === 'courses' ? 'course' : 'content'));
    return objects.map((lo, i) => {
      const common = {
        id: lo.id,
        remote_id: `crs-${lo.id.slice(3)}`,
        external_reference: lo.ref,
        title: lo.title,
        description: null,
        languages: (lo.languages ?? ['en_GB']).map((value) => ({ value, source_value: value.replace('_', '-') })),
        cover_url: null,
        active: !lo.inactive,
        duration: lo.duration ?? null,
        categories: [],
        skills: [],
        updated_at: dated(i, objects.length),
        created_at: dated(0, objects.length + 400),
        provider: 'Sandbox Learning',
        unified_custom_fields: null,
      };
      if (collection === 'courses') {
        return {
          ...common,
          content_ids: [],
          remote_content_ids: [],
          url: `https://sandbox-lms.example/courses/${lo.ref}`,
        };
      }
      return {
        ...common,
        course_ids: [],
        remote_course_ids: [],
        content_url: `https://sandbox-lms.example/content/${lo.ref}`,
        content_type: lo.contentType ? { value: lo.contentType, source_value: lo.contentType.toUpperCase() } : null,
        order: null,
        tags: [],
      };
    });
  }

  private createAssignment(userId: string, raw: unknown): EmuResponse {
    const parsed = AssignmentBody.safeParse(raw);
    if (!parsed.success) return this.validationError(parsed.error);
    const dto = parsed.data;
    const unknown = this.unknownLearningObject(dto.learning_object_external_reference);
    if (unknown) return unknown;
    if (dto.assigned_at && dto.due_date && Date.parse(dto.due_date) < Date.parse(dto.assigned_at)) {
      return this.error(422, 'Unprocessable Entity', {}, [
        { status: 400, raw: { message: 'due_date cannot be before assigned_at' } },
      ]);
    }
    const at = this.iso(this.now());
    const status = dto.status?.value ?? 'pending';
    const record = this.insert(userId, dto.learning_object_external_reference, {
      learning_object_id: dto.learning_object_id ?? undefined,
      external_reference: dto.external_reference ?? undefined,
      status,
      source: dto.status?.source_value,
      progress: dto.progress ?? (status === 'completed' ? 100 : 0),
      assigned_at: dto.assigned_at ?? at,
      due_date: dto.due_date ?? null,
      created_at: at,
      completed_at: status === 'completed' ? at : null,
      result: null,
    });
    return this.created(record.id as string, record.remote_id as string);
  }

  /** A completion marks the user's open assignment for that learning object completed, or records a new one. */
  private createCompletion(userId: string, raw: unknown): EmuResponse {
    const parsed = CompletionBody.safeParse(raw);
    if (!parsed.success) return this.validationError(parsed.error);
    const dto = parsed.data;
    const unknown = this.unknownLearningObject(dto.learning_object_external_reference);
    if (unknown) return unknown;
    const at = this.iso(this.now());
    const completedAt = dto.completed_at ?? at;
    const result = dto.result
      ? { value: dto.result.value, source_value: dto.result.source_value ?? dto.result.value }
      : null;
    const mine = this.assignments.filter(
      (a) =>
        a.userId === userId && a.record.learning_object_external_reference === dto.learning_object_external_reference,
    );
    const target = mine.find((a) => (a.record.status as { value: string }).value !== 'completed') ?? mine[0];
    if (target) {
      Object.assign(target.record, {
        status: { value: 'completed', source_value: 'Completed' },
        progress: 100,
        completed_at: completedAt,
        result,
        updated_at: at,
        certificate_url: `https://sandbox-lms.example/certificates/${target.record.id}`,
      });
    } else {
      this.insert(userId, dto.learning_object_external_reference, {
        learning_object_id: dto.learning_object_id ?? undefined,
        status: 'completed',
        progress: 100,
        assigned_at: completedAt,
        due_date: null,
        created_at: at,
        completed_at: completedAt,
        result,
      });
    }
    const completion = this.insertCompletion(userId, dto.learning_object_external_reference, {
      learning_object_id: dto.learning_object_id ?? undefined,
      completed_at: completedAt,
      created_at: at,
      result,
      time_spent: dto.time_spent ?? null,
      score: dto.score ? { percentage: dto.score.percentage ?? null, raw_value: dto.score.raw_value ?? null } : null,
    });
    return this.created(completion.id as string, completion.remote_id as string);
  }

  /**
   * A reference the LMS does not know is refused, as a provider refuses it: StackOne's 400 with the provider's own
   * answer in provider_errors. Creating a record for a made-up course would only teach a model a wrong habit.
   */
  private unknownLearningObject(ref: string): EmuResponse | undefined {
    if (this.catalogue.has(ref)) return undefined;
    return this.error(400, 'Bad Request', {}, [
      { status: 404, raw: { message: `No course or content with external reference ${JSON.stringify(ref)}` } },
    ]);
  }

  private insertCompletion(
    userId: string,
    ref: string,
    f: {
      learning_object_id?: string | undefined;
      completed_at: string;
      created_at: string;
      result: unknown;
      time_spent: string | null;
      score: { percentage: number | null; raw_value: string | null } | null;
    },
  ): Record<string, unknown> {
    const seq = ++this.completionSeq;
    const user = this.users.get(userId);
    const lo = this.catalogue.get(ref);
    const id = `cmp_${String(seq).padStart(5, '0')}`;
    const record: Record<string, unknown> = {
      id,
      remote_id: `rc-${String(seq).padStart(5, '0')}`,
      external_id: null,
      remote_external_id: null,
      external_reference: null,
      content_id: null,
      remote_content_id: null,
      course_id: null,
      remote_course_id: null,
      user_id: userId,
      remote_user_id: user?.remoteId ?? null,
      completed_at: f.completed_at,
      updated_at: f.created_at,
      created_at: f.created_at,
      result: f.result,
      content_external_reference: null,
      learning_object_type: lo ? { value: lo.type, source_value: lo.type.toUpperCase() } : null,
      learning_object_id: f.learning_object_id ?? lo?.id ?? null,
      remote_learning_object_id: lo ? `crs-${lo.id.slice(3)}` : null,
      learning_object_external_reference: ref,
      time_spent: f.time_spent,
      certificate_url: `https://sandbox-lms.example/certificates/${id}`,
      score: f.score,
      unified_custom_fields: null,
    };
    this.completions.push({ seq, record, userId });
    return record;
  }

  private insertSeed(seed: SeedAssignment): void {
    const now = this.now();
    const day = (offset: number) => this.iso(now + offset * DAY, 17);
    this.insert(seed.user, seed.ref, {
      status: seed.status,
      progress: seed.progress,
      assigned_at: day(seed.assignedDays),
      due_date: seed.dueDays === undefined ? null : day(seed.dueDays),
      created_at: day(seed.assignedDays),
      updated_at: day(seed.completedDays ?? seed.assignedDays),
      completed_at: seed.completedDays === undefined ? null : day(seed.completedDays),
      result: seed.result ? { value: seed.result, source_value: seed.result === 'Pass' ? 'passed' : 'failed' } : null,
    });
    if (seed.completedDays === undefined) return;
    // Each completed assignment has its completion record, with a score a pass or a fail would have.
    const score = seed.result === 'Fail' ? 45 + (seed.ref.length % 15) : 80 + (seed.ref.length % 20);
    this.insertCompletion(seed.user, seed.ref, {
      completed_at: day(seed.completedDays),
      created_at: day(seed.completedDays),
      result: seed.result ? { value: seed.result, source_value: seed.result === 'Pass' ? 'passed' : 'failed' } : null,
      time_spent: this.catalogue.get(seed.ref)?.duration ?? null,
      score: seed.result ? { percentage: score, raw_value: `${score} / 100` } : null,
    });
  }

  private insert(
    userId: string,
    ref: string,
    f: {
      learning_object_id?: string | undefined;
      external_reference?: string | undefined;
      status: string;
      source?: unknown;
      progress: number;
      assigned_at: string;
      due_date: string | null;
      created_at: string;
      updated_at?: string;
      completed_at: string | null;
      result: unknown;
    },
  ): Record<string, unknown> {
    const seq = ++this.seq;
    const user = this.users.get(userId);
    const lo = this.catalogue.get(ref);
    const id = `asg_${String(seq).padStart(5, '0')}`;
    const record: Record<string, unknown> = {
      id,
      remote_id: `enr-${70000 + seq}`,
      // No title: StackOne's assignment has none, so the server joins it from the course and content lists.
      unified_custom_fields: null,
      external_reference: f.external_reference ?? null,
      learning_object_id: f.learning_object_id ?? lo?.id ?? null,
      remote_learning_object_id: lo ? `crs-${lo.id.slice(3)}` : null,
      learning_object_external_reference: ref,
      progress: f.progress,
      updated_at: f.updated_at ?? f.created_at,
      created_at: f.created_at,
      assigned_at: f.assigned_at,
      due_date: f.due_date,
      status: { value: f.status, source_value: f.source ?? SOURCE_STATUS[f.status] ?? f.status },
      learning_object_type: lo ? { value: lo.type, source_value: lo.type.toUpperCase() } : null,
      user_id: userId,
      remote_user_id: user?.remoteId ?? null,
      certificate_url: f.status === 'completed' ? `https://sandbox-lms.example/certificates/${id}` : null,
      result: f.result,
      completed_at: f.completed_at,
      course_id: null,
      remote_course_id: null,
    };
    this.assignments.push({ seq, record, userId });
    return record;
  }

  private created(id: string, remoteId: string): EmuResponse {
    return json(201, {
      statusCode: 201,
      message: 'Record created successfully.',
      timestamp: this.iso(this.now()),
      data: { id, remote_id: remoteId },
    });
  }

  private validationError(error: z.ZodError): EmuResponse {
    const issues = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    return this.error(400, `Validation failed: ${issues.join('; ')}`, {}, undefined, {
      statusCode: 400,
      message: issues[0] ?? 'Bad Request',
      headers: {},
    });
  }

  private error(
    status: number,
    message: string,
    headers: Record<string, string> = {},
    providerErrors?: Array<{ status: number; raw: Record<string, unknown> }>,
    data?: Record<string, unknown>,
  ): EmuResponse {
    const body: Record<string, unknown> = { statusCode: status, message, timestamp: this.iso(this.now()) };
    if (data) body.data = data;
    if (providerErrors) {
      body.provider_errors = providerErrors.map((p) => ({
        status: p.status,
        url: 'https://sandbox-lms.example/api/v1/enrollments',
        raw: p.raw,
        headers: { 'content-type': 'application/json' },
      }));
    }
    return json(status, body, headers);
  }

  private iso(ms: number, hour?: number): string {
    const date = new Date(ms);
    if (hour !== undefined) date.setUTCHours(hour, 0, 0, 0);
    return date.toISOString();
  }
}

const SOURCE_STATUS: Record<string, string> = {
  pending: 'Not Started',
  in_progress: 'In Progress',
  completed: 'Completed',
};

const FAULT_MESSAGES: Record<Extract<Fault, { type: 'status' }>['status'], string> = {
  408: 'Request timed out',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
    delivery: { kind: 'now' },
  };
}

type Collection = 'users' | 'courses' | 'content';

/** `fields` on a directory list: only the named fields; unknown names are ignored. */
function pickFields(record: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (!fields?.length) return structuredClone(record);
  return Object.fromEntries(Object.entries(structuredClone(record)).filter(([k]) => fields.includes(k)));
}

/** `fields` keeps only the named fields; unknown names are ignored, as StackOne does. */
function project(record: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  const copy = structuredClone(record);
  if (!fields?.length) return copy;
  const keep = new Set(fields.filter((f) => (ASSIGNMENT_FIELDS as readonly string[]).includes(f)));
  return Object.fromEntries(Object.entries(copy).filter(([k]) => keep.has(k)));
}

/** Opaque to callers; a position in insertion order, so pages stay stable while data does not change. */
/** The page after a cursor position (StackOne's default of 25), the next page's cursor or null, the fields asked for. */
function pageAfter<T>(
  items: readonly T[],
  position: (item: T) => number,
  after: number,
  q: { page_size?: number | undefined; fields?: string | undefined },
): { page: T[]; next: string | null; fields: string[] | undefined } {
  const pageSize = q.page_size ?? 25;
  const rest = items.filter((item) => position(item) > after);
  const page = rest.slice(0, pageSize);
  const last = page.at(-1);
  const fields = q.fields
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return { page, next: rest.length > pageSize && last !== undefined ? encodeCursor(position(last)) : null, fields };
}

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, after: seq })).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    return parsed.v === 1 && Number.isInteger(parsed.after) && (parsed.after as number) >= 0
      ? (parsed.after as number)
      : undefined;
  } catch {
    return undefined;
  }
}
