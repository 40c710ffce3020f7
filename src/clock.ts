import { now } from './util.js';

/**
 * The authorization server's clock as this page sees it. Laptops drift and users set clocks by
 * hand, while DPoP proofs and ID-token checks need the server's time.
 */
export interface ServerClock {
  /** Seconds to add to the local clock to get the server's (oauth4webapi's `clockSkew`). */
  skew: number;
  /** When evidence last confirmed `skew`, ms since the epoch on the local clock; undefined: never. */
  at?: number;
}

// Date has one-second resolution and a request takes time: smaller differences are noise, and
// ignoring them keeps the estimate (and the DPoP handle built on it) steady.
const NOISE_SECONDS = 5;

// The local clock is what an estimate corrects, and it can be set by hand at any moment: an
// estimate is trusted this long after its evidence, and never when the local clock went back past it.
export const ESTIMATE_MAX_AGE_MS = 60 * 60 * 1000;

/** True while `clock` rests on evidence recent by the local clock (see {@link ESTIMATE_MAX_AGE_MS}). */
export function isCurrent(clock: ServerClock): boolean {
  const age = now() - (clock.at ?? -Infinity);
  return age >= 0 && age <= ESTIMATE_MAX_AGE_MS;
}

/**
 * Moves `clock` to a server timestamp (seconds since the epoch) read from a response received
 * just now. Returns true when the estimate should be stored again (it moved, or rested on no
 * current evidence); anything not a finite number is ignored.
 */
export function observeServerTime(clock: ServerClock, serverSeconds: unknown): boolean {
  if (typeof serverSeconds !== 'number' || !Number.isFinite(serverSeconds)) return false;
  const skew = Math.round(serverSeconds - now() / 1000);
  const current = isCurrent(clock);
  clock.at = now();
  if (Math.abs(skew - clock.skew) <= NOISE_SECONDS) return !current;
  clock.skew = skew;
  return true;
}

/**
 * The `Date` of `response` in seconds, unless a cache served it (an `Age`: the Date it was first
 * served with) or CORS hides it (unless the server lists it in `Access-Control-Expose-Headers`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110.html#section-6.6.1
 */
function dateOf(response: Response): number | undefined {
  const date = response.headers.get('date');
  return date && !response.headers.has('age') ? Date.parse(date) / 1000 : undefined;
}

/**
 * Wraps `fetchImpl` so every readable response `Date` moves `clock` (then `onMove` runs). Requests
 * skip the HTTP cache. A response redirected to another origin carries that origin's clock (and
 * discovery refuses it): it leaves the estimate alone.
 */
export function clockedFetch(fetchImpl: typeof fetch, clock: ServerClock, onMove: () => void): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, { ...init, cache: 'no-store' });
    const asked = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (response.redirected && new URL(response.url).origin !== asked.origin) return response;
    if (observeServerTime(clock, dateOf(response))) onMove();
    return response;
  };
}

/**
 * Takes the time from the app's own origin: a same-origin response shows every header, `Date`
 * included, where the authorization server's CORS usually hides it; app hosts keep NTP time as
 * servers do. One HEAD request, never cached; a failure leaves the estimate as it was. Returns
 * true when the estimate should be stored again.
 */
export async function sampleOwnOrigin(fetchImpl: typeof fetch, clock: ServerClock): Promise<boolean> {
  try {
    const response = await fetchImpl(new URL('/', location.href).href, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
    return observeServerTime(clock, dateOf(response));
  } catch {
    return false;
  }
}
