import type { AuthorizationServer } from 'oauth4webapi';
import { newState } from './authorize.js';
import type { ResolvedConfig } from './config.js';
import { keepPending, takePending, type PendingStores } from './pending.js';
import { now } from './util.js';

/** Options of `client.logout()`. */
export interface LogoutOptions {
  /** Where the server should send the user afterwards; must be registered there (default: `postLogoutRedirectUri`). */
  returnTo?: string;
  /** Only end the session in this browser, without the redirect to the server's logout (default: false). */
  localOnly?: boolean;
  /** Extra end-session request parameters, e.g. `ui_locales` (default: none). The protocol ones the SDK sets win. */
  params?: Record<string, string>;
}

/**
 * The server's end-session URL (OIDC RP-Initiated Logout), or undefined when it has none.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export function endSessionUrl(as: AuthorizationServer, config: ResolvedConfig, options: LogoutOptions, idToken?: string): URL | undefined {
  if (!as.end_session_endpoint) return undefined;
  const url = new URL(as.end_session_endpoint);
  // Set first, so the protocol parameters below always win.
  for (const [name, value] of Object.entries(options.params ?? {})) url.searchParams.set(name, value);
  // Some servers (Glewlwyd) only send the browser back when the request carries a state.
  url.searchParams.set('state', newState(config));
  url.searchParams.set('client_id', config.clientId);
  if (idToken) url.searchParams.set('id_token_hint', idToken);
  const returnTo = options.returnTo ?? config.postLogoutRedirectUri;
  if (returnTo) url.searchParams.set('post_logout_redirect_uri', new URL(returnTo, location.href).href);
  return url;
}

const isLogout = () => true;

/** Saves the logout's `state`, so that the server's redirect back can be told from a forged one. */
export const keepPendingLogout = (stores: PendingStores, state: string): Promise<void> =>
  keepPending(stores, 'logout', state, { createdAt: now() }, isLogout);

/** Whether `state` is that of a logout this app started and has not seen return yet (then it is forgotten). */
export const takePendingLogout = async (stores: PendingStores, state: string | null): Promise<boolean> =>
  (await takePending(stores, 'logout', state, isLogout)) !== undefined;
