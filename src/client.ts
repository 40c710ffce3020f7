import type { WWWAuthenticateChallengeError } from 'oauth4webapi';
import { beginLogin, type LoginOptions, type PendingStores } from './authorize.js';
import type { UserClaims } from './claims.js';
import { audienceOf, resolveConfig, type OAuthClientOptions } from './config.js';
import { OAuthError, toOAuthError } from './errors.js';
import { createEmitter, type OAuthEventListener } from './events.js';
import { createAuthorizedFetch } from './fetch.js';
import { endSessionUrl, type LogoutOptions } from './logout.js';
import { createRedirectHandler, type RedirectResult } from './redirect.js';
import { createServerContext } from './server.js';
import { createSession } from './session.js';
import { openStore } from './store.js';
import { challengeEvent } from './stepup.js';
import { sameOriginPath } from './util.js';

export type { LogoutOptions } from './logout.js';
export type { RedirectResult } from './redirect.js';

/** A signed-in (or not) client, as `createOAuthClient` returns it. */
export interface Client<Claims extends UserClaims = UserClaims> {
  /** True while there is a session with a valid access token or a refresh token. */
  readonly isAuthenticated: boolean;
  /** The ID token claims of the signed-in user, or null. */
  readonly user: Claims | null;
  /** Navigates to the authorization server's login page. */
  login(options?: LoginOptions): Promise<void>;
  /**
   * Completes a login when `url` is this client's callback; null when it is not (a callback whose
   * `state` another client issued is left alone, address bar included). Called again for the same
   * callback URL in this page, it returns the same result without a second code exchange; with the
   * default URL after the address bar was cleaned (an ordinary page), only while that exchange runs.
   */
  handleRedirect(url?: string): Promise<RedirectResult | null>;
  /**
   * A valid access token; refreshes when needed. With `resource`, the token of the API in `apis`
   * that has that resource (got with the refresh token on first use). Rejects with
   * `login_required` without a session, `invalid_config` for a resource no API has.
   */
  getAccessToken(options?: { resource?: string }): Promise<string>;
  /** Ends the session in every tab, revokes the refresh token, then the server's logout unless `localOnly`. */
  logout(options?: LogoutOptions): Promise<void>;
  /** `fetch` that adds each API origin's token (`apiOrigins`, `apis`), and no token anywhere else. */
  fetch: typeof fetch;
  /** Wraps another `fetch` the same way (default: `globalThis.fetch`). */
  wrapFetch(fetchImpl?: typeof fetch): typeof fetch;
  /** Listens to `login`, `logout`, `refresh`, `error`, `step_up` and `insufficient_scope` events; returns the unsubscribe function. */
  subscribe(listener: OAuthEventListener): () => void;
  /** Closes the tab channel, timers and page listeners; every later call rejects with `client_disposed`. */
  dispose(): void;
}

/**
 * Creates a client and restores its stored session. A returning user whose access token is still
 * valid costs no network request: the server metadata is cached with the session. Outside a
 * browser (server-side rendering) it rejects with `unsupported_environment` and opens nothing.
 * `Claims` adds or narrows claims of `user`, e.g. `createOAuthClient<{ roles: string[] }>()`.
 */
export function createOAuthClient<Claims extends object = UserClaims>(options: OAuthClientOptions): Promise<Client<UserClaims & Claims>> {
  if (typeof document === 'undefined') {
    const rejected = Promise.reject(
      new OAuthError('unsupported_environment', 'create the client in the browser (e.g. in an effect), not during server-side rendering'),
    );
    // A server render creates the client at module scope and never awaits it: that is no crash.
    rejected.catch(() => undefined);
    return rejected;
  }
  // The claims are whatever the server signed; the app states what it expects of them.
  return create(options) as Promise<Client<UserClaims & Claims>>;
}

async function create(options: OAuthClientOptions): Promise<Client> {
  const config = resolveConfig(options);
  // Captured now, before the app may replace globalThis.fetch with a wrapped one.
  const baseFetch: typeof fetch = globalThis.fetch.bind(globalThis);
  const emitter = createEmitter();
  let disposed = false;
  // Deferred so that a listener subscribed right after creation still hears it.
  const reportUnavailable = (error: OAuthError) => setTimeout(() => disposed || emitter.emit({ type: 'error', error }));
  // Pending logins, server metadata and the DPoP key must survive the login redirect even with
  // storage 'memory'; without IndexedDB, the pending login waits in this tab's sessionStorage.
  const durable = openStore('indexeddb', config.namespace, reportUnavailable);
  const store = config.storage === 'memory' ? openStore('memory', config.namespace) : durable;
  const pending: PendingStores = { durable, tab: openStore('tab', config.namespace) };

  const server = createServerContext(config, durable, baseFetch);
  // Another tab's logout replaces the key pair, so forget the one held here.
  emitter.subscribe((event) => {
    if (event.type === 'logout') void server.forgetDpopKey(false);
  });
  const session = createSession({ config, store, emitter, server });
  await Promise.all([server.restore(), session.restore()]);
  const handleRedirect = createRedirectHandler({ config, server, session, pending });

  const live = () => {
    if (disposed) throw new OAuthError('client_disposed', 'this client was disposed; create a new one');
  };

  const tokenSource = {
    async getAccessToken(origin: string) {
      live();
      return session.getAccessToken(config.audiences.get(origin));
    },
    async renewAfterRejection(rejected: string, origin: string) {
      live();
      return session.renewAfterRejection(rejected, origin, config.audiences.get(origin));
    },
    dpop: () => server.dpop(),
    challenged(challenge: WWWAuthenticateChallengeError, url: URL) {
      const event = challengeEvent(challenge, url.href);
      if (event) emitter.emit(event);
    },
  };
  const wrapFetch = (fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) =>
    createAuthorizedFetch(config.apiOrigins, tokenSource, fetchImpl);

  return {
    get isAuthenticated() {
      return session.isAuthenticated;
    },
    get user() {
      return session.user;
    },

    async login(loginOptions: LoginOptions = {}) {
      live();
      const as = await server.metadata();
      const handle = await server.dpop(true);
      const url = await beginLogin(as, config, pending, {
        ...loginOptions,
        returnTo: sameOriginPath(loginOptions.returnTo ?? location.pathname + location.search + location.hash, location.origin),
        // A key that cannot outlive the redirect (no IndexedDB) is not named: the callback binds
        // the tokens to a key of its own, and the code stays protected by PKCE.
        dpopJkt: server.dpopKeyKept ? await handle?.calculateThumbprint() : undefined,
        transport: server.transport,
        // A pushed request names the same key with its proof (RFC 9449 section 10.1).
        dpop: server.dpopKeyKept ? handle : undefined,
      });
      location.assign(url.href);
    },

    async handleRedirect(href?: string) {
      live();
      return handleRedirect(href);
    },

    async getAccessToken(tokenOptions: { resource?: string } = {}) {
      live();
      return (await session.getAccessToken(audienceOf(config, tokenOptions.resource))).token;
    },

    async logout(logoutOptions: LogoutOptions = {}) {
      live();
      const { idToken } = await session.end('user');
      await server.forgetDpopKey(true);
      if (logoutOptions.localOnly) return;
      let url: URL | undefined;
      try {
        url = endSessionUrl(await server.metadata(), config, logoutOptions, idToken);
      } catch (err) {
        emitter.emit({ type: 'error', error: toOAuthError(err, 'the logout redirect') });
        return;
      }
      if (url) location.assign(url.href);
    },

    fetch: wrapFetch(baseFetch),
    wrapFetch,
    subscribe: (listener) => emitter.subscribe(listener),
    dispose() {
      disposed = true;
      session.dispose();
    },
  };
}
