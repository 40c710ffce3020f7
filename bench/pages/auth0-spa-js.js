// auth0-spa-js, as its README shows it: createAuth0Client, handleRedirectCallback on the callback,
// getTokenSilently() before each API call.
let client;
bench.boot({
  async start(config, isCallback) {
    client = await auth0.createAuth0Client({
      // An http:// domain is used as is (a bare host would become https://); the expected
      // ID token issuer is then `${domain}/`, so the test server's issuer ends with a slash.
      domain: config.issuer.replace(/\/$/, ''),
      clientId: config.clientId,
      useRefreshTokens: true,
      cacheLocation: 'localstorage',
      authorizationParams: {
        redirect_uri: location.origin + location.pathname,
        scope: 'openid profile offline_access',
      },
    });
    if (isCallback) {
      await client.handleRedirectCallback();
      history.replaceState(null, '', location.pathname);
    }
    return client.isAuthenticated();
  },
  login: () => client.loginWithRedirect(),
  async call(url) {
    const token = await client.getTokenSilently();
    return fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  },
  token: () => client.getTokenSilently(),
  isAuthenticated: () => client.isAuthenticated(),
});
