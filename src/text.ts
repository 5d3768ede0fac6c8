/** Text checks shared by configuration, the tool schemas and the HTTP headers we read. */

/** Control characters (and DEL) can split an HTTP header; they are never valid in a key or an account id. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}
