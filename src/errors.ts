import {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'oauth4webapi';

/**
 * Codes the SDK itself raises. A server's own `error` value (RFC 6749 section 5.2, e.g.
 * `access_denied`, `invalid_grant`) is passed through as the code unchanged.
 */
export type OAuthErrorCode =
  | 'invalid_config'
  | 'state_mismatch'
  | 'login_required'
  | 'invalid_response'
  | 'network_error'
  | 'server_error'
  | 'storage_unavailable'
  | 'dpop_not_supported'
  | 'unsupported_environment'
  | 'client_disposed'
  | 'revocation_unsupported'
  | 'popup_blocked'
  | 'popup_closed'
  | 'popup_timeout'
  | 'aborted'
  | 'token_rejected'
  | 'api_origin_not_listed'
  | (string & {});

/** Options of {@link OAuthError}. */
export interface OAuthErrorOptions {
  /** The `error_description` the server sent, if any. */
  description?: string;
  /** HTTP status of the response that caused the error, if any. */
  status?: number;
  /** True when the same call may succeed later without the user doing anything (default: false). */
  retryable?: boolean;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one error type the SDK throws. `code` is stable and safe to branch on; `message` is meant
 * for developers and says what to do next.
 */
export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  readonly description?: string;
  readonly status?: number;
  readonly retryable: boolean;

  constructor(code: OAuthErrorCode, message: string, options: OAuthErrorOptions = {}) {
    super(message, { cause: safeCause(options.cause) });
    this.name = 'OAuthError';
    this.code = code;
    this.description = options.description;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * What of an underlying error may travel in `cause`: its name, message and `code`, never the
 * error itself. oauth4webapi puts whole token responses (access and live refresh tokens) in its
 * errors' causes, and error reporters walk `cause` chains.
 */
function safeCause(cause: unknown): Error | undefined {
  if (isOAuthError(cause)) return cause;
  if (!(cause instanceof Error) && !(cause instanceof DOMException)) return undefined;
  const { name, message, code } = cause as Error & { code?: unknown };
  return Object.assign(new Error(message), { name, ...(typeof code === 'string' ? { code } : {}) });
}

/** True for an {@link OAuthError}, also one thrown from another realm (an iframe, another bundle). */
export function isOAuthError(value: unknown): value is OAuthError {
  return (
    value instanceof OAuthError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'OAuthError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function statusOf(err: unknown): number | undefined {
  const candidate = (err as { status?: unknown; cause?: { status?: unknown } } | null) ?? {};
  if (typeof candidate.status === 'number') return candidate.status;
  if (candidate.cause instanceof Response) return candidate.cause.status;
  return undefined;
}

/**
 * Turns anything a protocol call threw (an oauth4webapi error, a fetch `TypeError`, a timeout)
 * into an {@link OAuthError}. `action` names what was attempted and the URL, e.g.
 * `'the token request to https://as/token'`.
 */
export function toOAuthError(err: unknown, action: string): OAuthError {
  if (isOAuthError(err)) return err;
  if (err instanceof ResponseBodyError || err instanceof AuthorizationResponseError) {
    const description = err.error_description ?? undefined;
    const status = err instanceof ResponseBodyError ? err.status : undefined;
    const retryable = status !== undefined && (status >= 500 || status === 429);
    return new OAuthError(
      err.error,
      `${action} failed with "${err.error}"${description ? `: ${description}` : ''}`,
      { description, status, retryable, cause: err },
    );
  }
  if (err instanceof WWWAuthenticateChallengeError) {
    const challenge = err.cause[0];
    const code = challenge?.parameters.error ?? 'invalid_response';
    return new OAuthError(code, `${action} was refused with status ${err.status} (${code})`, {
      description: challenge?.parameters.error_description,
      status: err.status,
      cause: err,
    });
  }
  const status = statusOf(err);
  if (status !== undefined && (status >= 500 || status === 429)) {
    return new OAuthError(
      'server_error',
      `${action} failed with status ${status}; try again later`,
      { status, retryable: true, cause: err },
    );
  }
  // oauth4webapi reports bad arguments as a TypeError with a `code`; fetch's network failure has none.
  if ((err instanceof TypeError && !('code' in err)) || isAbort(err)) {
    const what = isAbort(err) ? 'timed out' : 'could not reach the server';
    return new OAuthError(
      'network_error',
      `${action} ${what}; check the network and try again`,
      { retryable: true, cause: err },
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new OAuthError('invalid_response', `${action} returned an invalid response: ${detail}`, {
    status,
    cause: err,
  });
}
