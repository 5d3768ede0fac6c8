/**
 * A request's own StackOne credentials, read from its headers as node gives them distinct (`req.headersDistinct`),
 * and what the request then runs with. Fail closed: a credential in a form we do not accept is refused, never
 * ignored, because an ignored credential would let the request run on the operator's key. Only a request that
 * brings no credential at all may do that.
 */
import type { ServerDeps } from '../server.js';
import { AccountId } from '../stackone/schemas.js';
import { isHeaderToken } from '../text.js';

/** What a request may bring of its own: its StackOne key and account, used for that request only. */
export interface Tenant {
  apiKey?: string;
  accountId?: string;
}

export interface TenantRefusal {
  /** 401 for a credential we cannot use, 400 for a request whose headers are malformed (duplicates, bad account). */
  status: 400 | 401;
  error: string;
}

/** StackOne keys are a few dozen printable characters; anything near this long is a mistake or an attack. */
export const MAX_KEY_LENGTH = 512;

const TENANT_HEADERS = ['authorization', 'x-stackone-api-key', 'x-account-id'] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function forms(bearerInUse: boolean): string {
  return bearerInUse
    ? 'send your StackOne key as `x-stackone-api-key: <key>` (Authorization carries the bearer token MCP_AUTH_TOKEN)'
    : "send your StackOne key as `Authorization: Basic base64(<key>:)` or `x-stackone-api-key: <key>`, or send no credentials to use the server's own key";
}

export function tenantOf(
  headers: Readonly<Record<string, string[] | undefined>>,
  bearerInUse: boolean,
): Tenant | TenantRefusal {
  for (const name of TENANT_HEADERS) {
    const values = headers[name];
    if (values && values.length > 1) {
      return { status: 400, error: `Send one ${name} header, not ${values.length}.` };
    }
  }
  const refuse = (what: string): TenantRefusal => ({
    status: 401,
    error: `Unauthorized: ${what}; ${forms(bearerInUse)}.`,
  });
  const tenant: Tenant = {};

  // With a bearer token configured, the transport has already checked Authorization against it: it is not ours.
  const auth = bearerInUse ? undefined : headers.authorization?.[0];
  if (auth !== undefined) {
    const match = /^Basic(?: +(.*))?$/i.exec(auth.trim());
    if (!match) {
      const scheme = auth.trim().split(/\s/)[0] || '(empty)';
      const why = /^bearer$/i.test(scheme)
        ? 'this server takes no bearer token (MCP_AUTH_TOKEN is not set)'
        : `the Authorization scheme ${JSON.stringify(scheme.slice(0, 20))} is not accepted`;
      return refuse(why);
    }
    const encoded = (match[1] ?? '').trim();
    if (encoded === '' || !BASE64.test(encoded)) return refuse('the Basic credentials are not base64');
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
    } catch {
      return refuse('the Basic credentials are not UTF-8 text');
    }
    const colon = decoded.indexOf(':');
    const key = colon < 0 ? decoded : decoded.slice(0, colon);
    if (colon >= 0 && decoded.slice(colon + 1) !== '') {
      return refuse('the Basic password must be empty (the key is the user name)');
    }
    const problem = keyProblem(key);
    if (problem) return refuse(`the key in Authorization ${problem}`);
    tenant.apiKey = key;
  }

  const headerKey = headers['x-stackone-api-key']?.[0];
  if (headerKey !== undefined) {
    const key = headerKey.trim();
    const problem = keyProblem(key);
    if (problem) return refuse(`x-stackone-api-key ${problem}`);
    if (tenant.apiKey !== undefined && tenant.apiKey !== key) {
      return { status: 400, error: 'Authorization and x-stackone-api-key carry different keys: send one.' };
    }
    tenant.apiKey = key;
  }

  const account = headers['x-account-id']?.[0];
  if (account !== undefined) {
    // The same rules as the account_id argument, so a header cannot carry what the argument could not.
    const parsed = AccountId.safeParse(account.trim());
    if (!parsed.success) {
      const message = parsed.error.issues[0]?.message ?? 'is not a valid account id';
      return { status: 400, error: `x-account-id header: ${message.replace(/^account_id /, '')}.` };
    }
    tenant.accountId = parsed.data;
  }
  return tenant;
}

export const HTTP_KEY_HINT =
  'Send your StackOne key with the request as `Authorization: Basic base64(<key>:)` (or as `x-stackone-api-key` when the server requires a bearer token), or have the operator set STACKONE_API_KEY.';

/**
 * What one HTTP request runs with: the operator's deps with the request's own key and account in front of the
 * operator's, for that request only. In sandbox mode the emulator's key stays: a tenant's real key is never sent
 * to it. The bin and the tests both build each request's deps with this.
 */
export function depsForTenant(operator: ServerDeps, tenant: Tenant, options: { sandbox: boolean }): ServerDeps {
  return {
    ...operator,
    apiKey: (options.sandbox ? undefined : tenant.apiKey) ?? operator.apiKey,
    accountId: tenant.accountId ?? operator.accountId,
    missingKeyHint: HTTP_KEY_HINT,
  };
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (key.length > MAX_KEY_LENGTH) return `is longer than ${MAX_KEY_LENGTH} characters`;
  if (!isHeaderToken(key)) return 'contains spaces, control characters or characters outside ASCII';
  return undefined;
}
