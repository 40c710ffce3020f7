import { takePendingLogin } from './authorize.js';
import { OAuthError } from './errors.js';
import { awaitSignin, NOT_SIGNED_IN, type SigninDeps } from './relay.js';
import { silentRedirectFlag } from './tabs.js';

/** Options of `client.restoreSession()`. */
export interface RestoreSessionOptions {
  /**
   * `'iframe'`: a hidden iframe, the page stays; `'redirect'`: a top-level `prompt=none`
   * navigation; `'auto'`: the iframe when the server is same-site with the page, else the
   * redirect, since browsers that block third-party cookies starve a cross-site iframe (default: `'auto'`).
   */
  mode?: 'auto' | 'iframe' | 'redirect';
  /** How long the iframe may take before the answer is `false`, in ms (default: 10000). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Same site as far as cookies go: same scheme and registrable domain, approximated by the last
 * two labels of the host; an IP address or a single-label host (`localhost`) must match exactly.
 */
export function isSameSite(a: URL, b: URL): boolean {
  const site = (host: string) => (/^[\d.]+$|^\[|^[^.]+$/.test(host) ? host : host.split('.').slice(-2).join('.'));
  return a.protocol === b.protocol && site(a.hostname) === site(b.hostname);
}

/**
 * Asks the server with `prompt=none` whether the user is still signed in there. True once this
 * page holds the session; false when the server says not signed in or the iframe timed out.
 * A silent redirect leaves the page: the answer comes from `handleRedirect()` on the callback.
 */
export async function restoreSession(deps: SigninDeps, options: RestoreSessionOptions = {}): Promise<boolean> {
  const { mode = 'auto', timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  if (mode !== 'auto' && mode !== 'iframe' && mode !== 'redirect') {
    throw new OAuthError('invalid_config', `restoreSession({ mode }) must be "auto", "iframe" or "redirect", got "${String(mode)}"`);
  }
  if (deps.session.isAuthenticated) return true;
  const returnTo = location.pathname + location.search + location.hash;
  const iframe =
    mode === 'iframe' || (mode === 'auto' && isSameSite(new URL((await deps.server.metadata()).authorization_endpoint!), new URL(location.href)));
  if (!iframe) return silentRedirect(deps, returnTo);

  const url = await deps.authorizationUrl({ prompt: 'none', returnTo }, 'iframe');
  const state = url.searchParams.get('state')!;
  const frame = document.createElement('iframe');
  frame.style.display = 'none';
  frame.title = 'silent sign-in';
  frame.src = url.href;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(new OAuthError('login_required', `no answer from the silent sign-in within ${timeoutMs} ms`)), timeoutMs);
  document.body.append(frame);
  try {
    await awaitSignin(deps, state, () => undefined, stop.signal);
    return true;
  } catch (err) {
    if (!NOT_SIGNED_IN.has((err as OAuthError).code)) throw err;
    await takePendingLogin(deps.pending, state).catch(() => undefined);
    return false;
  } finally {
    clearTimeout(timer);
    frame.remove();
  }
}

async function silentRedirect(deps: SigninDeps, returnTo: string): Promise<boolean> {
  const flag = silentRedirectFlag(deps.config.namespace);
  if (!flag.set()) return false;
  let url: URL;
  try {
    url = await deps.authorizationUrl({ prompt: 'none', returnTo }, 'silent');
  } catch (err) {
    // Nothing left the page: the tab keeps its one silent redirect.
    flag.clear();
    throw err;
  }
  const { navigate } = deps.config;
  if (!navigate) {
    location.assign(url.href);
    // The page is leaving; the answer is handleRedirect()'s, on the callback.
    return new Promise<boolean>(() => undefined);
  }
  await navigate(url.href, 'login');
  return false;
}
