// spa-oauth, as its README shows it: create the client, handle the redirect, call the API with sdk.fetch.
let sdk;
bench.boot({
  async start(config) {
    sdk = await SpaOAuth.createOAuthClient({
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: location.origin + location.pathname,
      scope: 'openid profile offline_access',
      apiOrigins: [config.apiOrigin],
      // The two-API storm gives each of two more APIs a token of its own.
      ...(window.BENCH_APIS ? { apis: window.BENCH_APIS } : {}),
    });
    await sdk.handleRedirect();
    return sdk.isAuthenticated;
  },
  login: () => sdk.login(),
  call: (url) => sdk.fetch(url),
  token: () => sdk.getAccessToken(),
  isAuthenticated: async () => sdk.isAuthenticated,
});
