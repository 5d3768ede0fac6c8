/**
 * Matching a query against directory records, and the lines a model reads about the matches: pure functions.
 * Case- and accent-insensitive; every word of the query must match; an exact id, email or reference ranks first.
 */
import { clean } from '../errors.js';

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

/** The rank of a record for a query, or undefined when some word of the query matches nothing. */
export function rank(query: string, candidate: Candidate): Rank | undefined {
  const q = fold(query.trim());
  if (candidate.ids.some((id) => id !== undefined && fold(id) === q)) return Rank.Exact;
  const label = candidate.label ?? '';
  if (label && fold(label).replace(/\s+/g, ' ') === q.replace(/\s+/g, ' ')) return Rank.Exact;
  const wanted = words(query);
  if (wanted.length === 0) return undefined;
  const labelWords = words(label, true);
  if (wanted.every((w) => labelWords.some((lw) => lw.startsWith(w)))) return Rank.Name;
  const all = [...labelWords, ...candidate.extra.flatMap((e) => (e ? words(e, true) : []))];
  if (wanted.every((w) => all.some((aw) => aw.startsWith(w)))) return Rank.Other;
  return undefined;
}

export interface Ranked<T> {
  record: T;
  rank: Rank;
}

/**
 * Matching records, best first, then by label; stable for equal labels. Matches on email or reference alone are
 * dropped when some record matches by name: "dana" means the Danas, not someone whose address mentions one.
 */
export function search<T>(query: string, records: readonly T[], toCandidate: (r: T) => Candidate): Ranked<T>[] {
  const out: Array<Ranked<T> & { label: string; i: number }> = [];
  records.forEach((record, i) => {
    const candidate = toCandidate(record);
    const r = rank(query, candidate);
    if (r !== undefined) out.push({ record, rank: r, label: fold(candidate.label ?? ''), i });
  });
  out.sort((a, b) => a.rank - b.rank || a.label.localeCompare(b.label) || a.i - b.i);
  const best = out[0]?.rank ?? Rank.Other;
  return out
    .filter((m) => best === Rank.Other || m.rank !== Rank.Other)
    .map(({ record, rank: r }) => ({ record, rank: r }));
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

/** A value quoted for a line: trimmed, control characters out, JSON-quoted so odd characters cannot break the line. */
export function q(value: string, max = 120): string {
  return JSON.stringify(clean(value, max));
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
