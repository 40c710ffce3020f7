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
import { toOAuthError } from './errors.js';
import { publicClient } from './token.js';

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
