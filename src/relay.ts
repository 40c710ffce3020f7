import type { AuthorizationServer } from 'oauth4webapi';
import type { LoginOptions } from './authorize.js';
import type { ResolvedConfig } from './config.js';
import { OAuthError, toOAuthError } from './errors.js';
import type { PendingStores } from './pending.js';
import type { RedirectResult } from './redirect.js';
import type { Store } from './store.js';
import { openTabChannel } from './tabs.js';
import { now } from './util.js';

/**
 * Where a login's callback lands when it is not the page that started it: a `'popup'`, a hidden
 * `'iframe'`, or a `'silent'` (`prompt=none`) redirect of the page itself.
 */
export type SigninMode = 'popup' | 'iframe' | 'silent';

/** A popup or iframe login's outcome, kept in IndexedDB by its `state` until the page that started it takes it. */
interface SigninResult {
  at: number;
  code?: string;
  message?: string;
  description?: string;
}

const RESULTS_KEY = 'signin-results';
// A result nobody took (the starting page was closed) is dropped after this long.
const RESULT_MAX_AGE_MS = 10 * 60 * 1000;
// How often the starting page re-reads IndexedDB, in case a channel message was missed.
const POLL_MS = 500;

/** The `prompt=none` errors that mean "not signed in at the server" (OIDC Core 3.1.2.6). */
export const NOT_SIGNED_IN = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

function fresh(results: unknown): Record<string, SigninResult> {
  const kept: Record<string, SigninResult> = {};
  for (const [state, result] of Object.entries((results ?? {}) as Record<string, SigninResult>)) {
    if (now() - result.at < RESULT_MAX_AGE_MS) kept[state] = result;
  }
  return kept;
}

/**
 * Completes the callback of a popup, iframe or silent login with `finish` (the one code
 * exchange). A silent redirect answers as `handleRedirect()` does, except that "not signed in"
 * is null. A popup or iframe stores its outcome for the page that started it, tells it on the
 * tab channel (never through `window.opener`, which COOP severs), and answers null; a popup closes.
 */
export async function finishSignin(
  mode: SigninMode,
  state: string,
  finish: () => Promise<RedirectResult>,
  durable: Store,
  namespace: string,
): Promise<RedirectResult | null> {
  let result: SigninResult = { at: now() };
  try {
    const done = await finish();
    if (mode === 'silent') return done;
  } catch (err) {
    const error = toOAuthError(err, 'the sign-in callback');
    if (mode === 'silent') {
      if (NOT_SIGNED_IN.has(error.code)) return null;
      throw error;
    }
    result = { at: result.at, code: error.code, message: error.message, description: error.description };
  }
  await durable.update(RESULTS_KEY, (old) => ({ ...fresh(old), [state]: result }));
  const channel = openTabChannel(namespace, () => undefined);
  channel.post({ type: 'signin', state });
  channel.close();
  if (mode === 'popup') close();
  return null;
}

async function takeResult(durable: Store, state: string): Promise<SigninResult | undefined> {
  let taken: SigninResult | undefined;
  await durable.update(RESULTS_KEY, (old) => {
    const kept = fresh(old);
    taken = kept[state];
    delete kept[state];
    return Object.keys(kept).length ? kept : undefined;
  });
  return taken;
}

/**
 * Resolves when the login `state` succeeded elsewhere and this page adopted the stored session;
 * rejects with the callback's error, with `check()`'s error (checked every poll), or with the
 * reason `stop` is aborted with. The result arrives on the tab channel, and IndexedDB is
 * re-read on every poll in case a message was missed (no BroadcastChannel, a page frozen).
 */
export function awaitSignin(deps: SigninDeps, state: string, check: () => OAuthError | undefined, stop: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let reading = false;
    const channel = openTabChannel(deps.config.namespace, (message) => {
      if (message.type === 'signin' && message.state === state) void look();
    });
    const poll = setInterval(() => {
      const error = check();
      if (error) end(error);
      else void look();
    }, POLL_MS);
    const onStop = () => end(stop.reason);
    stop.addEventListener('abort', onStop);
    if (stop.aborted) onStop();

    function end(error?: unknown) {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      channel.close();
      stop.removeEventListener('abort', onStop);
      if (error) reject(error);
      else resolve();
    }

    async function look() {
      if (reading || settled) return;
      reading = true;
      try {
        const result = await takeResult(deps.durable, state);
        if (!result) return;
        // The session the callback stored becomes this page's.
        if (!result.code) await deps.session.restore();
        end(result.code ? new OAuthError(result.code, result.message ?? `the login failed with "${result.code}"`, { description: result.description }) : undefined);
      } catch (err) {
        end(toOAuthError(err, 'reading the login result'));
      } finally {
        reading = false;
      }
    }
  });
}

/** What popup and silent logins need from the client that wires them. */
export interface SigninDeps {
  config: ResolvedConfig;
  durable: Store;
  pending: PendingStores;
  session: { readonly isAuthenticated: boolean; restore(): Promise<void> };
  server: { metadata(): Promise<AuthorizationServer> };
  /** Saves a pending login in `mode` and returns its authorization URL. */
  authorizationUrl(options: LoginOptions, mode: SigninMode): Promise<URL>;
}
