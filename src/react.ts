'use client';
import { createContext, createElement, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactElement, type ReactNode } from 'react';
import { createAuthStore, LOADING, type AuthActions, type AuthState, type AuthStore, type ClientInput } from './auth-store.js';
import { OAuthError, type UserClaims } from './index.js';

export type { AuthActions, AuthState, AuthStatus, ClientInput } from './auth-store.js';

/** Props of {@link OAuthProvider}. */
export interface OAuthProviderProps<Claims extends object = UserClaims> {
  /** The client, or the promise `createOAuthClient()` returns; created once by the app, at module scope. */
  client: ClientInput<Claims>;
  /**
   * Called with the `returnTo` path after a login callback (default: `history.replaceState` to it,
   * then a `popstate` event, so a router that follows the address bar renders that page).
   */
  onRedirect?: (returnTo: string) => void;
  children?: ReactNode;
}

/** What {@link useOAuth} returns: the state, kept current, and the client's methods. */
export type UseOAuthResult<Claims extends object = UserClaims> = AuthState<Claims> & AuthActions;

const Context = createContext<AuthStore<object> | null>(null);

const serverState = () => LOADING;

// A router renders from its own copy of the location and never sees a replaceState; popstate is
// what it listens to, so the page it renders follows the address bar (issue 22: /profile shown as Home).
function replaceAndTell(path: string) {
  history.replaceState(history.state, '', path);
  dispatchEvent(new PopStateEvent('popstate', { state: history.state }));
}

/**
 * Gives its children {@link useOAuth}: handles the login callback once (React StrictMode
 * included), then follows the client's events. Renders `status: 'loading'` on the server.
 */
export function OAuthProvider<Claims extends object = UserClaims>({ client, onRedirect, children }: OAuthProviderProps<Claims>): ReactElement {
  const redirect = useRef(onRedirect);
  useEffect(() => {
    redirect.current = onRedirect;
  });
  const [store] = useState(() =>
    createAuthStore(client, (returnTo) =>
      (redirect.current ?? replaceAndTell)(returnTo),
    ),
  );
  // Subscribing starts the store even when no child reads it yet.
  useEffect(() => store.subscribe(() => {}), [store]);
  return createElement(Context.Provider, { value: store as AuthStore<object> }, children);
}

/** The signed-in state and the client's methods, inside an {@link OAuthProvider}. */
export function useOAuth<Claims extends object = UserClaims>(): UseOAuthResult<Claims> {
  const store = useContext(Context) as AuthStore<Claims> | null;
  if (!store) {
    throw new OAuthError('missing_provider', 'useOAuth() was called outside <OAuthProvider>; wrap the app in <OAuthProvider client={...}>');
  }
  const state = useSyncExternalStore(store.subscribe, store.get, serverState);
  return { ...state, ...store.actions };
}

/** Props of {@link RequireAuth}. */
export interface RequireAuthProps {
  children?: ReactNode;
  /** Rendered while loading or while the login starts (default: nothing). */
  fallback?: ReactNode;
}

/**
 * Renders its children when signed in, `fallback` otherwise, and starts `login()` back to the
 * current path when signed out. It starts none while the app is already leaving (its own
 * `login()`, or `logout()` towards the server), nor after a login failed (until one succeeds), so
 * a server that keeps refusing cannot cause a redirect loop. Other errors do not stop it.
 */
export function RequireAuth({ children, fallback = null }: RequireAuthProps): ReactNode {
  const store = useContext(Context);
  const { status, error, login } = useOAuth();
  useEffect(() => {
    // A failure is in `error` already (the action puts it there).
    if (store!.mayLogin()) login({ returnTo: location.pathname + location.search + location.hash }).catch(() => undefined);
  }, [status, error, login, store]);
  return status === 'signed-in' ? children : fallback;
}
