import {
  allowInsecureRequests,
  customFetch,
  isDPoPNonceError,
  protectedResourceRequest,
  WWWAuthenticateChallengeError,
  type DPoPHandle,
} from 'oauth4webapi';
import type { AccessToken } from './session.js';

/** What the interceptor needs from the session: the token for an API origin, and a renewal after a 401. */
export interface TokenSource {
  getAccessToken(origin: string): Promise<AccessToken>;
  /** A fresher token than `rejected`, or undefined when the API is not to be retried. */
  renewAfterRejection(rejected: string, origin: string): Promise<AccessToken | undefined>;
  dpop(): Promise<DPoPHandle | undefined>;
  /** Told of every challenge an API answered (step-up and scope challenges become events). */
  challenged(challenge: WWWAuthenticateChallengeError, url: URL): void;
}

function requestUrl(input: RequestInfo | URL): URL {
  const raw = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
  return new URL(raw, globalThis.document?.baseURI ?? globalThis.location?.href);
}

function hasAuthorization(input: RequestInfo | URL, init?: RequestInit): boolean {
  const headers = init?.headers ?? (input instanceof Request ? input.headers : undefined);
  return headers !== undefined && new Headers(headers).has('authorization');
}

/** True when a 401 means "try again with a fresh token" or "with a fresh DPoP nonce". */
function wantsRetry(challenge: WWWAuthenticateChallengeError): boolean {
  return (
    challenge.status === 401 &&
    (isDPoPNonceError(challenge) || challenge.cause.some((c) => c.parameters.error === 'invalid_token'))
  );
}

/**
 * Wraps `fetchImpl` so requests to `apiOrigins` carry that origin's access token (and a DPoP proof when the
 * token is DPoP-bound). Requests anywhere else, or that already have an `Authorization` header,
 * go out exactly as given, without waiting on the session; when one to an unlisted origin answers
 * 401, `unlisted` hears of that origin. A request that carries a token does not follow redirects
 * (an `opaqueredirect` response) unless `init.redirect` says otherwise.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc9449.html#section-7
 */
export function createAuthorizedFetch(
  apiOrigins: ReadonlySet<string>,
  source: TokenSource,
  fetchImpl: typeof fetch,
  unlisted?: (origin: string) => void,
): typeof fetch {
  async function send(request: Request, url: URL, token: AccessToken, redirect: RequestRedirect): Promise<Response | WWWAuthenticateChallengeError> {
    const dpop = token.scheme === 'DPoP' ? await source.dpop() : undefined;
    try {
      return await protectedResourceRequest(token.token, request.method, url, request.headers, null, {
        DPoP: dpop,
        // The origin is on the allow-list, which only admits https or loopback http.
        [allowInsecureRequests]: true,
        [customFetch]: (_href, prepared) => fetchImpl(new Request(request, { headers: prepared.headers, redirect })),
      });
    } catch (err) {
      if (err instanceof WWWAuthenticateChallengeError) return err;
      throw err;
    }
  }

  return async function authorizedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let url: URL;
    try {
      url = requestUrl(input);
    } catch {
      return fetchImpl(input, init);
    }
    if (hasAuthorization(input, init)) return fetchImpl(input, init);
    if (!apiOrigins.has(url.origin)) {
      const response = await fetchImpl(input, init);
      // The usual first-day mistake: the API wants the token, its origin is not on the list.
      if (response.status === 401) unlisted?.(url.origin);
      return response;
    }

    const token = await source.getAccessToken(url.origin);
    const request = new Request(input, init);
    // A redirect would carry the DPoP proof (and, same-origin, the token) to wherever the API
    // points; only an app that asks for it by name follows one.
    const redirect = init?.redirect ?? 'manual';
    // A stream can be read once only, so a request with one is never retried; a request without
    // a body is not consumed by sending it, so only a replayable body costs a copy.
    const spare = init?.body instanceof ReadableStream ? undefined : request.body ? request.clone() : request;
    const first = await send(request, url, token, redirect);
    if (first instanceof Response) return first;
    source.challenged(first, url);
    // A step-up or scope challenge is not invalid_token: it goes back unchanged, no refresh, no retry.
    if (!spare || !wantsRetry(first)) return first.response;

    const next = isDPoPNonceError(first) ? token : await source.renewAfterRejection(token.token, url.origin);
    if (!next) return first.response;
    const second = await send(spare, url, next, redirect);
    if (second instanceof Response) return second;
    source.challenged(second, url);
    return second.response;
  };
}
