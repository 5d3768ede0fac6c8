/**
 * The token verifier against a real authorization server (oidc-provider on 127.0.0.1): tokens by client
 * credentials and by authorization code with PKCE, the ways a token must be refused, and a key rotation.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { discoveryUrls } from '../../src/auth/discovery.js';
import {
  accountForCall,
  createOAuthVerifier,
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  TokenError,
  unauthorizedChallenge,
  type VerifierOptions,
} from '../../src/auth/oauth.js';
import { scopeChallenge } from '../../src/auth/scopes.js';
import { systemClock } from '../../src/clock.js';
import { DEFAULT_READ_SCOPE, DEFAULT_WRITE_SCOPE, type OAuthConfig } from '../../src/config.js';
import { CredentialError } from '../../src/errors.js';
import { TOOLS } from '../../src/tools/index.js';
import { READ, startIssuer, type TestIssuer, WRITE } from '../helpers/oidc.js';

const RESOURCE = 'http://127.0.0.1:7777/mcp';
const tool = (name: string) => {
  const found = TOOLS.find((t) => t.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
};
const OTHER_RESOURCE = 'http://127.0.0.1:8888/mcp';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startIssuer({ claims: { alice: { stackone_account: 'acct-alice', org: 'acme' } } });
});
afterAll(async () => {
  await issuer.close();
});

function configFor(url: string, extra: Partial<OAuthConfig> = {}): OAuthConfig {
  return {
    issuer: url,
    resourceUrl: new URL(RESOURCE),
    readScope: DEFAULT_READ_SCOPE,
    writeScope: DEFAULT_WRITE_SCOPE,
    accountClaim: undefined,
    accountMap: undefined,
    ...extra,
  };
}

/**
 * The verifier reads the clock oidc-provider issues tokens by, the machine's (it cannot be given another); a test of
 * expiry moves the verifier's clock relative to it.
 */
const at = (options: Partial<VerifierOptions> = {}): VerifierOptions => ({ now: systemClock, ...options });

const verifierFor = (extra: Partial<OAuthConfig> = {}, options: Partial<VerifierOptions> = {}) =>
  createOAuthVerifier(configFor(issuer.url, extra), at(options));

async function refusal(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

describe('tokens the verifier accepts', () => {
  test('client credentials: subject, client, scopes, expiry and resource', async () => {
    const token = await issuer.mint({ audience: RESOURCE, scopes: [READ, WRITE] });
    const info = await verifierFor().verifyAccessToken(token);
    expect(info).toMatchObject({
      token,
      subject: 'lms-service',
      clientId: 'lms-service',
      scopes: [READ, WRITE],
      extra: { subject: 'lms-service' },
    });
    expect(info.resource.href).toBe(RESOURCE);
    expect(info.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(info.accountId).toBeUndefined();
  });

  test('authorization code with PKCE: the signed-in user is the subject', async () => {
    const token = await issuer.mintForUser('alice', { audience: RESOURCE, scopes: [READ] });
    const info = await verifierFor().verifyAccessToken(token);
    expect(info).toMatchObject({ subject: 'alice', clientId: 'mcp-client', scopes: [READ] });
  });

  test('the account comes from the configured claim, directly or through the map', async () => {
    const token = await issuer.mintForUser('alice', { audience: RESOURCE, scopes: [READ] });
    expect((await verifierFor({ accountClaim: 'stackone_account' }).verifyAccessToken(token)).accountId).toBe(
      'acct-alice',
    );
    const mapped = verifierFor({ accountClaim: 'org', accountMap: new Map([['acme', 'acct-acme']]) });
    const info = await mapped.verifyAccessToken(token);
    expect(info.accountId).toBe('acct-acme');
    expect(info.extra.accountId).toBe('acct-acme');
  });
});

describe('tokens the verifier refuses', () => {
  test('expired', async () => {
    const token = await issuer.mint({ audience: RESOURCE, ttlSeconds: -120 });
    const error = await refusal(verifierFor().verifyAccessToken(token));
    expect(error.code).toBe('invalid_token');
    expect(error.message).toMatch(/expired/);
  });

  test('expired by the clock, past the tolerance', async () => {
    const token = await issuer.mint({ audience: RESOURCE, ttlSeconds: 60 });
    const later = verifierFor({}, { now: () => Date.now() + 60_000 + 31_000 });
    expect((await refusal(later.verifyAccessToken(token))).message).toMatch(/expired/);
    const within = verifierFor({}, { now: () => Date.now() + 60_000 + 20_000 });
    await expect(within.verifyAccessToken(token)).resolves.toMatchObject({ subject: 'lms-service' });
  });

  test('issued for another resource (RFC 8707 audience)', async () => {
    const token = await issuer.mint({ audience: OTHER_RESOURCE, scopes: [READ, WRITE] });
    const error = await refusal(verifierFor().verifyAccessToken(token));
    expect(error.code).toBe('invalid_token');
    expect(error.message).toMatch(/another resource/);
  });

  test('signed by a key the issuer never published', async () => {
    const error = await refusal(verifierFor().verifyAccessToken(await issuer.forge({ audience: RESOURCE })));
    expect(error).toMatchObject({ code: 'invalid_token' });
    expect(error.message).toMatch(/key the authorization server does not publish/);
  });

  test("signed by another key under the issuer's own kid", async () => {
    const token = await issuer.forge({ audience: RESOURCE, kid: issuer.currentKid });
    const error = await refusal(verifierFor().verifyAccessToken(token));
    expect(error.message).toMatch(/signature does not verify/);
  });

  test('issued by another authorization server for the same resource', async () => {
    const other = await startIssuer();
    try {
      const token = await other.mint({ audience: RESOURCE, scopes: [READ, WRITE] });
      expect((await refusal(verifierFor().verifyAccessToken(token))).code).toBe('invalid_token');
    } finally {
      await other.close();
    }
  });

  test('not a JWT, or no token at all', async () => {
    for (const token of ['opaque-access-token', '', 'a.b']) {
      const error = await refusal(verifierFor().verifyAccessToken(token));
      expect(error).toMatchObject({ code: 'invalid_token' });
      expect(error.message).toMatch(/JWT/);
    }
  });

  test('an account claim is configured but the token lacks it, or the map does not know its value', async () => {
    const service = await issuer.mint({ audience: RESOURCE });
    const byClaim = await refusal(verifierFor({ accountClaim: 'stackone_account' }).verifyAccessToken(service));
    expect(byClaim.message).toMatch(/no stackone_account claim/);
    const alice = await issuer.mintForUser('alice', { audience: RESOURCE });
    const unmapped = verifierFor({ accountClaim: 'org', accountMap: new Map([['globex', 'acct-globex']]) });
    expect((await refusal(unmapped.verifyAccessToken(alice))).message).toMatch(/not linked/);
  });

  test('an account claim a header cannot carry (outside ASCII, CR/LF, spaces) is refused, with no allow-list', async () => {
    for (const claimed of ['acct-\u0410', 'acct\r\nX-Evil: 1', 'acct one', 'acct\u200b']) {
      const own = await startIssuer({ clientClaims: { stackone_account: claimed } });
      try {
        const token = await own.mint({ audience: RESOURCE });
        const verifier = createOAuthVerifier(configFor(own.url, { accountClaim: 'stackone_account' }), at());
        const error = await refusal(verifier.verifyAccessToken(token));
        expect(error.code, JSON.stringify(claimed)).toBe('invalid_token');
        expect(error.message).toMatch(/stackone_account is not a StackOne account id/);
      } finally {
        await own.close();
      }
    }
  });

  test('issued in the future beyond the clock leeway (iat): refused; within the leeway: accepted', async () => {
    const token = await issuer.mint({ audience: RESOURCE });
    // The verifier's clock a year behind the issuer's: the token claims to be issued a year from now.
    const behind = verifierFor({}, { now: () => Date.now() - 365 * 86_400_000 });
    const error = await refusal(behind.verifyAccessToken(token));
    expect(error.code).toBe('invalid_token');
    expect(error.message).toMatch(/issued in the future/);
    const slightly = verifierFor({}, { now: () => Date.now() - 20_000 });
    await expect(slightly.verifyAccessToken(token)).resolves.toMatchObject({ subject: 'lms-service' });
  });
});

describe('the issuer rotates its signing key', () => {
  test("the new key's tokens are accepted without a restart, and the old ones still are", async () => {
    const own = await startIssuer();
    try {
      const verifier = createOAuthVerifier(configFor(own.url), at({ jwksCooldownMs: 0 }));
      const before = await own.mint({ audience: RESOURCE });
      await verifier.verifyAccessToken(before);
      const jwksFetches = own.hits.get('/jwks');
      const kid = await own.rotate();
      const after = await own.mint({ audience: RESOURCE });
      expect(JSON.parse(Buffer.from(after.split('.')[0] as string, 'base64url').toString()).kid).toBe(kid);
      await expect(verifier.verifyAccessToken(after)).resolves.toMatchObject({ subject: 'lms-service' });
      expect(own.hits.get('/jwks')).toBe((jwksFetches ?? 0) + 1);
      await expect(verifier.verifyAccessToken(before)).resolves.toMatchObject({ subject: 'lms-service' });
    } finally {
      await own.close();
    }
  });

  test("inside jose's cooldown after a fetch, an unknown kid is refused rather than fetched again", async () => {
    const own = await startIssuer();
    try {
      const verifier = createOAuthVerifier(configFor(own.url), at({ jwksCooldownMs: 60_000 }));
      await verifier.verifyAccessToken(await own.mint({ audience: RESOURCE }));
      await own.rotate();
      const error = await refusal(verifier.verifyAccessToken(await own.mint({ audience: RESOURCE })));
      expect(error.message).toMatch(/does not publish/);
      expect(own.hits.get('/jwks')).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe('scopes', () => {
  const policy = { readScope: READ, writeScope: WRITE };

  test('a read-only token may call the reads and is challenged on a create, for the scopes it holds plus write', async () => {
    const token = await issuer.mint({ audience: RESOURCE, scopes: [READ] });
    const { scopes } = await verifierFor().verifyAccessToken(token);
    for (const t of TOOLS) {
      expect(scopeChallenge(t, scopes, policy) === undefined, t.name).toBe(t.access === 'read');
    }
    expect(scopeChallenge(tool('create_user_assignment'), scopes, policy)).toEqual({
      scopes: [READ, WRITE],
      errorDescription: 'create_user_assignment needs the lms:write scope',
    });
  });

  test('a write token may do everything; no scope of ours, nothing; a granted value no header can carry is left out', () => {
    for (const t of TOOLS) expect(scopeChallenge(t, [WRITE], policy), t.name).toBeUndefined();
    expect(scopeChallenge(tool('find_users'), ['openid'], policy)).toEqual({
      scopes: ['openid', READ],
      errorDescription: 'find_users needs the lms:read scope',
    });
    // The policy is the tool's own declaration, not its name: a new write is refused to a read token.
    expect(scopeChallenge({ name: 'some_new_read', access: 'read' }, [READ], policy)).toBeUndefined();
    expect(scopeChallenge({ name: 'some_new_write', access: 'write' }, [READ], policy)?.scopes).toEqual([READ, WRITE]);
    // The SDK refuses a challenge whose scopes break the RFC 6749 grammar; an issuer's odd scope must not cause that.
    expect(scopeChallenge(tool('find_users'), ['a"b', 'ok'], policy)?.scopes).toEqual(['ok', READ]);
  });
});

describe('answers without a usable token', () => {
  const verifier = () => verifierFor();

  test('no token: 401 naming the metadata document and the scopes, with no error code', () => {
    const { resourceMetadataUrl } = verifier();
    expect(resourceMetadataUrl).toBe('http://127.0.0.1:7777/.well-known/oauth-protected-resource/mcp');
    expect(unauthorizedChallenge({ resourceMetadataUrl, scopes: [READ, WRITE] })).toBe(
      'Bearer scope="lms:read lms:write", resource_metadata="http://127.0.0.1:7777/.well-known/oauth-protected-resource/mcp"',
    );
  });

  test('the protected-resource metadata document and where it is served', () => {
    const config = configFor(issuer.url);
    expect(protectedResourceMetadata(config, TOOLS)).toEqual({
      resource: RESOURCE,
      authorization_servers: [issuer.url],
      scopes_supported: [READ, WRITE],
      bearer_methods_supported: ['header'],
      resource_name: 'StackOne LMS MCP server',
    });
    expect(protectedResourceMetadata(config, [tool('list_user_assignments')]).scopes_supported).toEqual([READ]);
    expect(protectedResourceMetadataPaths(new URL(RESOURCE))).toEqual([
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]);
  });
});

describe('discovery', () => {
  test('well-known URLs: inserted before the path, then OpenID appended', () => {
    expect(discoveryUrls('https://as.example.com')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://as.example.com/tenant/v2/')).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/tenant/v2',
      'https://as.example.com/.well-known/openid-configuration/tenant/v2',
      'https://as.example.com/tenant/v2/.well-known/openid-configuration',
    ]);
  });

  test('an issuer with a path is found by the appended OpenID form when the others are not served', async () => {
    const tenant = await startIssuer({ path: '/tenant-a' });
    try {
      const verifier = createOAuthVerifier(configFor(tenant.url), at());
      expect((await verifier.metadata()).issuer).toBe(tenant.url);
      const token = await tenant.mint({ audience: RESOURCE });
      await expect(verifier.verifyAccessToken(token)).resolves.toMatchObject({ subject: 'lms-service' });
      expect(tenant.hits.get('/.well-known/oauth-authorization-server/tenant-a')).toBe(1);
      expect(tenant.hits.get('/.well-known/openid-configuration/tenant-a')).toBe(1);
      expect(tenant.hits.get('/tenant-a/.well-known/openid-configuration')).toBe(1);
    } finally {
      await tenant.close();
    }
  });

  test('metadata naming another issuer is refused, with the exact value to configure', async () => {
    const verifier = createOAuthVerifier(configFor(`${issuer.url}/`), at());
    const token = await issuer.mint({ audience: RESOURCE });
    const error = await refusal(verifier.verifyAccessToken(token));
    expect(error.code).toBe('server_error');
    expect(error.message).toContain(`names its issuer "${issuer.url}"`);
  });

  test('an unreachable issuer is a server error, not a bad token, and the next call tries again', async () => {
    const gone = await startIssuer();
    const url = gone.url;
    const token = await gone.mint({ audience: RESOURCE });
    await gone.close();
    const verifier = createOAuthVerifier(configFor(url), at({ timeoutMs: 2_000 }));
    const first = await refusal(verifier.verifyAccessToken(token));
    expect(first.code).toBe('server_error');
    expect(first.message).not.toContain(token);
    expect((await refusal(verifier.verifyAccessToken(token))).code).toBe('server_error');
  });
});

describe('pure helpers the transport uses', () => {
  test("accountForCall: the token's account wins; another account_id is refused; without one, argument then default", () => {
    expect(accountForCall('acct-t', undefined, 'acct-default')).toBe('acct-t');
    expect(accountForCall('acct-t', 'acct-t', undefined)).toBe('acct-t');
    expect(() => accountForCall('acct-t', 'acct-other', undefined)).toThrow(CredentialError);
    expect(() => accountForCall('acct-t', 'acct-other', undefined)).toThrow(/not yours to use/);
    expect(accountForCall(undefined, 'acct-arg', 'acct-default')).toBe('acct-arg');
    expect(accountForCall(undefined, undefined, 'acct-default')).toBe('acct-default');
    // Signed in with no linked account: only the server's default, unless the operator allows more.
    const signedIn = { allowed: [] as string[] };
    expect(accountForCall(undefined, undefined, 'acct-default', signedIn)).toBe('acct-default');
    expect(accountForCall(undefined, 'acct-default', 'acct-default', signedIn)).toBe('acct-default');
    expect(() => accountForCall(undefined, 'acct-other', 'acct-default', signedIn)).toThrow(/not served to signed-in/);
    expect(accountForCall(undefined, 'acct-other', 'acct-default', { allowed: ['acct-other'] })).toBe('acct-other');
  });
});

describe('a client that registers itself, as MCP clients do', () => {
  test('dynamic registration, then authorization code with PKCE: the token is accepted', async () => {
    const redirectUri = 'http://127.0.0.1:9/oauth/callback';
    const res = await fetch(`${issuer.url}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: `${READ} ${WRITE}`,
      }),
    });
    expect(res.status).toBe(201);
    const { client_id } = (await res.json()) as { client_id: string };
    const token = await issuer.mintForUser('bob', {
      audience: RESOURCE,
      scopes: [READ, WRITE],
      client: { id: client_id, redirectUri },
    });
    await expect(verifierFor().verifyAccessToken(token)).resolves.toMatchObject({
      subject: 'bob',
      clientId: client_id,
      scopes: [READ, WRITE],
    });
  });
});
