// What the page sent to the authorization server and the API between two snapshots, counted by
// the servers themselves (so CORS preflights are included).

export function snapshot(stack) {
  const { counts } = stack.auth;
  return {
    auth: counts.requests,
    preflight: counts.preflight + stack.api.requests.filter((r) => r.method === 'OPTIONS').length,
    discovery: counts.discovery,
    jwks: counts.jwks,
    userinfo: counts.userinfo,
    authorizationCodeGrant: counts.token.authorization_code,
    refreshTokenGrant: counts.token.refresh_token,
    api: stack.api.requests.length,
  };
}

/** Differences key by key, plus `total` = every request to the authorization server or the API. */
export function since(before, stack) {
  const after = snapshot(stack);
  const delta = Object.fromEntries(Object.keys(after).map((key) => [key, after[key] - before[key]]));
  return { total: delta.auth + delta.api, ...delta };
}
