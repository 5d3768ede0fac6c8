/**
 * Learning-object titles for records that carry none: StackOne's assignments and completions have no title field,
 * so titles are joined from the course and content directories the lookups already cache per tenant. Best effort:
 * a directory that cannot be read leaves the references as they are and never fails the call; a cancel still
 * cancels it.
 */
import { CancelledError } from '../errors.js';
import type { DirectoryKind, DirectoryRecord } from '../stackone/directory.js';
import { directoryReader, type ToolContext } from './define-tool.js';

/** What a record says about its learning object. */
export interface LearningObjectRef {
  learning_object_id?: string | null | undefined;
  learning_object_external_reference?: string | null | undefined;
  learning_object_type?: { value?: string | null | undefined } | null | undefined;
}

/** The title of a record's learning object, when the directories know it. */
export type TitleOf = (record: LearningObjectRef) => string | undefined;

export const NO_TITLES: TitleOf = () => undefined;

/** A learning object as the course and content directories know it: both identifiers, its title and kind. */
export interface KnownLearningObject {
  id: string | undefined;
  ref: string | undefined;
  title: string | undefined;
  type: 'course' | 'content';
}

/** The directory's learning object for a record's identifiers (either one), when the directories know it. */
export type LearningObjectOf = (record: LearningObjectRef) => KnownLearningObject | undefined;

/**
 * Reads only the directories the records can need: courses for courses, content for content, both when a record
 * does not say (a collection has no list endpoint in StackOne, so its title stays unknown).
 */
export async function titlesFor(records: readonly LearningObjectRef[], ctx: ToolContext): Promise<TitleOf> {
  const of = await learningObjectsFor(records, ctx);
  return of === NONE ? NO_TITLES : (r) => of(r)?.title;
}

const NONE: LearningObjectOf = () => undefined;

/** As titlesFor, but the whole directory record: so a record that names its learning object by id alone and one that
 * names it by reference alone are known to be the same. */
export async function learningObjectsFor(
  records: readonly LearningObjectRef[],
  ctx: ToolContext,
): Promise<LearningObjectOf> {
  const kinds = new Set<DirectoryKind>();
  for (const r of records) {
    const type = r.learning_object_type?.value;
    if (type === 'collection') continue;
    if (type !== 'content') kinds.add('courses');
    if (type !== 'course') kinds.add('content');
    if (kinds.size === 2) break;
  }
  if (kinds.size === 0) return NONE;
  // The call's own progress belongs to the call; a directory walk for titles is not what the client asked about.
  const reader = { ...directoryReader(ctx), progress: undefined };
  const asked = [...kinds];
  const settled = await Promise.allSettled(asked.map((kind) => ctx.directory.read(kind, reader)));
  if (ctx.signal.aborted) throw new CancelledError();
  const byKey = new Map<string, KnownLearningObject>();
  settled.forEach((result, i) => {
    if (result.status !== 'fulfilled') return;
    const type = asked[i] === 'courses' ? 'course' : 'content';
    for (const record of result.value.records) index(byKey, record, type);
  });
  if (byKey.size === 0) return NONE;
  return (r) =>
    (r.learning_object_id ? byKey.get(`id ${r.learning_object_id}`) : undefined) ??
    (r.learning_object_external_reference ? byKey.get(`ref ${r.learning_object_external_reference}`) : undefined);
}

function index(byKey: Map<string, KnownLearningObject>, record: DirectoryRecord, type: 'course' | 'content'): void {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
  const known: KnownLearningObject = {
    id: text(record.id),
    ref: text(record.external_reference),
    title: text(record.title),
    type,
  };
  if (known.id) byKey.set(`id ${known.id}`, known);
  if (known.ref) byKey.set(`ref ${known.ref}`, known);
}
