/**
 * Which OAuth scope each tool needs, and whether a set of granted scopes allows a call: pure functions of each
 * tool's own policy (its `access`, declared in defineTool), never of a list of names kept here.
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
 * token already has, so stepping up never costs the client a scope it held (MCP authorization, scope challenges);
 * a granted value that is not an RFC 6749 scope-token is left out, since the SDK refuses to put one in a header.
 */
export function scopeChallenge(
  tool: Scoped,
  granted: readonly string[],
  policy: ScopePolicy,
): ScopeChallenge | undefined {
  if (allows(granted, tool, policy)) return undefined;
  const needed = scopeFor(tool, policy);
  const scopes = [...new Set([...granted.filter((s) => SCOPE_TOKEN.test(s)), needed])] as [string, ...string[]];
  return { scopes, errorDescription: `${tool.name} needs the ${needed} scope` };
}

/** RFC 6749 §3.3 scope-token: printable ASCII without space, double quote or backslash. */
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
