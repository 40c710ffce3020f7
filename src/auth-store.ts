import type { Client, LoginOptions, LogoutOptions, OAuthError, PopupLoginOptions, RestoreSessionOptions, UserClaims } from './index.js';

/** `'loading'` until the client exists and any login callback is handled; then signed in or out. */
export type AuthStatus = 'loading' | 'signed-in' | 'signed-out';

/** A client, or the promise `createOAuthClient()` returns. */
export type ClientInput<Claims extends object = UserClaims> = Client<UserClaims & Claims> | Promise<Client<UserClaims & Claims>>;

/** What the framework adapters show of a client. */
export interface AuthState<Claims extends object = UserClaims> {
  status: AuthStatus;
  /** The ID token claims of the signed-in user, or null. */
  user: (UserClaims & Claims) | null;
  /** The last failure: creating the client, the login callback, a login the adapter started, or an `error` event. */
  error: OAuthError | null;
}

/** The client's methods, usable before the client promise has settled. */
export interface AuthActions {
  login(options?: LoginOptions): Promise<void>;
  /** The popup login: the page stays; call it from a click. */
  loginWithPopup(options?: PopupLoginOptions): Promise<void>;
  /** Asks the server whether the user is still signed in there; `false` when not. */
  restoreSession(options?: RestoreSessionOptions): Promise<boolean>;
  logout(options?: LogoutOptions): Promise<void>;
  getAccessToken(): Promise<string>;
  fetch: typeof fetch;
}

/** The state every adapter renders before the client is ready, and on the server. */
export const LOADING: AuthState<never> = { status: 'loading', user: null, error: null };

/**
 * An external store over one client, shared by the React and Vue adapters. The first subscriber
 * starts it (resolve the client, handle the login callback once, then follow `subscribe()`
 * events); the last one to leave stops it. Creating it touches nothing.
 */
export function createAuthStore<Claims extends object>(input: ClientInput<Claims>, onRedirect: (returnTo: string) => void) {
  const client = Promise.resolve(input);
  const listeners = new Set<() => void>();
  let state: AuthState<Claims> = LOADING;
  let stop = () => {};

  function set(next: Partial<AuthState<Claims>>) {
    state = { ...state, ...next };
    for (const listener of [...listeners]) listener();
  }

  function start() {
    let live = true;
    let unsubscribe = () => {};
    stop = () => {
      live = false;
      unsubscribe();
    };
    client.then(
      async (c) => {
        if (!live) return;
        const sync = () => set({ status: c.isAuthenticated ? 'signed-in' : 'signed-out', user: c.user });
        unsubscribe = c.subscribe((event) => {
          // A background error (a refresh during a network blip, storage) is shown, but only a
          // failed login stops the guards.
          if (event.type === 'error') return set({ error: event.error });
          if (event.type === 'login') {
            loginFailed = false;
            state = { ...state, error: null };
          }
          // While loading, the callback's own login event must not show the callback page signed in.
          if (state.status !== 'loading') sync();
        });
        try {
          const result = await c.handleRedirect();
          if (live && result) onRedirect(result.returnTo);
        } catch (error) {
          if (live) {
            loginFailed = true;
            state = { ...state, error: error as OAuthError };
          }
        }
        if (live) sync();
      },
      (error: OAuthError) => live && set({ status: 'signed-out', error }),
    );
  }

  // True once the app called login(), or logout() towards the server: the page is leaving, so a
  // guard seeing 'signed-out' must not start a login that races the app's own navigation.
  let leaving = false;
  // True after a login failed (its callback, or login() itself), until a login succeeds: a guard
  // starting another one could loop against a server that keeps refusing.
  let loginFailed = false;

  /**
   * An action of the client for the app: its failure also lands in `error` (a login's also stops
   * the guards), and it still rejects for a caller that awaits it. `login` marks a login.
   */
  function action<A extends unknown[], R>(run: (c: Client<UserClaims & Claims>, ...args: A) => Promise<R>, login = false) {
    return (...args: A): Promise<R> =>
      client.then((c) => run(c, ...args)).catch((error: OAuthError) => {
        leaving = false;
        loginFailed ||= login;
        set({ error });
        throw error;
      });
  }

  const login = action((c, options?: LoginOptions) => c.login(options), true);
  const logout = action((c, options?: LogoutOptions) => c.logout(options));
  const actions: AuthActions = {
    login(options) {
      leaving = true;
      return login(options);
    },
    // The popup opens in the click's task: the client is already resolved by the time a user clicks.
    loginWithPopup: action((c, options?: PopupLoginOptions) => c.loginWithPopup(options), true),
    restoreSession: action((c, options?: RestoreSessionOptions) => c.restoreSession(options)),
    logout(options) {
      leaving ||= !options?.localOnly;
      return logout(options);
    },
    getAccessToken: () => client.then((c) => c.getAccessToken()),
    fetch: (resource, init) => client.then((c) => c.fetch(resource, init)),
  };

  return {
    get: (): AuthState<Claims> => state,
    /** True while a guard may start a login: signed out, no failed login, no navigation under way. */
    mayLogin: () => state.status === 'signed-out' && !loginFailed && !leaving,
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      if (listeners.size === 1) start();
      return () => {
        if (listeners.delete(listener) && !listeners.size) stop();
      };
    },
    actions,
    action,
  };
}

/** The store of one provider or plugin. */
export type AuthStore<Claims extends object = UserClaims> = ReturnType<typeof createAuthStore<Claims>>;
