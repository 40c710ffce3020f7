// Compiled by `npm run typecheck` (never run): the step-up, scope and PAR shapes an app writes.
import { createOAuthClient, type Client, type OAuthEvent } from 'spa-oauth-client';

declare const client: Client;

/** The README's step-up example: a step_up event's values go straight back into login(). */
export function onStepUp(event: OAuthEvent) {
  if (event.type === 'step_up') {
    const acr: string | undefined = event.acrValues;
    const maxAge: number | undefined = event.maxAge;
    return client.login({ acrValues: acr, maxAge, returnTo: new URL(event.url).pathname });
  }
  if (event.type === 'insufficient_scope') return event.scope;
  // @ts-expect-error only a step_up event has acrValues
  return event.acrValues;
}

export const pushed = createOAuthClient({ issuer: 'https://as.example', clientId: 'c', redirectUri: 'https://app.example/', par: true });
// @ts-expect-error maxAge is a number of seconds
export const wrongMaxAge = client.login({ maxAge: '300' });
