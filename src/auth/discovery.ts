/** Finding an authorization server's metadata from its issuer URL: RFC 8414 and OpenID Connect discovery. */

/** The fields of RFC 8414 / OpenID provider metadata this server reads or passes on. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  scopes_supported?: string[];
  [field: string]: unknown;
}

export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
}

/**
 * The URLs to try, in the order the MCP authorization specification gives: for an issuer with a path, RFC 8414
 * and OpenID discovery with the well-known segment inserted before the path, then OpenID's appended form; for an
 * issuer without one, the two well-known documents at the root.
 */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  // RFC 8414 §3.1: a terminating slash is removed before the well-known segment is inserted.
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  if (path === '') {
    return [`${origin}/.well-known/oauth-authorization-server`, `${origin}/.well-known/openid-configuration`];
  }
  return [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
    `${origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * Fetch the first metadata document that answers, and check that it names `issuer` exactly (RFC 8414 §3.3,
 * OpenID Discovery §4.3): a document for another issuer would let its keys sign tokens we accept.
 */
export async function discover(issuer: string, timeoutMs = 5_000): Promise<AuthorizationServerMetadata> {
  const tried: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      tried.push(`${url}: ${error instanceof Error ? error.name : 'failed'}`);
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      tried.push(`${url}: HTTP ${res.status}`);
      continue;
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      tried.push(`${url}: not JSON`);
      continue;
    }
    const metadata = body as Partial<AuthorizationServerMetadata> | null;
    if (typeof metadata?.issuer !== 'string' || typeof metadata.jwks_uri !== 'string') {
      tried.push(`${url}: no issuer or jwks_uri`);
      continue;
    }
    if (metadata.issuer !== issuer) {
      throw new DiscoveryError(
        `${url} names its issuer ${JSON.stringify(metadata.issuer)}, not ${JSON.stringify(issuer)}: set MCP_OAUTH_ISSUER to exactly the issuer your identity provider publishes (a trailing slash counts).`,
      );
    }
    return metadata as AuthorizationServerMetadata;
  }
  throw new DiscoveryError(
    `No authorization server metadata for ${issuer} (tried ${tried.join('; ')}). Check MCP_OAUTH_ISSUER.`,
  );
}
