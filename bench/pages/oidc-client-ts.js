// oidc-client-ts, as its docs show it: a UserManager with the user in localStorage and automatic
// silent renew; signinRedirectCallback on the callback; the access token from getUser(), renewed
// with signinSilent() (the refresh token grant) when it has expired.
let manager;
const signedIn = (user) => Boolean(user && !user.expired);
bench.boot({
  async start(config, isCallback) {
    manager = new oidc.UserManager({
      authority: config.issuer,
      client_id: config.clientId,
      redirect_uri: location.origin + location.pathname,
      response_type: 'code',
      scope: 'openid profile offline_access',
      automaticSilentRenew: true,
      userStore: new oidc.WebStorageStateStore({ store: window.localStorage }),
    });
    if (!isCallback) return signedIn(await manager.getUser());
    const user = await manager.signinRedirectCallback();
    history.replaceState(null, '', location.pathname);
    return signedIn(user);
  },
  login: () => manager.signinRedirect(),
  async call(url) {
    let user = await manager.getUser();
    if (!signedIn(user)) user = await manager.signinSilent();
    return fetch(url, { headers: { Authorization: `Bearer ${user.access_token}` } });
  },
  token: async () => (await manager.getUser()).access_token,
  isAuthenticated: async () => signedIn(await manager.getUser()),
});
