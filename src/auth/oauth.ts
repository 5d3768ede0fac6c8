/**
 * The OAuth 2.1 protected resource: checks access tokens against the issuer's published keys (signature, iss,
 * aud = this server, expiry), says whose StackOne account a token speaks for, and words what the SDK's helpers do
 * not (the no-token challenge, the RFC 9728 protected-resource metadata document). Transport-free.
 */
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { Clock } from '../clock.js';
import type { OAuthConfig } from '../config.js';
import { isHeaderToken } from '../text.js';
import { type AuthorizationServerMetadata, DiscoveryError, discover } from './discovery.js';
import { type Scoped, type ScopePolicy, scopesFor } from './scopes.js';

export { accountForCall } from './accounts.js';

/**
 * Structurally the v2 SDK's AuthInfo (`@modelcontextprotocol/server`), so a VerifiedToken can be returned from an
 * OAuthTokenVerifier as it is; declared here because the SDK is not a dependency of this module. Keep in step.
 */
export interface AuthInfoLike {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  resource?: URL;
  resourceMetadataUrl?: string;
  extra?: Record<string, unknown>;
}

/** What a verified token says: the SDK's AuthInfo plus who it is and which StackOne account it may use. */
export interface VerifiedToken extends AuthInfoLike {
  /** The token's `sub`: the user, or the client itself for client credentials. */
  subject: string;
  expiresAt: number;
  resource: URL;
  /** From MCP_OAUTH_ACCOUNT_CLAIM (through MCP_OAUTH_ACCOUNT_MAP when set); undefined when no claim is configured. */
  accountId?: string;
  /** The same `subject` and `accountId`, where code that only knows AuthInfo (the SDK's context) can read them. */
  extra: { subject: string; accountId?: string };
}

export type TokenErrorCode = 'invalid_token' | 'server_error';

/**
 * A refused token (`invalid_token`, 401), or the issuer's metadata or keys out of reach (`server_error`, 500: not
 * the token's fault, so no challenge that would send the client through sign-in again). The message is safe for a
 * WWW-Authenticate error_description: never the token. (A token short of a scope is the SDK's 403: scopeChallenge.)
 */
export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifierOptions {
  /** "Now" for exp, nbf and iat: given to jose on every check, so it never reads the machine's clock itself. */
  now: Clock;
  /** jose's wait after a JWKS fetch before an unknown `kid` may fetch again (default 30 s). */
  jwksCooldownMs?: number;
  /** How long fetched keys are used before they are fetched again regardless (default 10 min). */
  jwksMaxAgeMs?: number;
  /** Leeway for exp/nbf/iat against clock drift between us and the issuer (default 30 s). */
  clockToleranceSeconds?: number;
  /** Per request to the issuer (discovery, JWKS); default 5 s. */
  timeoutMs?: number;
}

export interface OAuthVerifier {
  /** Structurally the v2 SDK's OAuthTokenVerifier, except that it throws TokenError. */
  verifyAccessToken(token: string): Promise<VerifiedToken>;
  /** The issuer's metadata, fetched once; call at start-up to fail fast on a wrong MCP_OAUTH_ISSUER. */
  metadata(): Promise<AuthorizationServerMetadata>;
  readonly policy: ScopePolicy;
  readonly resourceMetadataUrl: string;
}

/** Asymmetric algorithms only: a JWKS never holds a shared secret, and `none` is never a signature. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export function createOAuthVerifier(config: OAuthConfig, options: VerifierOptions): OAuthVerifier {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const resource = config.resourceUrl;
  const audiences = audienceForms(resource);
  const policy: ScopePolicy = { readScope: config.readScope, writeScope: config.writeScope };
  let metadataPromise: Promise<AuthorizationServerMetadata> | undefined;
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  const metadata = () => {
    // One discovery at a time; a failed one is forgotten so the next request tries again.
    metadataPromise ??= discover(config.issuer, timeoutMs).catch((error: unknown) => {
      metadataPromise = undefined;
      throw error;
    });
    return metadataPromise;
  };

  const keySet = async () => {
    if (keys) return keys;
    const { jwks_uri } = await metadata();
    const url = new URL(jwks_uri);
    if (url.protocol !== 'https:' && new URL(config.issuer).protocol === 'https:') {
      throw new DiscoveryError(`the issuer's jwks_uri ${jwks_uri} is not https`);
    }
    // jose keeps the keys, refetches them after jwksMaxAgeMs, and on a token whose kid it does not know (a
    // rotation) refetches at once unless it fetched within the cooldown.
    keys ??= createRemoteJWKSet(url, {
      timeoutDuration: timeoutMs,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
      cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
    });
    return keys;
  };

  return {
    policy,
    resourceMetadataUrl: protectedResourceMetadataUrl(resource),
    metadata,
    async verifyAccessToken(token) {
      if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) {
        throw new TokenError(
          'invalid_token',
          'The access token is not a signed JWT; the authorization server must issue JWT access tokens for this resource',
        );
      }
      let payload: JWTPayload;
      const tolerance = options.clockToleranceSeconds ?? 30;
      const now = options.now();
      try {
        const jwks = await keySet();
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: config.issuer,
          audience: audiences,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'iss', 'aud'],
          clockTolerance: tolerance,
          currentDate: new Date(now),
        }));
      } catch (error) {
        throw tokenErrorFrom(error);
      }
      // jose checks exp and nbf but not iat: a token "issued" beyond the leeway from now is a forged or mis-clocked
      // one, and its lifetime cannot be trusted.
      if (typeof payload.iat === 'number' && payload.iat > now / 1000 + tolerance) {
        throw new TokenError(
          'invalid_token',
          'The access token was issued in the future (iat): check the clocks of this server and the authorization server',
        );
      }
      const subject = stringClaim(payload.sub) ?? stringClaim(payload.client_id);
      if (!subject) throw new TokenError('invalid_token', 'The access token names no subject (sub)');
      const accountId = accountFrom(payload, config);
      return {
        token,
        // RFC 9068 client_id; azp (Auth0, Keycloak), cid (Okta), appid (Entra v1) carry the same.
        clientId:
          stringClaim(payload.client_id) ??
          stringClaim(payload.azp) ??
          stringClaim(payload.cid) ??
          stringClaim(payload.appid) ??
          subject,
        scopes: scopesOf(payload),
        expiresAt: payload.exp as number,
        resource,
        subject,
        ...(accountId === undefined ? {} : { accountId }),
        extra: { subject, ...(accountId === undefined ? {} : { accountId }) },
      };
    },
  };
}

/** jose's failures as the answer a client can act on; key and network trouble is ours, not the token's. */
function tokenErrorFrom(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof DiscoveryError) {
    return new TokenError('server_error', `The authorization server could not be reached: ${error.message}`);
  }
  if (error instanceof errors.JWTExpired) return new TokenError('invalid_token', 'The access token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    const what: Record<string, string> = {
      aud: 'The access token was issued for another resource (aud), not this server',
      iss: 'The access token was issued by another authorization server (iss)',
      nbf: 'The access token is not valid yet (nbf)',
      iat: 'The access token was issued in the future (iat)',
    };
    return new TokenError('invalid_token', what[error.claim] ?? `The access token's ${error.claim} claim is not valid`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenError(
      'invalid_token',
      'The access token is signed with a key the authorization server does not publish',
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenError('invalid_token', 'The access token signature does not verify');
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new TokenError('server_error', "The authorization server's signing keys could not be fetched");
  }
  if (error instanceof errors.JOSEError) {
    return new TokenError('invalid_token', 'The access token is not a JWT this server accepts');
  }
  // fetch's own failures (connection refused, DNS) while getting the keys.
  return new TokenError('server_error', "The authorization server's signing keys could not be fetched");
}

/** RFC 8707 resource identifiers compare without a fragment; one trailing slash is forgiven, as the SDK does. */
function audienceForms(resource: URL): string[] {
  const href = resource.href;
  const bare = href.endsWith('/') ? href.slice(0, -1) : href;
  return [...new Set([href, bare, `${bare}/`])];
}

/** RFC 9068 `scope` (space-separated); Okta and Entra use `scp`, as a string or an array. */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
  return [...new Set(list.filter((s): s is string => typeof s === 'string' && s !== ''))];
}

function stringClaim(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The StackOne account a token may use. With a claim configured, a token without it (or with a value the map
 * does not know) is refused outright: falling back to the server's default account would hand one tenant's
 * users another tenant's LMS.
 */
function accountFrom(payload: JWTPayload, config: OAuthConfig): string | undefined {
  const claim = config.accountClaim;
  if (claim === undefined) return undefined;
  const value = stringClaim(payload[claim]);
  if (value === undefined) {
    throw new TokenError('invalid_token', `The access token has no ${claim} claim naming a StackOne account`);
  }
  if (!config.accountMap) {
    // The claim becomes the x-account-id header: only what a header can carry (text.ts), or the token is refused.
    if (!isHeaderToken(value)) {
      throw new TokenError(
        'invalid_token',
        `The access token's ${claim} is not a StackOne account id (visible ASCII, no spaces)`,
      );
    }
    return value;
  }
  const mapped = config.accountMap.get(value);
  if (mapped === undefined) {
    throw new TokenError(
      'invalid_token',
      `The access token's ${claim} is not linked to a StackOne account on this server`,
    );
  }
  return mapped;
}

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function protectedResourceMetadataUrl(resource: URL): string {
  const url = new URL(resource.href);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `/.well-known/oauth-protected-resource${path}`;
  url.hash = '';
  url.search = '';
  return url.href;
}

/**
 * The paths to serve the metadata document on: the RFC 9728 one for this resource, and the root one that clients
 * following the 2025-03-26 revision try first.
 */
export function protectedResourceMetadataPaths(resource: URL): string[] {
  const own = new URL(protectedResourceMetadataUrl(resource)).pathname;
  return [...new Set([own, '/.well-known/oauth-protected-resource'])];
}

/** The RFC 9728 document: which authorization server to sign in at, and the scopes the given tools can need. */
export function protectedResourceMetadata(config: OAuthConfig, tools: readonly Scoped[]): Record<string, unknown> {
  return {
    resource: config.resourceUrl.href,
    authorization_servers: [config.issuer],
    scopes_supported: scopesFor(tools, config),
    bearer_methods_supported: ['header'],
    resource_name: 'StackOne LMS MCP server',
  };
}

/** RFC 6750 §3 quoted-string: a quote or backslash is escaped, anything outside printable ASCII becomes a space. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, ' ')}"`;
}

/**
 * WWW-Authenticate for a 401 to a request that brought no token: no error code (RFC 6750 §3.1), where to find the
 * authorization server, and the scopes to ask for at sign-in, so one sign-in covers every tool the operator
 * registered. (A refused token's 401 and a call's 403 are the SDK's: bearerAuthChallengeResponse, scopeChallenge.)
 */
export function unauthorizedChallenge(options: { resourceMetadataUrl: string; scopes?: readonly string[] }): string {
  const parts: string[] = [];
  if (options.scopes?.length) parts.push(`scope=${quoted(options.scopes.join(' '))}`);
  parts.push(`resource_metadata=${quoted(options.resourceMetadataUrl)}`);
  return `Bearer ${parts.join(', ')}`;
}
