export { createOAuthClient } from './client.js';
export { OAuthError, isOAuthError } from './errors.js';

export type { Client, LogoutOptions, PopupLoginOptions, RedirectResult, RestoreSessionOptions } from './client.js';
export type { AddressClaim, UserClaims } from './claims.js';
export type { LoginOptions } from './authorize.js';
export type { OAuthClientOptions } from './config.js';
export type { OAuthErrorCode, OAuthErrorOptions } from './errors.js';
export type { LogoutReason, OAuthEvent, OAuthEventListener } from './events.js';
export type { StorageKind } from './store.js';
