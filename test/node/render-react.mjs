// A server-side render of <OAuthProvider>, the client created at module scope as the README says.
// Prints the HTML; the process must then exit by itself, with no unhandled rejection.
import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';
import { createOAuthClient } from '../../dist/spa-oauth.mjs';
import { OAuthProvider, RequireAuth, useOAuth } from '../../dist/react.mjs';

const client = createOAuthClient({ issuer: 'https://auth.example.com', clientId: 'spa', redirectUri: 'https://app.example.com/' });

function Status() {
  const { status, user } = useOAuth();
  return h('p', { id: 'status' }, status, user ? ` ${user.name}` : '');
}

// A server renders on a later request, long after the module-scope promise settled.
await new Promise((resolve) => setImmediate(resolve));
const html = renderToString(
  h(OAuthProvider, { client }, h(Status), h(RequireAuth, { fallback: h('p', { id: 'fallback' }, 'wait') }, h('p', null, 'secret'))),
);
console.log(html);
