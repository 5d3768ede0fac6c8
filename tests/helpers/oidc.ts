/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1 for the OAuth tests: it issues RFC 9068 JWT access tokens
 * for any RFC 8707 resource, by client credentials and by authorization code with PKCE (login and consent are
 * granted automatically), and rotates its signing key on demand without changing its URL.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import Provider, { type Configuration, type JWKS, type KoaContextWithOIDC } from 'oidc-provider';

export const READ = 'lms:read';
/** The token endpoint takes no custom parameters, so a test asks for a lifetime in a header only this helper sends. */
const TTL_HEADER = 'x-test-token-ttl';
export const WRITE = 'lms:write';

/** A confidential client for client credentials: a service calling the server with no user present. */
export const SERVICE_CLIENT = { id: 'lms-service', secret: 'service-secret-not-a-real-one' };
/** A public client for the authorization code flow with PKCE, as MCP clients register themselves. */
export const PUBLIC_CLIENT = { id: 'mcp-client', redirectUri: 'http://127.0.0.1/callback' };

export interface MintOptions {
  scopes?: readonly string[];
  /** For mintForUser: a client registered dynamically (RFC 7591) instead of PUBLIC_CLIENT. */
  client?: { id: string; redirectUri: string };
  /** The RFC 8707 resource the token is for: its `aud`. */
  audience: string;
  /** Seconds the token lives; zero or less gives a token that had already expired when it was issued. */
  ttlSeconds?: number;
}

export interface TestIssuer {
  /** The issuer identifier, e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** An access token from the token endpoint, by client credentials. */
  mint(options: MintOptions): Promise<string>;
  /** Log in as `subject`, consent, exchange the code (PKCE S256) and return the access token. */
  mintForUser(subject: string, options: MintOptions): Promise<string>;
  /**
   * Follow an authorization URL (as an MCP client would open it in a browser) through login and consent until it
   * redirects away from the issuer, to the client's redirect URI; returns that URL with `code` and `state`. Logs
   * in as `login_hint` or "alice". MCP clients may register themselves first at `${url}/reg` (RFC 7591).
   */
  authorize(authorizationUrl: string): Promise<URL>;
  /** A token with the issuer's claims and `kid` but signed by a key the issuer never published. */
  forge(options: MintOptions & { kid?: string }): Promise<string>;
  /** Publish a new signing key, sign everything from now on with it; the old key stays published. Returns its kid. */
  rotate(): Promise<string>;
  /** The kid tokens are signed with now. */
  readonly currentKid: string;
  /** Requests the issuer has served, by path, e.g. to count JWKS fetches. */
  readonly hits: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export interface IssuerOptions {
  /** Extra claims per subject, e.g. { alice: { stackone_account: 'acct-1' } }; the service client gets `clientClaims`. */
  claims?: Record<string, Record<string, unknown>>;
  clientClaims?: Record<string, unknown>;
  /** Scopes the provider knows besides READ and WRITE. */
  extraScopes?: readonly string[];
  /** A path after the origin, e.g. "/tenant-a", to exercise RFC 8414 path insertion. */
  path?: string;
}

interface SigningKey {
  kid: string;
  privateJwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `k-${randomBytes(6).toString('hex')}`;
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

export async function startIssuer(options: IssuerOptions = {}): Promise<TestIssuer> {
  const hits = new Map<string, number>();
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${options.path ?? ''}`;
  const scopes = [READ, WRITE, ...(options.extraScopes ?? [])];
  let keys: SigningKey[] = [await newKey()];

  const configuration = (): Configuration => ({
    clients: [
      {
        client_id: SERVICE_CLIENT.id,
        client_secret: SERVICE_CLIENT.secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: scopes.join(' '),
      },
      {
        client_id: PUBLIC_CLIENT.id,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [PUBLIC_CLIENT.redirectUri],
        scope: ['openid', 'offline_access', ...scopes].join(' '),
      },
    ],
    // Newest first: the provider signs with the first matching key, and publishes them all.
    // jose's JWK and the provider's declared JWK differ only in how optional fields are typed.
    jwks: { keys: keys.map((k) => k.privateJwk) as JWKS['keys'] },
    scopes: ['openid', 'offline_access', ...scopes],
    features: {
      devInteractions: { enabled: false },
      // Open dynamic client registration, as MCP clients expect of an authorization server they discover.
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => (Array.isArray(oneOf) ? oneOf[0] : oneOf) as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => ({
          scope: scopes.join(' '),
          audience: resourceIndicator,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256', kid: keys[0]?.kid } },
        }),
      },
    },
    formats: {
      customizers: {
        // An expired token has to come from the provider itself, so the lifetime is a request parameter here.
        jwt: (ctx, _token, jwt) => {
          const asked = (ctx as KoaContextWithOIDC | undefined)?.get(TTL_HEADER);
          if (asked) jwt.payload.exp = (jwt.payload.iat as number) + Number(asked);
        },
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const subject = 'accountId' in token ? (token.accountId as string | undefined) : undefined;
      return subject ? options.claims?.[subject] : options.clientClaims;
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    pkce: { required: () => true },
    ttl: {
      AccessToken: 300,
      ClientCredentials: 300,
      AuthorizationCode: 60,
      Grant: 600,
      Interaction: 600,
      Session: 600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  const build = () => {
    const provider = new Provider(url, configuration());
    // The in-process provider sits behind no proxy; its own error output would only add noise to test logs.
    provider.on('server_error', () => {});
    const callback = provider.callback();
    const prefix = options.path ?? '';
    handle = (req, res) => {
      const target = req.url ?? '/';
      if (target.startsWith('/interaction/')) return void interact(provider, req, res);
      if (!target.startsWith(`${prefix}/`)) return void res.writeHead(404).end();
      // Mounted under the issuer's path the way Express mounts it: the provider reads its prefix off originalUrl.
      Object.assign(req, { originalUrl: target, url: target.slice(prefix.length) });
      callback(req, res);
    };
  };
  build();

  const tokenRequest = async (body: Record<string, string>, ttlSeconds: number | undefined, auth?: string) => {
    const res = await fetch(`${url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(auth ? { authorization: auth } : {}),
        ...(ttlSeconds === undefined ? {} : { [TTL_HEADER]: String(ttlSeconds) }),
      },
      body: new URLSearchParams(body),
    });
    const json = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (!res.ok || !json.access_token) throw new Error(`token endpoint: ${json.error}: ${json.error_description}`);
    return json.access_token;
  };

  const issuerOrigin = new URL(url).origin;
  const authorize = async (authorizationUrl: string): Promise<URL> => {
    const jar = new Map<string, string>();
    let next = new URL(authorizationUrl);
    for (let hop = 0; hop < 10; hop++) {
      if (next.origin !== issuerOrigin) return next;
      const res = await fetch(next, {
        redirect: 'manual',
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const cookie of res.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      const location = res.headers.get('location');
      await res.arrayBuffer();
      if (!location) throw new Error(`authorization stopped at ${next.pathname} with HTTP ${res.status}`);
      next = new URL(location, next);
    }
    throw new Error('authorization: too many redirects');
  };

  return {
    url,
    hits,
    get currentKid() {
      return (keys[0] as SigningKey).kid;
    },
    authorize,
    mint: ({ scopes: wanted = [READ], audience, ttlSeconds }) =>
      tokenRequest(
        {
          grant_type: 'client_credentials',
          scope: wanted.join(' '),
          resource: audience,
        },
        ttlSeconds,
        `Basic ${Buffer.from(`${SERVICE_CLIENT.id}:${SERVICE_CLIENT.secret}`).toString('base64')}`,
      ),
    async mintForUser(subject, { scopes: wanted = [READ], audience, ttlSeconds, client = PUBLIC_CLIENT }) {
      const verifier = randomBytes(32).toString('base64url');
      const auth = new URL(`${url}/auth`);
      auth.search = new URLSearchParams({
        client_id: client.id,
        response_type: 'code',
        redirect_uri: client.redirectUri,
        scope: wanted.join(' '),
        resource: audience,
        state: randomBytes(8).toString('hex'),
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        login_hint: subject,
      }).toString();
      const back = await authorize(auth.href);
      const code = back.searchParams.get('code');
      if (!code) throw new Error(`authorization: no code (${back.searchParams.get('error')})`);
      return tokenRequest(
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: client.redirectUri,
          client_id: client.id,
          code_verifier: verifier,
          resource: audience,
        },
        ttlSeconds,
      );
    },
    async forge({ scopes: wanted = [READ], audience, ttlSeconds = 300, kid }) {
      const stranger = await newKey();
      const key = await importJWK(stranger.privateJwk, 'RS256');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ scope: wanted.join(' '), client_id: SERVICE_CLIENT.id })
        .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: kid ?? stranger.kid })
        .setIssuer(url)
        .setAudience(audience)
        .setSubject(SERVICE_CLIENT.id)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .setJti(randomBytes(8).toString('hex'))
        .sign(key);
    },
    async rotate() {
      keys = [await newKey(), ...keys];
      build();
      return (keys[0] as SigningKey).kid;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Login as `login_hint` (default "alice"), then consent to whatever was asked: the test user always agrees. */
async function interact(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params } = details;
    if (prompt.name === 'login') {
      const accountId = typeof params.login_hint === 'string' && params.login_hint ? params.login_hint : 'alice';
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) as InstanceType<Provider['Grant']>)
      : new provider.Grant({ accountId: details.session?.accountId as string, clientId: params.client_id as string });
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : 'error');
  }
}
