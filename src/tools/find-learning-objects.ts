/** find_learning_objects: turn a course or content title from the chat into its learning_object_external_reference. */
import { CancelledError, clean } from '../errors.js';
import type { DirectoryKind, DirectoryRecord } from '../stackone/directory.js';
import {
  AccountId,
  FindLearningObjectsResult,
  LearningObjectKind,
  LearningObjectQuery,
  optional,
} from '../stackone/schemas.js';
import { defineTool, directoryReader, sharedProgress } from './define-tool.js';
import {
  askExactly,
  type Candidate,
  exactForm,
  isInactive,
  MAX_MATCHES,
  matches,
  order,
  partialText,
  Rank,
  searchedText,
  str,
  verbatim,
} from './lookup.js';

type Found = DirectoryRecord & { type: 'course' | 'content' };

function candidate(lo: DirectoryRecord): Candidate {
  return {
    label: str(lo.title),
    ids: [str(lo.external_reference), str(lo.id), str(lo.remote_id)],
    extra: [str(lo.external_reference)],
  };
}

export default defineTool({
  name: 'find_learning_objects',
  title: 'Find courses and content',
  description: [
    'Find courses and content by title (or part of one), external reference or id: the learning_object_external_reference that assignments and completions need. Use whenever training is named; never pass a title as the reference.',
    'Next: pass it to create_user_assignment or create_user_completion.',
  ].join('\n'),
  input: { query: LearningObjectQuery, type: optional(LearningObjectKind), account_id: optional(AccountId) },
  output: FindLearningObjectsResult,
  endpoints: ['GET /unified/lms/courses (cached)', 'GET /unified/lms/content (cached)'],
  example: { query: 'GDPR' },
  access: 'read',
  async handler({ query, type }, ctx) {
    // Courses can be asked for by exact reference; content cannot (StackOne documents no such filter on it).
    const exact =
      type !== 'content' && exactForm(query) === 'reference'
        ? await askExactly(ctx, 'courses', { external_reference: query }, query, candidate)
        : undefined;
    if (exact) {
      const found = exact.found.map((m) => ({ ...m, record: { type: 'course', ...m.record } as Found }));
      return {
        summary: [
          `${found.length} learning object${found.length === 1 ? '' : 's'} match${found.length === 1 ? 'es' : ''} ${JSON.stringify(clean(query, 80))} (found by its exact reference (filter[external_reference]) among the courses in account ${clean(ctx.credentials.accountId, 80)}):`,
          ...found.slice(0, MAX_MATCHES).map((m) => `- ${objectLine(m.record)}`),
          'Next: pass the learning_object_external_reference to create_user_assignment or create_user_completion.',
        ].join('\n'),
        raw: {
          matches: found.slice(0, MAX_MATCHES).map((m) => m.record),
          more: Math.max(0, found.length - MAX_MATCHES),
          searched: exact.returned,
          complete: true,
        },
      };
    }
    const asked: Array<['course' | 'content', DirectoryKind]> = [];
    if (type !== 'content') asked.push(['course', 'courses']);
    if (type !== 'course') asked.push(['content', 'content']);
    const progress = sharedProgress(ctx.progress, asked.length);
    const settled = await Promise.allSettled(
      asked.map(([, kind], i) =>
        ctx.directory.read(kind, directoryReader(ctx, progress.of(i))).finally(() => progress.settled(i)),
      ),
    );
    // A provider that cannot list one kind (a 501 for content, say) still has the other searched; a cancel, or
    // both failing, is the call's own failure.
    const failures = settled.flatMap((r, i) => (r.status === 'rejected' ? [{ kind: asked[i], error: r.reason }] : []));
    const cancelled = failures.find((f) => f.error instanceof CancelledError);
    if (cancelled || failures.length === settled.length) throw (cancelled ?? failures[0])?.error;
    const kinds = asked.filter((_, i) => settled[i]?.status === 'fulfilled');
    const views = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const unread = failures.map(
      (f) =>
        `The ${f.kind?.[1] === 'courses' ? 'courses' : 'content items'} could not be read (${clean(f.error instanceof Error ? f.error.message : String(f.error), 120)}); only the ${f.kind?.[1] === 'courses' ? 'content items' : 'courses'} were searched.`,
    );
    const complete = views.every((v) => v.complete);
    const cutShort = views.find((v) => v.cutShort)?.cutShort;
    const searched = views.reduce((n, v) => n + v.records.length, 0);
    // Each kind's list is matched on its own, so its cached index is reused; the results are then ordered together.
    const found = order(
      views.flatMap((view, i) =>
        matches(query, view.records, candidate).map((m) => ({
          ...m,
          record: { type: (kinds[i] as [Found['type'], DirectoryKind])[0], ...m.record } as Found,
        })),
      ),
    );
    const shown = found.slice(0, MAX_MATCHES);
    const noun = type === 'course' ? 'courses' : type === 'content' ? 'content items' : 'courses and content items';
    const where = `${searchedText(searched, noun, complete)} in account ${clean(ctx.credentials.accountId, 80)}`;
    const partial = [
      ...unread,
      ...(complete ? [] : [partialText('find_learning_objects', cutShort, 'the external reference or id')]),
    ];
    const quoted = JSON.stringify(clean(query, 80));
    let lines: string[];
    if (found.length === 0) {
      lines = [
        `No ${type ?? 'course or content item'} matches ${quoted} (${where}).`,
        `Try one distinctive word of the title, or the external reference${type ? ', or leave out type' : ''}; check account_id.`,
        ...partial,
      ];
    } else {
      const n = found.length;
      lines = [`${n} learning object${n === 1 ? '' : 's'} match${n === 1 ? 'es' : ''} ${quoted} (${where}):`];
      for (const m of shown) {
        lines.push(`- ${objectLine(m.record)}${m.rank === Rank.Other ? ' (matched on reference, not title)' : ''}`);
      }
      if (n > MAX_MATCHES) lines.push(`…and ${n - MAX_MATCHES} more not listed: add a word of the title to narrow.`);
      if (n > 1 && found.filter((m) => m.rank === Rank.Exact).length !== 1) {
        lines.push('Several match: ask which one is meant, or narrow the query.');
      }
      lines.push(...partial);
      lines.push(
        'Next: pass the learning_object_external_reference to create_user_assignment or create_user_completion.',
      );
    }
    return {
      summary: lines.join('\n'),
      raw: {
        matches: shown.map((m) => m.record),
        more: found.length - shown.length,
        searched,
        complete,
      },
    };
  },
});

/** "Title" (course): learning_object_external_reference ref, active, PT45M, en_GB. */
function objectLine(lo: Found): string {
  const title = str(lo.title) ? JSON.stringify(clean(str(lo.title) as string, 100)) : '(no title)';
  const contentType = lo.type === 'content' ? contentTypeOf(lo.content_type) : undefined;
  const ref = str(lo.external_reference);
  const parts = [
    ref
      ? `learning_object_external_reference ${verbatim(ref)}`
      : `no external reference (id ${str(lo.id) ? verbatim(str(lo.id) as string) : 'unknown'})`,
  ];
  if (isInactive(lo.active)) parts.push('inactive');
  else if (lo.active === true || lo.active === 'true') parts.push('active');
  if (str(lo.duration)) parts.push(clean(str(lo.duration) as string, 30));
  const languages = Array.isArray(lo.languages)
    ? lo.languages
        .map((l) => (l && typeof l === 'object' ? str((l as { value?: unknown }).value) : undefined))
        .filter((l): l is string => l !== undefined && l !== 'unmapped_value')
    : [];
  if (languages.length) parts.push(clean(languages.slice(0, 5).join(' '), 60));
  return `${title} (${lo.type}${contentType ? `: ${contentType}` : ''}): ${parts.join(', ')}`;
}

function contentTypeOf(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = str((value as { value?: unknown }).value);
  return v && v !== 'unmapped_value' ? clean(v, 20) : undefined;
}
