import type { WWWAuthenticateChallengeError } from 'oauth4webapi';
import type { UserClaims } from './claims.js';
import { OAuthError } from './errors.js';
import type { OAuthEvent } from './events.js';

/**
 * The event an API's challenge calls for: `step_up` for `insufficient_user_authentication`
 * (with its `acr_values` and `max_age`), `insufficient_scope` (with its `scope`); otherwise none.
 * The challenges arrive parsed by oauth4webapi, parameter names lower-cased.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9470.html#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1
 */
export function challengeEvent(challenge: WWWAuthenticateChallengeError, url: string): OAuthEvent | undefined {
  for (const { parameters } of challenge.cause) {
    if (parameters.error === 'insufficient_user_authentication') {
      const maxAge = parameters.max_age;
      return {
        type: 'step_up',
        url,
        acrValues: parameters.acr_values || undefined,
        maxAge: maxAge && /^\d+$/.test(maxAge) ? Number(maxAge) : undefined,
      };
    }
    if (parameters.error === 'insufficient_scope') return { type: 'insufficient_scope', url, scope: parameters.scope || undefined };
  }
  return undefined;
}

/**
 * Refuses an ID token whose `acr` is not one of the `acr_values` the login asked for: the server
 * may ignore the request, and the user can edit it out of the authorization URL.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export function checkAcr(claims: UserClaims | undefined, acrValues: string | undefined): void {
  if (acrValues === undefined) return;
  const acr = claims?.acr;
  if (typeof acr === 'string' && acrValues.split(' ').includes(acr)) return;
  throw new OAuthError(
    'invalid_response',
    `the ID token's "acr" is ${typeof acr === 'string' ? `"${acr}"` : 'missing'}, not one of the requested acr_values "${acrValues}"; the user did not authenticate as asked, start the login again with login({ acrValues })`,
  );
}
