import type { AuthorizationServer } from 'oauth4webapi';
import { checkEndpoints } from './discovery.js';
import { OAuthError } from './errors.js';
import type { StorageKind } from './store.js';
import { isSecureOrigin } from './util.js';

/** Options of `createOAuthClient`. */
export interface OAuthClientOptions {
  /** The authorization server's issuer identifier, e.g. `https://auth.example.com`. https, or http on a loopback host. */
  issuer: string;
  /** The client ID this app is registered under (a public client). */
  clientId: string;
  /** Where the server sends the user back after login; must be registered at the server. */
  redirectUri: string;
  /** Space-separated scopes (default: `'openid'`). Add `offline_access` to get a refresh token from most servers. */
  scope?: string;
  /** Where the server sends the user after `logout()` (default: none; the server shows its own page). */
  postLogoutRedirectUri?: string;
  /** Exact origins that may receive the access token (default: the page's own origin). */
  apiOrigins?: string[];
  /** RFC 8707 resource indicator(s) sent with the authorization and token requests (default: none). */
  resource?: string | string[];
  /** Where the session is kept (default: `'indexeddb'`). `'memory'` ends the session on reload. */
  storage?: StorageKind;
  /** Refresh when fewer than this many seconds are left (default: 30; at most half the token's lifetime). */
  refreshLeewaySeconds?: number;
  /** Timeout of each request to the authorization server, in ms (default: 10000). */
  requestTimeoutMs?: number;
  /** Bind tokens to a browser-held key with DPoP, RFC 9449 (default: false). */
  dpop?: boolean;
  /**
   * Where to read the server's metadata (default: `{issuer}/.well-known/openid-configuration`,
   * then RFC 8414's `/.well-known/oauth-authorization-server` when that answers 404).
   */
  discoveryUrl?: string;
  /**
   * The server's metadata itself, for a server that publishes none or publishes it wrong; no
   * discovery request is made (default: discovered). Needs `authorization_endpoint` and
   * `token_endpoint`; its `issuer` is always the `issuer` option.
   */
  metadata?: Partial<AuthorizationServer>;
}

/** Options after validation, with defaults applied. The caller's object is never changed. */
export interface ResolvedConfig {
  issuer: URL;
  clientId: string;
  redirectUri: string;
  scope: string;
  postLogoutRedirectUri?: string;
  apiOrigins: ReadonlySet<string>;
  resource: string[];
  storage: StorageKind;
  refreshLeewaySeconds: number;
  requestTimeoutMs: number;
  dpop: boolean;
  discoveryUrl?: string;
  metadata?: AuthorizationServer;
  /** Namespace of this client's records and the name of its lock and channel. */
  namespace: string;
}

function invalid(field: string, problem: string): OAuthError {
  return new OAuthError('invalid_config', `option "${field}" ${problem}`);
}

function parseUrl(field: string, value: unknown): URL {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is required and must be a URL string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, `must be an absolute URL, got "${value}"`);
  }
  if (!isSecureOrigin(url)) {
    throw invalid(field, `must use https (http is only allowed on localhost/127.0.0.1), got "${value}"`);
  }
  return url;
}

function pageOrigin(): string | undefined {
  return typeof location === 'undefined' ? undefined : location.origin;
}

function parseOrigins(value: unknown): Set<string> {
  if (value === undefined) {
    const own = pageOrigin();
    return new Set(own ? [own] : []);
  }
  if (!Array.isArray(value)) throw invalid('apiOrigins', 'must be an array of origins like "https://api.example.com"');
  const origins = new Set<string>();
  for (const entry of value) {
    const url = parseUrl('apiOrigins', entry);
    // An entry with a path or query would suggest prefix matching, which this SDK never does.
    if (url.origin !== entry.replace(/\/$/, '')) {
      throw invalid('apiOrigins', `must hold origins only (scheme://host[:port]), got "${entry}"; did you mean "${url.origin}"?`);
    }
    origins.add(url.origin);
  }
  return origins;
}

function nonNegativeNumber(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(field, `must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

/** Validates options and applies defaults; throws `OAuthError('invalid_config')` naming the bad field. */
export function resolveConfig(options: OAuthClientOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new OAuthError('invalid_config', 'createOAuthClient() needs an options object with "issuer", "clientId" and "redirectUri"');
  }
  const issuer = parseUrl('issuer', options.issuer);
  if (issuer.search || issuer.hash) throw invalid('issuer', 'must not have a query or fragment');
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw invalid('clientId', 'is required: the client ID the app is registered under at the authorization server');
  }
  const redirectUri = parseUrl('redirectUri', options.redirectUri).href;
  const postLogoutRedirectUri =
    options.postLogoutRedirectUri === undefined
      ? undefined
      : parseUrl('postLogoutRedirectUri', options.postLogoutRedirectUri).href;
  const scope = options.scope ?? 'openid';
  if (typeof scope !== 'string' || scope.trim() === '') throw invalid('scope', 'must be a space-separated string of scopes');
  const resourceList = options.resource === undefined ? [] : [options.resource].flat();
  for (const resource of resourceList) {
    const url = parseUrl('resource', resource);
    if (url.hash) throw invalid('resource', `must not have a fragment (RFC 8707), got "${resource}"`);
  }
  const storage = options.storage ?? 'indexeddb';
  if (storage !== 'indexeddb' && storage !== 'memory') throw invalid('storage', `must be "indexeddb" or "memory", got "${String(storage)}"`);
  if (options.dpop !== undefined && typeof options.dpop !== 'boolean') throw invalid('dpop', 'must be true or false');
  const requestTimeoutMs = nonNegativeNumber('requestTimeoutMs', options.requestTimeoutMs, 10_000);
  if (requestTimeoutMs === 0) throw invalid('requestTimeoutMs', 'must be greater than 0');

  const discoveryUrl = options.discoveryUrl === undefined ? undefined : parseUrl('discoveryUrl', options.discoveryUrl).href;

  return {
    issuer,
    clientId: options.clientId,
    redirectUri,
    scope: scope.trim().split(/\s+/).join(' '),
    postLogoutRedirectUri,
    apiOrigins: parseOrigins(options.apiOrigins),
    resource: resourceList,
    storage,
    refreshLeewaySeconds: nonNegativeNumber('refreshLeewaySeconds', options.refreshLeewaySeconds, 30),
    requestTimeoutMs,
    dpop: options.dpop ?? false,
    discoveryUrl,
    metadata: options.metadata && checkEndpoints({ ...options.metadata, issuer: options.issuer }, issuer, 'option "metadata"', 'invalid_config'),
    namespace: `spa-oauth:${issuer.href}:${options.clientId}`,
  };
}
