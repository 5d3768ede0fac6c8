/**
 * Matching a query against directory records, and the lines a model reads about the matches: pure functions, and the
 * one request an exact lookup makes before it walks a directory (askExactly). Case- and accent-insensitive; every word
 * of the query must match; an exact id, email or reference ranks first.
 */
import { CancelledError } from '../errors.js';
import type { DirectoryKind, DirectoryRecord } from '../stackone/directory.js';
import { escapeUnsafe } from '../text.js';
import { directoryReader, type ToolContext } from './define-tool.js';

/** Letters NFD leaves whole; folded by hand so "Søren", "Łukasz" and "Strauß" are found as typed in ASCII. */
const FOLD: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', æ: 'ae', œ: 'oe', ß: 'ss', ı: 'i' };

/** Lower case, accents off, special letters folded. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[øłđðþæœßı]/g, (c) => FOLD[c] ?? c);
}

/**
 * The words of a text: runs of letters and digits. With `joined`, also each whitespace-separated word with its
 * punctuation dropped, so a record "O'Neil" is found by "oneil" as well as by "o'neil".
 */
export function words(text: string, joined = false): string[] {
  const folded = fold(text);
  const parts: string[] = folded.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (!joined) return parts;
  const whole = folded
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter((w) => w && !parts.includes(w));
  return [...parts, ...whole];
}

/**
 * How well a record matched, lower is better. Exact: the query is the record's id, email, external or remote
 * reference, or its whole name or title. Name: every word of the query begins a word of the name or title.
 * Other: every word begins a word of the name, email or references together.
 */
export const Rank = { Exact: 0, Name: 1, Other: 2 } as const;
export type Rank = (typeof Rank)[keyof typeof Rank];

export interface Candidate {
  /** The name or title. */
  label: string | undefined;
  /** Values that identify the record exactly: id, email, external reference, remote id. */
  ids: Array<string | undefined>;
  /** Other text the words may match (the email, the references). */
  extra: Array<string | undefined>;
}

/** A record's text, folded and split once, so a lookup over thousands of records is a scan of short strings. */
interface Indexed<T> {
  record: T;
  label: string;
  ids: Set<string>;
  /** " word word …": a query word begins some word exactly when " " + it occurs here (one native search). */
  labelWords: string;
  allWords: string;
}

function indexOf<T>(record: T, candidate: Candidate): Indexed<T> {
  const labelWords = words(candidate.label ?? '', true);
  return {
    record,
    label: fold(candidate.label ?? '')
      .replace(/\s+/g, ' ')
      .trim(),
    ids: new Set(candidate.ids.filter((id): id is string => id !== undefined).map((id) => fold(id.trim()))),
    labelWords: ` ${labelWords.join(' ')}`,
    allWords: ` ${[...labelWords, ...candidate.extra.flatMap((e) => (e ? words(e, true) : []))].join(' ')}`,
  };
}

interface Query {
  whole: string;
  /** Each word with a leading space, ready for includes(). */
  words: string[];
}

function queryOf(text: string): Query {
  return { whole: fold(text.trim()).replace(/\s+/g, ' '), words: words(text).map((w) => ` ${w}`) };
}

function rankIndexed(q: Query, item: Indexed<unknown>): Rank | undefined {
  if (item.ids.has(q.whole) || (item.label !== '' && item.label === q.whole)) return Rank.Exact;
  if (q.words.length === 0) return undefined;
  if (q.words.every((w) => item.labelWords.includes(w))) return Rank.Name;
  if (q.words.every((w) => item.allWords.includes(w))) return Rank.Other;
  return undefined;
}

/** The rank of a record for a query, or undefined when some word of the query matches nothing. */
export function rank(query: string, candidate: Candidate): Rank | undefined {
  return rankIndexed(queryOf(query), indexOf(undefined, candidate));
}

export interface Ranked<T> {
  record: T;
  rank: Rank;
  /** The folded name or title, for ordering. */
  label: string;
}

/** Indexes by records array: a cached directory hands out the same array until it changes. */
const indexes = new WeakMap<readonly unknown[], Indexed<unknown>[]>();

/** Matching records of one list, unordered; see order() for the order and the email-only rule. */
export function matches<T>(query: string, records: readonly T[], toCandidate: (r: T) => Candidate): Ranked<T>[] {
  let index = indexes.get(records) as Indexed<T>[] | undefined;
  if (!index) {
    index = records.map((r) => indexOf(r, toCandidate(r)));
    indexes.set(records, index);
  }
  const q = queryOf(query);
  const out: Ranked<T>[] = [];
  for (const item of index) {
    const r = rankIndexed(q, item);
    if (r !== undefined) out.push({ record: item.record, rank: r, label: item.label });
  }
  return out;
}

/**
 * Best first, then by name or title, stable otherwise. Matches on email or reference alone are dropped when some
 * record matches by name: "dana" means the Danas, not someone whose address mentions one.
 */
export function order<T>(found: Ranked<T>[]): Ranked<T>[] {
  const sorted = found
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.rank - b.m.rank || a.m.label.localeCompare(b.m.label) || a.i - b.i)
    .map(({ m }) => m);
  const best = sorted[0]?.rank ?? Rank.Other;
  return best === Rank.Other ? sorted : sorted.filter((m) => m.rank !== Rank.Other);
}

/** matches() then order(), for one list. */
export function search<T>(query: string, records: readonly T[], toCandidate: (r: T) => Candidate): Ranked<T>[] {
  return order(matches(query, records, toCandidate));
}

/** Lines listed in a summary; the rest are counted. */
export const MAX_MATCHES = 20;

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** `active` arrives as a boolean or "true"/"false"; absent means the LMS did not say. */
export function isInactive(value: unknown): boolean {
  return value === false || value === 'false';
}

/** "searched 312 people", or "searched the first 200 people only" when the walk has not reached the end. */
export function searchedText(count: number, noun: string, complete: boolean): string {
  const n = count.toLocaleString('en-US');
  return complete ? `searched ${n} ${noun}` : `searched the first ${n} ${noun} only`;
}

/** For a lookup that has not read the whole directory: why, and what to do. */
export function partialText(tool: string, cutShort: 'pages' | 'time' | undefined, exact: string): string {
  const why =
    cutShort === 'time' ? " (this lookup's time limit)" : cutShort === 'pages' ? " (this lookup's page limit)" : '';
  return `The directory was not read to its end${why}, so others may match too. Call ${tool} again to read further, or give a more exact query (${exact}).`;
}

/**
 * An id or reference as a model must pass it back: never cut or normalised. Bare when it is plainly a token, else
 * JSON-quoted whole (escaping any control or line-separator character rather than showing it).
 */
export function verbatim(value: string): string {
  if (/^[A-Za-z0-9._:@/+=-]+$/.test(value)) return value;
  // JSON escapes C0 controls but leaves C1, U+2028/2029 and bidi controls raw: escape those too, so no value can
  // break a line or reorder what is shown.
  return escapeUnsafe(JSON.stringify(value));
}

/**
 * What a query may be, exactly: an email, or (one word holding a digit or punctuation, as references and employee
 * numbers do) an external reference. A name is neither, and is looked up in the directory.
 */
export function exactForm(query: string): 'email' | 'reference' | undefined {
  const q = query.trim();
  if (q === '' || /\s/.test(q)) return undefined;
  if (/^[^@]+@[^@]+\.[^@]+$/.test(q)) return 'email';
  return /[\d_.:/#-]/.test(q) ? 'reference' : undefined;
}

/**
 * An exact email or reference while the directory is not cached: one request with StackOne's own filter
 * (filter[email], filter[external_reference]) instead of a walk. Only records that match exactly count, since a
 * provider may ignore a filter; none, or a failed request, and the caller walks the directory as before.
 */
export async function askExactly(
  ctx: ToolContext,
  kind: DirectoryKind,
  filter: Readonly<Record<string, string>>,
  query: string,
  toCandidate: (r: DirectoryRecord) => Candidate,
): Promise<{ found: Ranked<DirectoryRecord>[]; returned: number } | undefined> {
  const reader = directoryReader(ctx, undefined);
  if (await ctx.directory.known(kind, reader)) return undefined;
  try {
    const records = await ctx.directory.exact(kind, filter, reader);
    const found = search(query, records, toCandidate).filter((m) => m.rank === Rank.Exact);
    return found.length > 0 ? { found, returned: records.length } : undefined;
  } catch (error) {
    if (error instanceof CancelledError || ctx.signal.aborted) throw error;
    return undefined;
  }
}
