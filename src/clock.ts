import { now } from './util.js';

/**
 * The authorization server's clock as this page sees it. Laptops drift and users set clocks by
 * hand, while DPoP proofs and ID-token checks need the server's time.
 */
export interface ServerClock {
  /** Seconds to add to the local clock to get the server's (oauth4webapi's `clockSkew`). */
  skew: number;
}

// Date has one-second resolution and a request takes time: smaller differences are noise, and
// ignoring them keeps the estimate (and the DPoP handle built on it) steady.
const NOISE_SECONDS = 5;

/**
 * Moves `clock` to a server timestamp (seconds since the epoch) read from a response received
 * just now. Returns true when the estimate moved; anything not a finite number is ignored.
 */
export function observeServerTime(clock: ServerClock, serverSeconds: unknown): boolean {
  const skew = Math.round((serverSeconds as number) - now() / 1000);
  if (!Number.isFinite(skew) || Math.abs(skew - clock.skew) <= NOISE_SECONDS) return false;
  clock.skew = skew;
  return true;
}

/**
 * Wraps `fetchImpl` so every response's `Date` moves `clock` (then `onMove` runs). Requests skip
 * the HTTP cache, whose copies carry the Date they were first served with; a response with an
 * `Age` (from a shared cache) or without a readable Date (CORS hides it unless the server lists
 * it in `Access-Control-Expose-Headers`) leaves the estimate alone.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110.html#section-6.6.1
 */
export function clockedFetch(fetchImpl: typeof fetch, clock: ServerClock, onMove: () => void): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, { ...init, cache: 'no-store' });
    const date = response.headers.get('date');
    if (date && !response.headers.has('age') && observeServerTime(clock, Date.parse(date) / 1000)) onMove();
    return response;
  };
}
