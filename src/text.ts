/** Text checks shared by configuration, the tool schemas and the HTTP headers we read. */

/**
 * Control characters (C0, DEL and C1, e.g. U+0085 NEL) and the Unicode line and paragraph separators: they can split
 * an HTTP header or forge a line of a summary a model reads, and are never valid in a key, an id or a reference.
 */
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029]/u;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}
