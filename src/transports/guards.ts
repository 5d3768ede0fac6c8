/**
 * What stands in front of the MCP handler on HTTP: the Host and Origin checks against DNS rebinding and the
 * constant-time check of the operator's bearer token. Pure functions of the request's headers.
 *
 * Ours rather than the SDK's validateHostHeader/localhostAllowedHostnames: --allowed-hosts takes both bare names
 * (any port) and host:port entries, and loopback names are allowed on any port.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from '../config.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.toLowerCase();
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
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

/** Constant time: both sides are hashed to the same length before the comparison. */
export function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}
