/** Keeps an API key out of everything we emit: the key itself, its Basic form and its base64 form. */

export const MASK = '***';

/** The spellings of a key that could leak: raw, and base64 of `key:` as HTTP Basic sends it. */
export function secretForms(apiKey: string | undefined): readonly string[] {
  if (!apiKey) return [];
  // Every call asks for its key's forms: on stdio and for a tenant's run of calls it is the same key each time.
  if (lastForms?.apiKey === apiKey) return lastForms.forms;
  const basic = Buffer.from(`${apiKey}:`).toString('base64');
  // base64 without padding too, in case something trimmed it.
  const forms = Object.freeze([...new Set([apiKey, basic, basic.replace(/=+$/, '')])].filter((s) => s.length >= 4));
  lastForms = { apiKey, forms };
  return forms;
}
let lastForms: { apiKey: string; forms: readonly string[] } | undefined;

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * Whether any string or key inside `value` holds a secret: everything redactValue could mask. A walk that stops at
 * the first hit instead of serialising the value to search it (a 25-assignment page: measured in
 * docs/PERFORMANCE.md), since results no longer carry a serialised copy to search.
 */
export function containsSecret(value: unknown, secrets: readonly string[]): boolean {
  if (secrets.length === 0) return false;
  // Most of a page is ids, dates and enums shorter than any spelling of a key: those need no search at all.
  return holds(value, secrets, Math.min(...secrets.map((s) => s.length)));
}

function holds(value: unknown, secrets: readonly string[], shortest: number): boolean {
  if (typeof value === 'string') return value.length >= shortest && secrets.some((s) => value.includes(s));
  if (Array.isArray(value)) return value.some((v) => holds(v, secrets, shortest));
  if (value !== null && typeof value === 'object') {
    for (const key in value) {
      if (key.length >= shortest && secrets.some((s) => key.includes(s))) return true;
      if (holds((value as Record<string, unknown>)[key], secrets, shortest)) return true;
    }
  }
  return false;
}

/** Deep copy with every string redacted; used only when containsSecret found a secret inside. */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, not assignment: a "__proto__" key from JSON must stay a key, not become a prototype.
      Object.defineProperty(out, redactText(k, secrets), {
        value: redactValue(v, secrets),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
