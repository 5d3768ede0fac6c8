/** Query strings as StackOne reads them: scalars as-is, objects deep-object style (`filter[status]=completed`). */
import { InputError } from '../errors.js';

export type QueryValue = string | number | boolean | null | undefined | QueryValue[] | { [key: string]: QueryValue };

/** Deeper than this is not a query a provider means; it is refused rather than serialised without bound. */
const MAX_DEPTH = 8;

/**
 * Serialise parameters in order. `undefined` and `null` are left out; arrays repeat the key
 * (`proxy[tag]=a&proxy[tag]=b`); nested objects nest brackets (`proxy[a][b]=1`).
 */
export function toQueryString(params: Readonly<Record<string, QueryValue>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) append(parts, encodeURIComponent(key), key, value, 0);
  return parts.join('&');
}

/** `encodedKey` is the wire form so far; each segment is percent-encoded, only our own brackets stay literal. */
function append(parts: string[], encodedKey: string, name: string, value: QueryValue, depth: number): void {
  if (value === undefined || value === null) return;
  if (depth > MAX_DEPTH) throw new InputError(`query parameter ${name} is nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object') {
        throw new InputError(
          `query parameter ${name} holds a list or object inside a list, which has no query-string form`,
        );
      }
      append(parts, encodedKey, name, item, depth + 1);
    }
    return;
  }
  if (typeof value === 'object') {
    for (const [sub, inner] of Object.entries(value)) {
      append(parts, `${encodedKey}[${encodeURIComponent(sub)}]`, `${name}[${sub}]`, inner, depth + 1);
    }
    return;
  }
  parts.push(`${encodedKey}=${encodeURIComponent(String(value))}`);
}
