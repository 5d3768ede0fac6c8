/** Which OAuth scope each tool needs, and the tools a set of granted scopes allows: pure functions of names. */
import { READ_ONLY_TOOLS } from '../tools/names.js';

export interface ScopePolicy {
  readScope: string;
  writeScope: string;
}

/**
 * Tools that only read. The lookups are named here before they exist so that they land on the read side the day
 * they are registered; any tool not in this set needs the write scope, so a new tool is refused until classified.
 */
export const READ_TOOLS: ReadonlySet<string> = new Set<string>([
  ...READ_ONLY_TOOLS,
  'find_users',
  'find_learning_objects',
]);

/** The scope a tool asks for in a challenge. */
export function scopeFor(tool: string, policy: ScopePolicy): string {
  return READ_TOOLS.has(tool) ? policy.readScope : policy.writeScope;
}

/** The write scope includes reading: someone trusted to assign training may look at what is assigned. */
export function allows(granted: readonly string[], tool: string, policy: ScopePolicy): boolean {
  if (granted.includes(policy.writeScope)) return true;
  return READ_TOOLS.has(tool) && granted.includes(policy.readScope);
}

/**
 * The tools, in their order, that a token with `granted` may see in tools/list and call. The same array comes back
 * for every token with the same standing (none, read, write), so a tools/list cache keyed by the array keeps
 * working: converting the schemas again on every request is what such a cache is there to avoid.
 */
export function toolsAllowed<T extends string | { name: string }>(
  granted: readonly string[],
  tools: readonly T[],
  policy: ScopePolicy,
): readonly T[] {
  const standing = granted.includes(policy.writeScope) ? 'w' : granted.includes(policy.readScope) ? 'r' : '-';
  const key = `${standing} ${policy.readScope} ${policy.writeScope}`;
  let byStanding = allowedCache.get(tools);
  if (!byStanding) {
    byStanding = new Map();
    allowedCache.set(tools, byStanding);
  }
  let allowed = byStanding.get(key) as readonly T[] | undefined;
  if (!allowed) {
    allowed = Object.freeze(tools.filter((t) => allows(granted, typeof t === 'string' ? t : t.name, policy)));
    byStanding.set(key, allowed);
  }
  return allowed;
}
const allowedCache = new WeakMap<readonly unknown[], Map<string, readonly unknown[]>>();

/** The scopes a set of tools can need, for `scopes_supported` and the 401 challenge: read first. */
export function scopesFor(tools: readonly (string | { name: string })[], policy: ScopePolicy): string[] {
  const needed = new Set(tools.map((t) => scopeFor(typeof t === 'string' ? t : t.name, policy)));
  return [policy.readScope, policy.writeScope].filter((s, i, all) => needed.has(s) && all.indexOf(s) === i);
}

/** Structurally the v2 SDK's ScopeChallenge: the complete scope set to ask for, and why. */
export interface ScopeChallenge {
  scopes: readonly [string, ...string[]];
  errorDescription?: string;
}

/**
 * The challenge for calling `tool` with `granted`, or undefined when it is allowed. The scope set keeps what the
 * token already has, so stepping up never costs the client a scope it held (MCP authorization, scope challenges).
 */
export function scopeChallenge(
  tool: string,
  granted: readonly string[],
  policy: ScopePolicy,
): ScopeChallenge | undefined {
  if (allows(granted, tool, policy)) return undefined;
  const needed = scopeFor(tool, policy);
  const scopes = [...new Set([...granted, needed])] as [string, ...string[]];
  return { scopes, errorDescription: `${tool} needs the ${needed} scope` };
}

/**
 * A per-tool handler in the shape of the v2 SDK's ScopeChallengeHandler (`registerTool(..., { scopeChallenge })`):
 * an unauthenticated request is left to the bearer gate, as the SDK's own requireScopes does.
 */
export function scopeChallengeHandler(
  tool: string,
  policy: ScopePolicy,
): (context: { authInfo?: { scopes: string[] } }) => ScopeChallenge | undefined {
  return ({ authInfo }) => (authInfo ? scopeChallenge(tool, authInfo.scopes, policy) : undefined);
}
