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

/**
 * Reads only the directories the records can need: courses for courses, content for content, both when a record
 * does not say (a collection has no list endpoint in StackOne, so its title stays unknown).
 */
export async function titlesFor(records: readonly LearningObjectRef[], ctx: ToolContext): Promise<TitleOf> {
  const kinds = new Set<DirectoryKind>();
  for (const r of records) {
    const type = r.learning_object_type?.value;
    if (type === 'collection') continue;
    if (type !== 'content') kinds.add('courses');
    if (type !== 'course') kinds.add('content');
    if (kinds.size === 2) break;
  }
  if (kinds.size === 0) return NO_TITLES;
  // The call's own progress belongs to the call; a directory walk for titles is not what the client asked about.
  const reader = { ...directoryReader(ctx), progress: undefined };
  const settled = await Promise.allSettled([...kinds].map((kind) => ctx.directory.read(kind, reader)));
  if (ctx.signal.aborted) throw new CancelledError();
  const byKey = new Map<string, string>();
  for (const result of settled) {
    if (result.status === 'fulfilled') for (const record of result.value.records) index(byKey, record);
  }
  if (byKey.size === 0) return NO_TITLES;
  return (r) =>
    (r.learning_object_id ? byKey.get(`id ${r.learning_object_id}`) : undefined) ??
    (r.learning_object_external_reference ? byKey.get(`ref ${r.learning_object_external_reference}`) : undefined);
}

function index(byKey: Map<string, string>, record: DirectoryRecord): void {
  const title = typeof record.title === 'string' && record.title.trim() ? record.title : undefined;
  if (!title) return;
  if (typeof record.id === 'string' && record.id) byKey.set(`id ${record.id}`, title);
  if (typeof record.external_reference === 'string' && record.external_reference) {
    byKey.set(`ref ${record.external_reference}`, title);
  }
}
