import {
  isDPoPNonceError,
  None,
  processPushedAuthorizationResponse,
  pushedAuthorizationRequest,
  type AuthorizationServer,
  type DPoPHandle,
} from 'oauth4webapi';
import type { ResolvedConfig } from './config.js';
import { requestOptions, type Transport } from './discovery.js';
import { OAuthError, toOAuthError } from './errors.js';
import { publicClient } from './token.js';

/**
 * Whether the login pushes its parameters first: as the server requires by default, always with
 * `par: true`, never with `par: false`. `invalid_config` when the choice cannot work with this server.
 */
export function usesPar(as: AuthorizationServer, config: ResolvedConfig): boolean {
  const required = as.require_pushed_authorization_requests === true;
  if (config.par === false && required) {
    throw new OAuthError('invalid_config', `option "par" is false, but ${as.issuer} requires pushed authorization requests; remove "par: false"`);
  }
  if (config.par && !as.pushed_authorization_request_endpoint) {
    throw new OAuthError('invalid_config', `option "par" is true, but ${as.issuer} has no "pushed_authorization_request_endpoint"; remove "par: true" or enable PAR at the server`);
  }
  return config.par ?? required;
}

/**
 * Pushes the authorization request's parameters (with a DPoP proof when `dpop` is given, retried
 * once for a fresh nonce) and returns the URL the browser goes to: the authorization endpoint
 * with only `client_id` and the `request_uri` the server gave.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126.html#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-10.1
 */
export async function pushAuthorizationRequest(
  as: AuthorizationServer,
  config: ResolvedConfig,
  transport: Transport,
  params: URLSearchParams,
  dpop?: DPoPHandle,
): Promise<URL> {
  const client = publicClient(config.clientId, transport);
  const options = { ...requestOptions(config.issuer, transport), DPoP: dpop };
  const push = async () => processPushedAuthorizationResponse(as, client, await pushedAuthorizationRequest(as, client, None(), params, options));
  let requestUri: string;
  try {
    ({ request_uri: requestUri } = await push().catch((err) => {
      if (dpop && isDPoPNonceError(err)) return push();
      throw err;
    }));
  } catch (err) {
    throw toOAuthError(err, `the pushed authorization request to ${as.pushed_authorization_request_endpoint}`);
  }
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('request_uri', requestUri);
  return url;
}
