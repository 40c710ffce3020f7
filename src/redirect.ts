import { completeLogin, readCallback, readLogoutReturn, takePendingLogin } from './authorize.js';
import { observeServerTime } from './clock.js';
import type { ResolvedConfig } from './config.js';
import { OAuthError } from './errors.js';
import { takePendingLogout } from './logout.js';
import type { PendingStores } from './pending.js';
import type { ServerContext } from './server.js';
import type { SessionManager } from './session.js';
import { sameOriginPath } from './util.js';

/** What `handleRedirect()` returns after a login callback (after the server's logout it returns null). */
export interface RedirectResult {
  /** The same-origin path `login()` was asked to return to. */
  returnTo: string;
}

/** What the callback handling needs from the client that wires it. */
export interface RedirectDeps {
  config: ResolvedConfig;
  server: ServerContext;
  session: SessionManager;
  pending: PendingStores;
}

const CALLBACK_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'session_state'];

/** Removes the callback parameters from the address bar when it shows `url`; returns the clean URL. */
function cleanAddressBar(url: URL): string | undefined {
  if (url.href !== location.href) return;
  const clean = new URL(url);
  for (const name of CALLBACK_PARAMS) clean.searchParams.delete(name);
  history.replaceState(history.state, '', clean.href);
  return clean.href;
}

/**
 * `handleRedirect()`: completes a login when the URL is this client's callback (one code
 * exchange, however often it is called for that callback in this page), null otherwise.
 */
export function createRedirectHandler(deps: RedirectDeps) {
  const { config, server, session, pending } = deps;
  // Each callback (or logout return) this page handled, by its URL, so that the same callback
  // handled again shares the first one's result and code exchange. The cleaned URL is an ordinary page (often the
  // home page): it shares the result only while the exchange runs (a second mount calling with
  // the default URL), never after it, when a logout or another mount may have happened.
  const redirects = new Map<string, Promise<RedirectResult | null>>();

  async function complete(params: URLSearchParams): Promise<RedirectResult | null> {
    const state = params.get('state');
    const tx = await takePendingLogin(pending, state);
    if (!tx) {
      // The same callback URL again (reload, back button) after it already signed the user in.
      if (state !== null && session.isAuthenticated && session.origin.loginState === state) {
        return { returnTo: sameOriginPath(session.origin.returnTo, location.origin) };
      }
      throw new OAuthError(
        'state_mismatch',
        'the "state" in the callback URL does not match a login started by this app; start the login again with login()',
      );
    }
    const exchange = async () => {
      const as = await server.metadata();
      const tokens = await completeLogin(as, config, server.transport, params, tx, await server.dpop(true), server.retakeClock, await server.idTokenCheck());
      // The ID token was minted just now: its iat is the server's clock, readable even when CORS hides Date.
      // Without DPoP an estimate that did not move is not worth a write the session's would wait for:
      // every ID token is checked against the clock again, and a refused one retried with its iat.
      const skew = server.clock.skew;
      if (observeServerTime(server.clock, tokens.claims?.iat) && (config.dpop || server.clock.skew !== skew)) void server.saveMetadata();
      return tokens;
    };
    const finish = async (): Promise<RedirectResult> => {
      const returnTo = sameOriginPath(tx.returnTo, location.origin);
      await session.start(exchange(), { loginState: state!, returnTo });
      return { returnTo };
    };
    if (!tx.mode) return finish();
    // Popup and silent logins are loaded only by the callbacks that need them.
    const { finishSignin } = await import('./relay.js');
    return finishSignin(tx.mode, state!, finish, pending.durable, config.namespace);
  }

  // The server's logout sending the browser back: nothing to do but check it is ours.
  async function returnFromLogout(state: string | null): Promise<null> {
    if (await takePendingLogout(pending, state)) return null;
    throw new OAuthError(
      'state_mismatch',
      'the "state" in this URL does not match a logout started by this app (a forged or replayed logout return); nothing was done. Start a logout with logout()',
    );
  }

  return async function handleRedirect(href: string = location.href): Promise<RedirectResult | null> {
    const url = new URL(href, location.href);
    const known = redirects.get(url.href);
    if (known) return known;
    const params = readCallback(url, config) ?? readLogoutReturn(url, config);
    if (!params) return null;
    // A lone state is the server's logout sending the browser back, not a login callback.
    const result = params.has('code') || params.has('error') ? complete(params) : returnFromLogout(params.get('state'));
    redirects.set(url.href, result);
    const clean = cleanAddressBar(url);
    if (clean && clean !== url.href) {
      redirects.set(clean, result);
      const forget = () => redirects.get(clean) === result && redirects.delete(clean);
      result.then(forget, forget);
    }
    return result;
  };
}
