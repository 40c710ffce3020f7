import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createOAuthClient } from 'spa-oauth-client';
import { OAuthProvider } from 'spa-oauth-client/react';
import { App, navigate } from './App';

const config = (window as unknown as { SPA_OAUTH_CONFIG: { issuer: string; clientId: string; apiOrigin: string } }).SPA_OAUTH_CONFIG;
const home = location.origin + import.meta.env.BASE_URL;

// Created once, at module scope; the provider handles the login callback.
const client = createOAuthClient({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: home,
  postLogoutRedirectUri: home,
  scope: 'openid profile email offline_access',
  apiOrigins: [config.apiOrigin],
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <OAuthProvider client={client} onRedirect={(returnTo) => navigate(returnTo, { replace: true })}>
      <App apiOrigin={config.apiOrigin} />
    </OAuthProvider>
  </StrictMode>,
);
