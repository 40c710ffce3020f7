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
  /** Exact origins that may receive the default access token (default: the page's own origin, unless `apis` is given). */
  apiOrigins?: string[];
  /**
   * APIs by exact origin (default: none). An API with a `resource` gets an access token of its own,
   * audience-restricted to that resource (RFC 8707) and, with `scope`, down-scoped to it; one
   * without gets the default token, as in `apiOrigins`. No API ever receives another API's token.
   */
  apis?: Record<string, ApiOptions>;
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
   * Check each ID token's signature against the server's `jwks_uri` (default: false: the token
   * comes straight from the token endpoint over TLS). The JWKS is fetched at `login()` and cached
   * with the metadata; the server must allow the page to read it (CORS).
   */
  verifyIdTokenSignature?: boolean;
  /**
   * Pushed authorization requests, RFC 9126 (default: only when the server's metadata sets
   * `require_pushed_authorization_requests`). `true` pushes whenever the server has a
   * `pushed_authorization_request_endpoint`; `false` never does.
   */
  par?: boolean;
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
  /**
   * Sends the browser to the server: `kind` `'login'` for `login()` and a silent redirect of
   * `restoreSession()`, `'logout'` for the logout redirect (default: `location.assign(url)`).
   * For Capacitor, in-app browsers and tests: open `url` your own way, then pass the callback
   * URL to `handleRedirect(url)`.
   */
  navigate?: (url: string, kind: 'login' | 'logout') => void | Promise<void>;
}

/** One API of the `apis` option. */
export interface ApiOptions {
  /** The RFC 8707 resource indicator(s) its token is for, e.g. `'https://api.example.com/'` (default: the default token). */
  resource?: string | string[];
  /** Space-separated scopes its token is limited to (default: all the grant's scopes for that resource). */
  scope?: string;
}

/** The token one API gets: for `resource`, limited to `scope`; `key` names it in the session record. */
export interface Audience {
  key: string;
  resource: string[];
  scope?: string;
}

/** Options after validation, with defaults applied. The caller's object is never changed. */
export interface ResolvedConfig {
  issuer: URL;
  clientId: string;
  redirectUri: string;
  scope: string;
  postLogoutRedirectUri?: string;
  /** Every origin that receives a token: `apiOrigins` and the keys of `apis`. */
  apiOrigins: ReadonlySet<string>;
  /** The APIs with a token of their own, by origin. */
  audiences: ReadonlyMap<string, Audience>;
  /** The default token's resource indicators. */
  resource: string[];
  /** Every resource the login asks for: the default token's and each API's (RFC 8707 section 2.1). */
  requestedResources: string[];
  storage: StorageKind;
  refreshLeewaySeconds: number;
  requestTimeoutMs: number;
  dpop: boolean;
  verifyIdTokenSignature: boolean;
  /** Undefined: as the server's metadata requires. */
  par?: boolean;
  discoveryUrl?: string;
  metadata?: AuthorizationServer;
  /** Namespace of this client's records and the name of its lock and channel. */
  namespace: string;
  /** The `navigate` option, undefined when the app left the default (`location.assign`). */
  navigate?: (url: string, kind: 'login' | 'logout') => void | Promise<void>;
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

function parseOrigin(field: string, entry: unknown): string {
  const url = parseUrl(field, entry);
  // An entry with a path or query would suggest prefix matching, which this SDK never does.
  if (url.origin !== (entry as string).replace(/\/$/, '')) {
    throw invalid(field, `must hold origins only (scheme://host[:port]), got "${entry}"; did you mean "${url.origin}"?`);
  }
  return url.origin;
}

function parseOrigins(value: unknown, hasApis: boolean): Set<string> {
  if (value === undefined) {
    const own = pageOrigin();
    return new Set(own && !hasApis ? [own] : []);
  }
  if (!Array.isArray(value)) throw invalid('apiOrigins', 'must be an array of origins like "https://api.example.com"');
  return new Set(value.map((entry) => parseOrigin('apiOrigins', entry)));
}

function parseResources(field: string, value: unknown): string[] {
  const list = value === undefined ? [] : [value].flat();
  for (const resource of list) {
    const url = parseUrl(field, resource);
    if (url.hash) throw invalid(field, `must not have a fragment (RFC 8707), got "${resource}"`);
  }
  return list as string[];
}

function parseScope(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'must be a space-separated string of scopes');
  return value.trim().split(/\s+/).join(' ');
}

/** The APIs with a token of their own, by origin; the others join `origins`, which get the default token. */
function parseApis(value: unknown, origins: Set<string>): Map<string, Audience> {
  const audiences = new Map<string, Audience>();
  if (value === undefined) return audiences;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('apis', 'must be an object of origins, e.g. { "https://api.example.com": { resource: "https://api.example.com/" } }');
  }
  for (const [entry, api] of Object.entries(value as Record<string, ApiOptions>)) {
    const origin = parseOrigin('apis', entry);
    const field = `apis["${entry}"]`;
    if (typeof api !== 'object' || api === null) throw invalid(field, 'must be an object like { resource, scope }');
    const resource = parseResources(`${field}.resource`, api.resource);
    const scope = api.scope === undefined ? undefined : parseScope(`${field}.scope`, api.scope);
    if (resource.length === 0) {
      if (scope) throw invalid(field, 'has a "scope" but no "resource"; a scope needs the resource its token is for');
      origins.add(origin);
    } else {
      audiences.set(origin, { key: `${resource.join(' ')}#${scope ?? ''}`, resource, scope });
    }
  }
  return audiences;
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
  const resource = parseResources('resource', options.resource);
  const apiOrigins = parseOrigins(options.apiOrigins, options.apis !== undefined);
  const audiences = parseApis(options.apis, apiOrigins);
  for (const origin of audiences.keys()) {
    if (apiOrigins.has(origin)) throw invalid('apis', `gives "${origin}" a resource, but "apiOrigins" also lists it; name it in one place`);
  }
  // The login asks for every scope an API's token is limited to, so the refresh can narrow to it.
  const scopes = new Set(parseScope('scope', options.scope ?? 'openid').split(' '));
  for (const audience of audiences.values()) for (const scope of audience.scope?.split(' ') ?? []) scopes.add(scope);
  const storage = options.storage ?? 'indexeddb';
  if (storage !== 'indexeddb' && storage !== 'memory') throw invalid('storage', `must be "indexeddb" or "memory", got "${String(storage)}"`);
  if (options.dpop !== undefined && typeof options.dpop !== 'boolean') throw invalid('dpop', 'must be true or false');
  if (options.verifyIdTokenSignature !== undefined && typeof options.verifyIdTokenSignature !== 'boolean') {
    throw invalid('verifyIdTokenSignature', 'must be true or false');
  }
  if (options.par !== undefined && typeof options.par !== 'boolean') throw invalid('par', 'must be true or false');
  const requestTimeoutMs = nonNegativeNumber('requestTimeoutMs', options.requestTimeoutMs, 10_000);
  if (requestTimeoutMs === 0) throw invalid('requestTimeoutMs', 'must be greater than 0');

  if (options.navigate !== undefined && typeof options.navigate !== 'function') {
    throw invalid('navigate', 'must be a function (url, kind) => void that opens the URL');
  }
  const discoveryUrl = options.discoveryUrl === undefined ? undefined : parseUrl('discoveryUrl', options.discoveryUrl).href;

  return {
    issuer,
    clientId: options.clientId,
    redirectUri,
    scope: [...scopes].join(' '),
    postLogoutRedirectUri,
    apiOrigins: new Set([...apiOrigins, ...audiences.keys()]),
    audiences,
    resource,
    requestedResources: [...new Set([...resource, ...[...audiences.values()].flatMap((audience) => audience.resource)])],
    storage,
    refreshLeewaySeconds: nonNegativeNumber('refreshLeewaySeconds', options.refreshLeewaySeconds, 30),
    requestTimeoutMs,
    dpop: options.dpop ?? false,
    verifyIdTokenSignature: options.verifyIdTokenSignature ?? false,
    par: options.par,
    discoveryUrl,
    metadata: options.metadata && checkEndpoints({ ...options.metadata, issuer: options.issuer }, issuer, 'option "metadata"', 'invalid_config'),
    namespace: `spa-oauth:${issuer.href}:${options.clientId}`,
    navigate: options.navigate,
  };
}

/**
 * The API whose token has `resource`, or undefined for the default token (no resource, or one of
 * the `resource` option's); `invalid_config` for a resource no API has.
 */
export function audienceOf(config: ResolvedConfig, resource?: string): Audience | undefined {
  if (resource === undefined || config.resource.includes(resource)) return undefined;
  for (const audience of config.audiences.values()) if (audience.resource.includes(resource)) return audience;
  throw new OAuthError(
    'invalid_config',
    `getAccessToken({ resource: "${resource}" }): no API in the "apis" option has this resource; add it there, e.g. apis: { "https://api.example.com": { resource: "${resource}" } }`,
  );
}
