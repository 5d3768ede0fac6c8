/** The spelling of the JSON Schema agents see in tools/list: zod's conversion, respelled where clients differ. */

/** Keywords whose value is one subschema, a list of them, or a map of them (JSON Schema 2020-12). */
const ONE = new Set(['items', 'contains', 'not', 'if', 'then', 'else', 'additionalProperties', 'propertyNames']);
const LIST = new Set(['anyOf', 'allOf', 'oneOf', 'prefixItems']);
const MAP = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
/** Where the empty schema `{}` says exactly what leaving the keyword out says: anything goes. */
const EMPTY_SAME_AS_ABSENT = new Set(['items', 'additionalProperties']);

/**
 * Rewrites what zod emits into the forms the MCP Inspector's schema portability check accepts (`schemaLint` in
 * @modelcontextprotocol/inspector 2.12, shown as a warning on every tool in its web UI), each rewrite exact, so
 * every value valid before is valid after and nothing else is:
 * - `type: ["string", "null"]` becomes `anyOf: [{type: "string"}, {type: "null"}]`. zod folds an `anyOf` of bare
 *   types into a type array (no option turns that off), and a client that maps tool schemas onto a single-`type`
 *   dialect (Gemini's function declarations) may reject the tool or drop the constraint;
 * - `{}` under `items` or `additionalProperties` (an array of anything; a loose object) is left out: absent says the
 *   same, and the Inspector reads `{}` as a schema that forgot its type. Also left out, for the same reason and the
 *   length of tools/list: `propertyNames: {type: "string"}` (every JSON key is a string) and `properties: {}`.
 * A schema that constrains nothing where leaving it out would change the meaning (a property of a strict object) is
 * not ours to guess: it is fixed in the zod schema (schemas.ts), and the Inspector's count in CI catches a new one.
 */
export function portableSchema<T>(schema: T): T {
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && Array.isArray(value) && !('anyOf' in schema)) {
      out.anyOf = value.map((type) => ({ type }));
    } else if (ONE.has(key)) {
      const sub = portableSchema(value);
      if (EMPTY_SAME_AS_ABSENT.has(key) && isObject(sub) && Object.keys(sub).length === 0) continue;
      if (key === 'propertyNames' && isObject(sub) && Object.keys(sub).length === 1 && sub.type === 'string') continue;
      out[key] = sub;
    } else if (LIST.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub) => portableSchema(sub));
    } else if (MAP.has(key) && isObject(value)) {
      if (key === 'properties' && Object.keys(value).length === 0) continue;
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, portableSchema(sub)]));
    } else {
      // Values, not schemas (`examples`, `enum`, `const`, `required`, annotations): copied as they are.
      out[key] = value;
    }
  }
  // The same JSON value in another spelling: an object stays an object.
  return out as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
