// Compiled by `npm run typecheck` (never run): what the public types let an app write, and what
// they refuse (each @ts-expect-error fails the check when the line it guards compiles).
import { createOAuthClient, type Client, type OAuthEvent } from 'spa-oauth-client';
import { useOAuth as useReactOAuth } from 'spa-oauth-client/react';
import { useOAuth as useVueOAuth } from 'spa-oauth-client/vue';

declare const client: Client;

export const name: string | undefined = client.user?.name;
export const sub: string | undefined = client.user?.sub;
export const verified: boolean | undefined = client.user?.email_verified;
export const locality: string | undefined = client.user?.address?.locality;
export const extra: unknown = client.user?.['https://example.com/roles'];
// @ts-expect-error email is a string
export const wrong: number | undefined = client.user?.email;
// @ts-expect-error user may be null
export const unchecked: string = client.user.sub;

interface AppClaims {
  roles: string[];
  email: string;
}

export async function narrowed() {
  const app = await createOAuthClient<AppClaims>({ issuer: 'https://as.example', clientId: 'c', redirectUri: 'https://app.example/' });
  const roles: string[] | undefined = app.user?.roles;
  const email: string | undefined = app.user?.email;
  const given: string | undefined = app.user?.given_name;
  // A narrowed client is still a Client, e.g. for <OAuthProvider client>.
  const plain: Client = app;
  return [roles, email, given, plain];
}

export function onEvent(event: OAuthEvent) {
  if (event.type === 'login') return event.user?.preferred_username;
}

export function ReactComponent() {
  const { status, user, error } = useReactOAuth<AppClaims>();
  const state: 'loading' | 'signed-in' | 'signed-out' = status;
  return [state, user?.roles.join(','), user?.name, error?.code];
}

export function vueSetup() {
  const { status, user, login } = useVueOAuth<AppClaims>();
  // @ts-expect-error the refs are read-only
  status.value = 'signed-in';
  return [user.value?.roles, login({ returnTo: '/' })];
}
