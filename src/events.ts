import type { UserClaims } from './claims.js';
import type { OAuthError } from './errors.js';

/**
 * Why a session ended: `'user'` called logout() (or logged in as another user); the server refused
 * the refresh (`'invalid_grant'`, whatever code it used); `'other_tab'` ended it, or logged in as
 * another user; the token `'expired'` with no refresh token.
 */
export type LogoutReason = 'user' | 'invalid_grant' | 'other_tab' | 'expired';

/** What {@link Client.subscribe} listeners receive. No event ever carries a token. */
export type OAuthEvent =
  | { type: 'login'; user: UserClaims | null }
  | {
      type: 'logout';
      reason: LogoutReason;
      /** Why the server ended the session (`reason: 'invalid_grant'` only): the refused refresh's error. */
      error?: OAuthError;
    }
  | { type: 'refresh'; expiresAt: number }
  | {
      /**
       * An API answered `error="insufficient_user_authentication"` (RFC 9470): it wants a stronger or
       * more recent login, e.g. `login({ acrValues })`, with the challenge's values when it gave them.
       */
      type: 'step_up';
      url: string;
      acrValues?: string;
      maxAge?: number;
    }
  | {
      /** An API answered `error="insufficient_scope"` (RFC 6750 section 3.1), naming the `scope` it needs when it did. */
      type: 'insufficient_scope';
      url: string;
      scope?: string;
    }
  | { type: 'error'; error: OAuthError };

/** A listener of {@link OAuthEvent}s. */
export type OAuthEventListener = (event: OAuthEvent) => void;

/** A minimal typed emitter: `emit` and `subscribe`, which returns its own unsubscribe. */
export interface Emitter {
  emit(event: OAuthEvent): void;
  subscribe(listener: OAuthEventListener): () => void;
}

export function createEmitter(): Emitter {
  const listeners = new Set<OAuthEventListener>();
  return {
    emit(event) {
      for (const listener of [...listeners]) {
        // A throwing listener must not stop the SDK's own work or the other listeners.
        try {
          listener(event);
        } catch (err) {
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
