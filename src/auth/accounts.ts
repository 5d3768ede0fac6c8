/**
 * Which StackOne account one call runs on: a pure function of the token's linked account, the call's argument and
 * the operator's default. Its own module, without jose, so a stdio run or an HTTP run without OAuth never loads the
 * token verifier to answer a call (docs/PERFORMANCE.md: cold start).
 */
import { CredentialError } from '../errors.js';

/**
 * The account a call uses. With a token that names one, that account, and a call's `account_id` for any other is
 * refused (a tool argument is the model's to choose, the token is the identity provider's). Signed in with no linked
 * account (no MCP_OAUTH_ACCOUNT_CLAIM), every call runs on the operator's key, so an `account_id` may name only the
 * server's default, unless the operator allows more (`allowed`, STACKONE_ALLOWED_ACCOUNT_IDS). Otherwise (stdio,
 * MCP_AUTH_TOKEN, tenants) the argument, then the default. The allowed list is checked after this, as ever.
 */
export function accountForCall(
  tokenAccount: string | undefined,
  requested: unknown,
  fallback: string | undefined,
  signedIn: { allowed: readonly string[] } | undefined = undefined,
): string | undefined {
  const asked = typeof requested === 'string' && requested !== '' ? requested : undefined;
  if (tokenAccount === undefined) {
    const account = asked ?? fallback;
    if (signedIn && signedIn.allowed.length === 0 && account !== undefined && account !== fallback) {
      throw new CredentialError(
        `Account ${JSON.stringify(account)} is not served to signed-in users here: this server serves ${fallback ? JSON.stringify(fallback) : 'no account by default'}. Leave account_id out, or ask the operator to link accounts (MCP_OAUTH_ACCOUNT_CLAIM) or allow more (STACKONE_ALLOWED_ACCOUNT_IDS). Nothing was sent.`,
      );
    }
    return account;
  }
  if (asked !== undefined && asked !== tokenAccount) {
    throw new CredentialError(
      `Your sign-in is linked to StackOne account ${JSON.stringify(tokenAccount)}; account_id ${JSON.stringify(asked)} is not yours to use. Leave account_id out. Nothing was sent.`,
    );
  }
  return tokenAccount;
}
