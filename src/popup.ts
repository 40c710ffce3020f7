import { takePendingLogin, type LoginOptions } from './authorize.js';
import { OAuthError } from './errors.js';
import { awaitSignin, type SigninDeps } from './relay.js';
import { now } from './util.js';

/** Options of `client.loginWithPopup()`. */
export interface PopupLoginOptions extends LoginOptions {
  /** Give up with `popup_timeout` after this many ms without a result (default: 300000, 5 minutes). */
  timeoutMs?: number;
  /** Aborting it closes the popup and rejects with `aborted` (default: none). */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;
// COOP on the server's pages makes `popup.closed` read true while the popup is still open, so a
// closed popup only counts once this long has passed without a result.
const CLOSED_GRACE_MS = 3000;

/**
 * Runs a login in `popup`, which the click opened on `about:blank`, and resolves once this page holds the session
 * the popup's callback stored. This page never navigates.
 */
export async function loginInPopup(deps: SigninDeps, popup: Window | null, options: PopupLoginOptions = {}): Promise<void> {
  if (!popup) {
    throw new OAuthError('popup_blocked', 'the browser blocked the login popup; call loginWithPopup() straight from a click handler, or use login()');
  }
  if (deps.config.storage === 'memory') {
    popup.close();
    throw new OAuthError('invalid_config', 'loginWithPopup() needs storage "indexeddb": the popup hands the session over through IndexedDB');
  }
  const { timeoutMs = DEFAULT_TIMEOUT_MS, signal, ...loginOptions } = options;
  const stop = new AbortController();
  const timer = setTimeout(
    () => stop.abort(new OAuthError('popup_timeout', `no login result from the popup within ${timeoutMs} ms; call loginWithPopup() again`)),
    timeoutMs,
  );
  const onAbort = () => stop.abort(new OAuthError('aborted', 'the popup login was aborted by its "signal"', { cause: signal?.reason }));
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) onAbort();

  let state: string | undefined;
  let closedSince: number | undefined;
  // Closed counts only while this page has the focus back: under COOP the user is still in the
  // (open) popup, while after a real close the browser returns the focus here.
  const closedForGood = () => {
    if (!popup.closed || !document.hasFocus()) {
      closedSince = undefined;
      return undefined;
    }
    closedSince ??= now();
    return now() - closedSince < CLOSED_GRACE_MS
      ? undefined
      : new OAuthError('popup_closed', 'the login popup was closed before the login finished; call loginWithPopup() again');
  };
  try {
    const url = await deps.authorizationUrl(loginOptions, 'popup');
    state = url.searchParams.get('state')!;
    stop.signal.throwIfAborted();
    popup.location.href = url.href;
    await awaitSignin(deps, state, closedForGood, stop.signal);
  } catch (err) {
    // A popup still on the server's page could otherwise finish the login after the app gave up.
    if (state && (err as OAuthError).code !== 'popup_closed') await takePendingLogin(deps.pending, state).catch(() => undefined);
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    popup.close();
  }
}
