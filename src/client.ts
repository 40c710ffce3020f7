import type { WWWAuthenticateChallengeError } from 'oauth4webapi';
import { beginLogin, loadStateTag, type LoginOptions } from './authorize.js';
import type { UserClaims } from './claims.js';
import { audienceOf, resolveConfig, type OAuthClientOptions } from './config.js';
import { OAuthError, toOAuthError } from './errors.js';
import { createEmitter, type OAuthEventListener } from './events.js';
import { createAuthorizedFetch } from './fetch.js';
import { endSessionUrl, keepPendingLogout, type LogoutOptions } from './logout.js';
import type { PopupLoginOptions } from './popup.js';
import type { PendingStores } from './pending.js';
import { createRedirectHandler, type RedirectResult } from './redirect.js';
import type { SigninDeps, SigninMode } from './relay.js';
import { createServerContext } from './server.js';
import { createSession } from './session.js';
import type { RestoreSessionOptions } from './silent.js';
import { openStore } from './store.js';
import { challengeEvent } from './stepup.js';
import { silentRedirectFlag, warmLocks } from './tabs.js';
import { sameOriginPath } from './util.js';

export type { LogoutOptions } from './logout.js';
export type { PopupLoginOptions } from './popup.js';
export type { RedirectResult } from './redirect.js';
export type { RestoreSessionOptions } from './silent.js';

/** A signed-in (or not) client, as `createOAuthClient` returns it. */
export interface Client<Claims extends UserClaims = UserClaims> {
  /** True while there is a session with a valid access token or a refresh token. */
  readonly isAuthenticated: boolean;
  /** The ID token claims of the signed-in user, or null. */
  readonly user: Claims | null;
  /** Navigates to the authorization server's login page (through the `navigate` option when given). */
  login(options?: LoginOptions): Promise<void>;
  /**
   * Logs in in a popup; call it from a click (the popup opens before anything is awaited).
   * Resolves once this page is signed in; this page never navigates. Rejects with
   * `popup_blocked`, `popup_closed`, `popup_timeout`, `aborted` or the server's error
   * (`access_denied`, ...); the page stays usable and a second call may succeed.
   * The popup's page is `redirectUri`, whose own `handleRedirect()` completes the login and
   * closes it. Needs `storage: 'indexeddb'` (the default).
   */
  loginWithPopup(options?: PopupLoginOptions): Promise<void>;
  /**
   * For a page with no local session: asks the server with `prompt=none` whether the user is
   * still signed in there. True once signed in here (every tab learns of it); false when the
   * server answers `login_required` (or `interaction_required`, `consent_required`,
   * `account_selection_required`) or the iframe times out. A silent redirect leaves the page
   * (at most once per tab until a login): the callback's `handleRedirect()` resolves
   * `{ returnTo }` when signed in, null when not.
   */
  restoreSession(options?: RestoreSessionOptions): Promise<boolean>;
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
  let created: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (created = resolve));
  // Held until createOAuthClient() has answered, then one task more, so that a listener subscribed
  // right after creation still hears it (start-up can outlast a task: Firefox hashes off-thread).
  const reportUnavailable = (error: OAuthError) =>
    void answered.then(() => setTimeout(() => disposed || emitter.emit({ type: 'error', error })));
  // Pending logins, server metadata and the DPoP key must survive the login redirect even with
  // storage 'memory'; without IndexedDB, the pending login waits in this tab's sessionStorage.
  const durable = openStore('indexeddb', config.namespace, reportUnavailable, () => void answeredLate());
  const store = config.storage === 'memory' ? openStore('memory', config.namespace) : durable;
  const pending: PendingStores = { durable, tab: openStore('tab', config.namespace) };

  const server = createServerContext(config, durable, baseFetch);
  // Another tab's logout replaces the key pair, so forget the one held here.
  emitter.subscribe((event) => {
    if (event.type === 'logout') void server.forgetDpopKey(false);
  });
  const session = createSession({ config, store, emitter, server });
  // IndexedDB was slow, not broken: what it kept (the session, the DPoP key) counts again.
  async function answeredLate() {
    if (disposed) return;
    const keptOwn = store === durable && (await session.reload().catch(() => false));
    if (!keptOwn) await server.forgetDpopKey(false);
  }
  warmLocks();
  await Promise.all([server.restore(), session.restore(), loadStateTag(config)]);
  const handleRedirect = createRedirectHandler({ config, server, session, pending });
  const silentRedirect = silentRedirectFlag(config.namespace);
  // A login (or a session restored) gives the tab its silent redirect back.
  emitter.subscribe((event) => {
    if (event.type === 'login') silentRedirect.clear();
  });
  const navigate = (url: URL, kind: 'login' | 'logout') => (config.navigate ? config.navigate(url.href, kind) : location.assign(url.href));

  async function authorizationUrl(loginOptions: LoginOptions, mode?: SigninMode): Promise<URL> {
    const as = await server.metadata();
    await server.prepareLogin();
    const handle = await server.dpop(true);
    return beginLogin(as, config, pending, {
      ...loginOptions,
      mode,
      returnTo: sameOriginPath(loginOptions.returnTo ?? location.pathname + location.search + location.hash, location.origin),
      // A key that cannot outlive the redirect (no IndexedDB) is not named: the callback binds
      // the tokens to a key of its own, and the code stays protected by PKCE.
      dpopJkt: server.dpopKeyKept ? await handle?.calculateThumbprint() : undefined,
      transport: server.transport,
      // A pushed request names the same key with its proof (RFC 9449 section 10.1).
      dpop: server.dpopKeyKept ? handle : undefined,
    });
  }
  const signin: SigninDeps = { config, durable, pending, session, server, authorizationUrl };


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
  const toldOrigins = new Set<string>();
  const unlisted = (origin: string) => {
    if (toldOrigins.has(origin)) return;
    toldOrigins.add(origin);
    emitter.emit({
      type: 'error',
      error: new OAuthError(
        'api_origin_not_listed',
        `${origin} answered 401 to a request sent without a token: it is in neither "apiOrigins" nor "apis"; add "${origin}" to one of them if that API expects this app's access token`,
        { status: 401 },
      ),
    });
  };
  const wrapFetch = (fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)) =>
    createAuthorizedFetch(config.apiOrigins, tokenSource, fetchImpl, unlisted);

  created();
  return {
    get isAuthenticated() {
      return session.isAuthenticated;
    },
    get user() {
      return session.user;
    },

    async login(loginOptions: LoginOptions = {}) {
      live();
      await navigate(await authorizationUrl(loginOptions), 'login');
    },

    async loginWithPopup(popupOptions?: PopupLoginOptions) {
      // about:blank now, before any await, while the click's user activation lasts (iOS Safari
      // allows none); the server's URL once it is built.
      const popup = disposed ? null : open('about:blank', 'spa-oauth-login', 'popup,width=500,height=650');
      live();
      return (await import('./popup.js')).loginInPopup(signin, popup, popupOptions);
    },

    async restoreSession(restoreOptions?: RestoreSessionOptions) {
      live();
      return (await import('./silent.js')).restoreSession(signin, restoreOptions);
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
      if (!url) return;
      // Without a place to keep it, its return reads as forged (state_mismatch); the logout goes on.
      await keepPendingLogout(pending, url.searchParams.get('state')!).catch((err) => emitter.emit({ type: 'error', error: toOAuthError(err, 'the logout redirect') }));
      await navigate(url, 'logout');
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
