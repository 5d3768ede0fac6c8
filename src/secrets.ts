/** Keeps an API key out of everything we emit: the key itself, its Basic form and its base64 form. */

export const MASK = '***';

/** The spellings of a key that could leak: raw, and base64 of `key:` as HTTP Basic sends it. */
export function secretForms(apiKey: string | undefined): string[] {
  if (!apiKey) return [];
  const basic = Buffer.from(`${apiKey}:`).toString('base64');
  // base64 without padding too, in case something trimmed it.
  return [...new Set([apiKey, basic, basic.replace(/=+$/, '')])].filter((s) => s.length >= 4);
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/** Deep copy with every string redacted; used only when the serialized form showed a secret inside. */
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
