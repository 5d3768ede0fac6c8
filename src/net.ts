/** Network facts that configuration and the HTTP guards both need: pure functions of a host name. */

/** True for hosts that never leave this machine; used to warn before a key travels over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
