/**
 * What stands in front of the MCP handler on HTTP: the Host and Origin checks against DNS rebinding and the
 * constant-time check of the operator's bearer token. Pure functions of the request's headers.
 *
 * Ours rather than the SDK's validateHostHeader/localhostAllowedHostnames: --allowed-hosts takes both bare names
 * (any port) and host:port entries, and loopback names are allowed on any port.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../net.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.toLowerCase();
  // A name or a bracketed IPv6 address, then at most a numeric port: anything else (`localhost:abc`,
  // `localhost:1@evil.com`) is not a Host header we can build a URL from, let alone trust.
  const parsed = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::\d{1,5})?$/.exec(host);
  if (!parsed) return false;
  const name = parsed[1] ?? '';
  if (LOOPBACK_NAMES.has(name)) return true;
  return allowed.some((entry) => entry === host || entry === name);
}

export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === 'null') return false;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname)) return true;
  return allowed.includes(url.origin.toLowerCase());
}

export function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The operator's bearer token (MCP_AUTH_TOKEN) against a request's Authorization header: `no token` when it carries
 * no Bearer token at all (absent, or another scheme), `wrong token` when it carries one that does not match. Constant
 * time: both sides are hashed to the same length before the comparison.
 */
export function bearerCheck(header: string | undefined, expected: Buffer): 'ok' | 'no token' | 'wrong token' {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return 'no token';
  return timingSafeEqual(digest(match[1]), expected) ? 'ok' : 'wrong token';
}
