/**
 * Which OAuth scope each tool needs, and the tools a set of granted scopes allows: pure functions of each tool's
 * own policy (its `access`, declared in defineTool), never of a list of names kept here.
 */
import type { Access } from '../tools/define-tool.js';

export interface ScopePolicy {
  readScope: string;
  writeScope: string;
}

/** What the scope policy needs to know of a tool. */
export interface Scoped {
  name: string;
  access: Access;
}

/** The scope a tool asks for in a challenge. */
export function scopeFor(tool: Scoped, policy: ScopePolicy): string {
  return tool.access === 'read' ? policy.readScope : policy.writeScope;
}

/** The write scope includes reading: someone trusted to assign training may look at what is assigned. */
export function allows(granted: readonly string[], tool: Scoped, policy: ScopePolicy): boolean {
  if (granted.includes(policy.writeScope)) return true;
  return tool.access === 'read' && granted.includes(policy.readScope);
}

/**
 * The tools, in their order, that a token with `granted` may see in tools/list and call. The same array comes back
 * for every token with the same standing (none, read, write), so a tools/list cache keyed by the array keeps
 * working: converting the schemas again on every request is what such a cache is there to avoid.
 */
export function toolsAllowed<T extends Scoped>(
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
    allowed = Object.freeze(tools.filter((t) => allows(granted, t, policy)));
    byStanding.set(key, allowed);
  }
  return allowed;
}
const allowedCache = new WeakMap<readonly unknown[], Map<string, readonly unknown[]>>();

/** The scopes a set of tools can need, for `scopes_supported` and the 401 challenge: read first. */
export function scopesFor(tools: readonly Scoped[], policy: ScopePolicy): string[] {
  const needed = new Set(tools.map((t) => scopeFor(t, policy)));
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
  tool: Scoped,
  granted: readonly string[],
  policy: ScopePolicy,
): ScopeChallenge | undefined {
  if (allows(granted, tool, policy)) return undefined;
  const needed = scopeFor(tool, policy);
  const scopes = [...new Set([...granted, needed])] as [string, ...string[]];
  return { scopes, errorDescription: `${tool.name} needs the ${needed} scope` };
}
