/**
 * One definition of the characters we refuse in input and never write raw, shared by configuration, the tool
 * schemas, the HTTP headers we read, the summaries a model reads and the audit and log lines: one list, so a check,
 * a summary and an audit line cannot disagree about what is safe.
 */

/**
 * Characters that can split a header or a line, or hide or reorder what a person reads:
 * - C0 controls, DEL and C1 (\p{Cc}: CR, LF, NEL U+0085 among them);
 * - the Unicode line and paragraph separators U+2028 and U+2029 (line breaks to many readers);
 * - bidirectional controls: embeddings and overrides U+202A-202E, isolates U+2066-2069, and the marks LRM, RLM and
 *   ALM (U+200E, U+200F, U+061C), which can make "acct-evil" display as something else;
 * - zero-width and invisible characters: U+200B-200D, the word joiner and invisible operators U+2060-2064, and the
 *   byte-order mark U+FEFF, which make two ids look alike.
 * None of them is valid in a key, an id, a reference or an account id.
 */
const UNSAFE = '\\p{Cc}\\u2028\\u2029\\u061c\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';
const UNSAFE_CHAR = new RegExp(`[${UNSAFE}]`, 'u');
const UNSAFE_RUNS = new RegExp(`[${UNSAFE}]+`, 'gu');
const UNSAFE_EACH = new RegExp(`[${UNSAFE}]`, 'gu');

/** True when the value holds any character of the list above: refused in ids, references, keys and settings. */
export function hasControlChars(value: string): boolean {
  return UNSAFE_CHAR.test(value);
}

/**
 * Text we did not write (an upstream message, a name, a caller's id) as one line: each run of unsafe characters
 * becomes a space, whitespace collapses, and a text longer than `max` is cut with an ellipsis.
 */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(UNSAFE_RUNS, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A value a model must pass back exactly (an id, a reference) but that must not break a line: each unsafe
 * character written as a \uXXXX escape rather than dropped, so the value stays recoverable. For use inside a JSON
 * string, where the escape reads back as the character.
 */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_EACH, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/**
 * What an HTTP header value may carry and StackOne ids are made of: visible ASCII, no spaces. The same rule for
 * account_id (argument, STACKONE_ACCOUNT_ID, x-account-id, the OAuth account claim) and the keys we read, so no
 * value we accept fails later when the request is built.
 */
const HEADER_TOKEN = /^[\x21-\x7e]+$/;

export function isHeaderToken(value: string): boolean {
  return HEADER_TOKEN.test(value);
}
