import { computed, inject, shallowRef, type App, type ComputedRef, type InjectionKey, type Plugin, type ShallowRef } from 'vue';
import { createAuthStore, type AuthActions, type AuthState, type AuthStore, type ClientInput } from './auth-store.js';
import { OAuthError, type UserClaims } from './index.js';

export type { AuthActions, AuthState, AuthStatus, ClientInput } from './auth-store.js';

/** Options of {@link createOAuthPlugin}. */
export interface OAuthPluginOptions {
  /**
   * Called with the `returnTo` path after a login callback (default: `router.replace()` with
   * vue-router installed, else `history.replaceState`).
   */
  onRedirect?: (returnTo: string) => void;
}

/** What {@link useOAuth} returns: read-only refs of the state, and the client's methods. */
export type UseOAuthResult<Claims extends object = UserClaims> = {
  readonly [K in keyof AuthState<Claims>]: ComputedRef<AuthState<Claims>[K]>;
} & AuthActions;

/** The part of vue-router the plugin uses, so that vue-router stays optional. */
interface RouterLike {
  options: { history: { base: string } };
  replace(to: string): unknown;
}

interface Installed {
  store: AuthStore<object>;
  state: ShallowRef<AuthState<object>>;
  router(): RouterLike | undefined;
}

const KEY: InjectionKey<Installed> = Symbol('spa-oauth');

function installed(caller: string): Installed {
  const found = inject(KEY, null);
  if (!found) {
    throw new OAuthError('missing_provider', `${caller} found no OAuth plugin; call app.use(createOAuthPlugin(client)) before mounting the app (and before the router)`);
  }
  return found;
}

/**
 * The vue-router path of `returnTo`, a whole path: without the router's base ('/app' or '/app/#')
 * when it starts with that base as whole path segments ('/app' is no base of '/apple').
 */
function routerPath(returnTo: string, base: string): string {
  if (!returnTo.startsWith(base)) return returnTo;
  const rest = returnTo.slice(base.length);
  if (!/[/#]$/.test(base) && rest !== '' && !/^[/?#]/.test(rest)) return returnTo;
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * `app.use(createOAuthPlugin(clientOrPromise))`: handles the login callback once the app is
 * installed in a browser, then follows the client's events, for {@link useOAuth} and
 * {@link authGuard}.
 */
export function createOAuthPlugin<Claims extends object = UserClaims>(client: ClientInput<Claims>, options: OAuthPluginOptions = {}): Plugin {
  return {
    install(app: App) {
      const router = () => app.config.globalProperties.$router as RouterLike | undefined;
      const store = createAuthStore(client, (returnTo) => {
        if (options.onRedirect) return options.onRedirect(returnTo);
        const found = router();
        if (!found) return history.replaceState(history.state, '', returnTo);
        void found.replace(routerPath(returnTo, found.options.history.base));
      }) as AuthStore<object>;
      const state = shallowRef(store.get());
      // A server-side render stays 'loading' and starts nothing.
      if (typeof document !== 'undefined') app.onUnmount(store.subscribe(() => (state.value = store.get())));
      app.provide(KEY, { store, state, router });
    },
  };
}

/** The signed-in state as read-only refs, and the client's methods; in `setup()` of a component. */
export function useOAuth<Claims extends object = UserClaims>(): UseOAuthResult<Claims> {
  const { store, state } = installed('useOAuth()');
  const current = state as ShallowRef<AuthState<Claims>>;
  return {
    status: computed(() => current.value.status),
    user: computed(() => current.value.user),
    error: computed(() => current.value.error),
    ...store.actions,
  };
}

/**
 * A vue-router navigation guard: waits for the login callback to be handled, lets the
 * navigation through when signed in, else starts `login()` with `returnTo` the target route and
 * cancels it. It cancels without a login while the app is already leaving (its own `login()`, or
 * `logout()` towards the server) and after a failed login (until one succeeds); other errors do not stop it.
 * `router.beforeEach(authGuard)`, or `(to) => to.meta.public || authGuard(to)`.
 */
export async function authGuard(to: { fullPath: string }): Promise<boolean> {
  const { store, router } = installed('authGuard');
  let state = store.get();
  if (state.status === 'loading') {
    state = await new Promise<AuthState<object>>((resolve) => {
      const stop = store.subscribe(() => {
        if (store.get().status === 'loading') return;
        stop();
        resolve(store.get());
      });
    });
  }
  if (state.status === 'signed-in') return true;
  if (store.mayLogin()) {
    // A failure is in `error` already (the action puts it there).
    await store.actions.login({ returnTo: (router()?.options.history.base ?? '') + to.fullPath }).catch(() => undefined);
  }
  return false;
}
