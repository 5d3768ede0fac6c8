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
  const indexes: ReadonlyMap<string, KnownLearningObject>[] = [];
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled')
      indexes.push(indexOf(result.value.records, asked[i] === 'courses' ? 'course' : 'content'));
  });
  if (indexes.every((byKey) => byKey.size === 0)) return NONE;
  // The later directory wins a key both know, as when one index was built from both in turn.
  const find = (key: string) => {
    for (let i = indexes.length - 1; i >= 0; i--) {
      const known = indexes[i]?.get(key);
      if (known !== undefined) return known;
    }
    return undefined;
  };
  return (r) =>
    (r.learning_object_id ? find(`id ${r.learning_object_id}`) : undefined) ??
    (r.learning_object_external_reference ? find(`ref ${r.learning_object_external_reference}`) : undefined);
}

/**
 * One index per directory snapshot: the directory hands out the same records array while its snapshot is fresh, so
 * every list call inside the TTL reuses the index instead of building it again from every record (per-call cost,
 * docs/PERFORMANCE.md: about 30 µs of each list_user_assignments call on the bench's catalogue).
 */
const indexes = new WeakMap<readonly DirectoryRecord[], Map<string, KnownLearningObject>>();
function indexOf(
  records: readonly DirectoryRecord[],
  type: 'course' | 'content',
): ReadonlyMap<string, KnownLearningObject> {
  let byKey = indexes.get(records);
  if (!byKey) {
    byKey = new Map();
    for (const record of records) index(byKey, record, type);
    indexes.set(records, byKey);
  }
  return byKey;
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
