// The demo app: a header with the signed-in user, a profile card, a protected page that calls the
// API, a live token panel and an event log that survives the login and logout redirects.
// It uses only the SDK's public API (the IIFE's global SpaOAuth) and the demo API's endpoints.

const cfg = window.SPA_OAUTH_CONFIG;
const $ = (id) => document.getElementById(id);
// Events and API results carry no token, so the log may sit in sessionStorage: one log per tab,
// kept across the redirects to the provider and back.
const LOG_KEY = 'spa-oauth-demo:log';
// A UI preference, shared by the tabs like the session it shapes.
const DPOP_KEY = 'spa-oauth-demo:dpop';

let sdk;
let token = null; // { tokenType, expiresAt, lifetime } as the API or a refresh event last told us
let dataLoaded = false;
let booted = false;

// ---- event log ----
const readLog = () => JSON.parse(sessionStorage.getItem(LOG_KEY) ?? '[]');
function log(kind, text) {
  const entries = [...readLog(), { at: Date.now(), kind, text }].slice(-80);
  sessionStorage.setItem(LOG_KEY, JSON.stringify(entries));
  renderLog();
}
function renderLog() {
  $('log').replaceChildren(...readLog().reverse().map(({ at, kind, text }) => {
    const li = document.createElement('li');
    li.className = kind;
    const time = document.createElement('time');
    time.textContent = new Date(at).toLocaleTimeString([], { hour12: false });
    const label = document.createElement('span');
    label.className = 'kind';
    label.textContent = kind;
    const body = document.createElement('span');
    body.textContent = text;
    li.append(time, label, body);
    return li;
  }));
}

const LOGOUT_REASONS = {
  user: 'you logged out',
  other_tab: 'another tab logged out',
  invalid_grant: 'the server ended the session (refresh token revoked or reused)',
  expired: 'the session expired and there is no refresh token',
};
const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

function onEvent(event) {
  if (event.type === 'login') {
    log('login', `signed in as ${event.user?.name ?? event.user?.sub ?? 'someone'}`);
    // Another tab logged in: this one learns of it here, not through a redirect.
    if (booted) void action(loadTokenInfo);
  }
  if (event.type === 'logout') {
    log('logout', LOGOUT_REASONS[event.reason] ?? event.reason);
    token = null;
    dataLoaded = false;
  }
  if (event.type === 'refresh') {
    log('refresh', `new access token, valid until ${clock(event.expiresAt)}`);
    token = { ...token, expiresAt: event.expiresAt, lifetime: event.expiresAt - Date.now() };
  }
  if (event.type === 'error') log('error', `${event.error.code}: ${event.error.message}`);
  render();
}

// ---- API calls, always through client.fetch ----
async function callApi(path, init) {
  const res = await sdk.fetch(`${cfg.apiOrigin}${path}`, init);
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  log('api', `${init?.method ?? 'GET'} ${path} → ${res.status}${body?.sub ? ` (${body.sub})` : ''}`);
  return { status: res.status, body };
}

async function loadTokenInfo() {
  const { status, body } = await callApi('/api/token');
  if (status === 200) token = { tokenType: body.tokenType, expiresAt: body.expiresAt, lifetime: body.expiresAt - body.issuedAt };
}

async function loadData() {
  const { status, body } = await callApi('/api/me');
  dataLoaded = true;
  const rows = status === 200
    ? [['The API says you are', body.sub], ['Scopes granted', body.scope.split(' ').join(' · ')], ['Token type', body.tokenType], ['HTTP status', status]]
    : [['HTTP status', status], ['Error', body?.error ?? 'none']];
  const dl = document.createElement('dl');
  for (const [name, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dl.append(dt, dd);
  }
  $('api-result').replaceChildren(dl);
  if (body?.tokenType) token = { ...token, tokenType: body.tokenType };
}

// ---- rendering ----
function initials(user) {
  const name = String(user.name ?? user.preferred_username ?? user.sub ?? '?');
  return name.split(/\s+/).map((part) => part[0]).join('').slice(0, 2).toUpperCase();
}

function renderProfile(user) {
  const when = (seconds) => (typeof seconds === 'number' ? new Date(seconds * 1000).toLocaleString() : '—');
  const rows = [
    ['Name', user.name],
    ['Username', user.preferred_username],
    ['Email', user.email ? `${user.email}${user.email_verified ? ' (verified)' : ''}` : undefined],
    ['Subject', user.sub],
    ['Signed in', when(user.auth_time ?? user.iat)],
    ['Issuer', user.iss],
  ].filter(([, value]) => value !== undefined);
  $('user').replaceChildren(...rows.flatMap(([name, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
}

function renderToken() {
  const meter = $('token-meter');
  $('token-type').textContent = token?.tokenType ?? '';
  if (!sdk?.isAuthenticated) {
    $('token-state').textContent = 'No token: signed out.';
    meter.style.width = '0';
    return;
  }
  if (!token?.expiresAt) {
    $('token-state').textContent = 'Signed in; the next API call shows the token\'s expiry.';
    return;
  }
  const left = Math.round((token.expiresAt - Date.now()) / 1000);
  $('token-state').textContent = left > 0
    ? `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} (at ${clock(token.expiresAt)})`
    : 'Expired: the next API call refreshes it first.';
  const share = Math.max(0, Math.min(1, (token.expiresAt - Date.now()) / (token.lifetime || 60_000)));
  meter.style.width = `${share * 100}%`;
  meter.className = share < 0.5 ? 'low' : '';
}

function render() {
  const signedIn = Boolean(sdk?.isAuthenticated);
  const user = sdk?.user;
  const page = location.pathname === '/data' ? 'data' : 'home';
  $('status').textContent = signedIn ? 'signed in' : 'signed out';
  $('status').className = signedIn ? 'pill in' : 'pill';
  $('avatar').hidden = $('user-name').hidden = $('logout').hidden = !signedIn;
  $('login').hidden = signedIn || !sdk;
  $('login-popup').hidden = $('restore').hidden = signedIn || !sdk;
  $('forget-local').disabled = !signedIn;
  if (signedIn && user) {
    $('avatar').textContent = initials(user);
    $('user-name').textContent = user.name ?? user.sub;
    renderProfile(user);
  }
  $('profile').hidden = !signedIn;
  $('welcome-hint').hidden = signedIn;
  $('page-home').hidden = page !== 'home';
  $('page-data').hidden = page !== 'data';
  $('data-signed-out').hidden = signedIn;
  $('call-api').disabled = $('expire-now').disabled = $('token-call').disabled = !signedIn;
  if (!signedIn) $('api-result').replaceChildren();
  for (const link of document.querySelectorAll('nav a')) {
    link.toggleAttribute('aria-current', new URL(link.href).pathname === location.pathname);
    if (link.hasAttribute('aria-current')) link.setAttribute('aria-current', 'page');
  }
  renderToken();
  if (signedIn && page === 'data' && !dataLoaded) void action(loadData);
}

// ---- actions ----
async function action(run) {
  $('error-card').hidden = true;
  try {
    await run();
  } catch (err) {
    $('error').textContent = `${err?.code ?? err?.name ?? 'error'}: ${err?.message ?? err}`;
    $('error-card').hidden = false;
    log('error', `${err?.code ?? err?.name}: ${err?.message ?? err}`);
  } finally {
    render();
  }
}
const onClick = (id, run) => $(id).addEventListener('click', () => action(run));

/** Deletes the SDK's session record from IndexedDB, nothing else, and reloads: what a storage wipe does. */
async function forgetLocalSession() {
  await new Promise((resolve, reject) => {
    const open = indexedDB.open('spa-oauth');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('state', 'readwrite');
      const store = tx.objectStore('state');
      const keys = store.getAllKeys();
      keys.onsuccess = () => keys.result.filter((key) => String(key).endsWith('|session')).forEach((key) => store.delete(key));
      tx.oncomplete = () => resolve(open.result.close());
      tx.onerror = () => reject(tx.error);
    };
  });
  log('demo', 'deleted the session from IndexedDB; the provider still has its own: try Restore session');
  location.reload();
}

function navigate(path) {
  history.pushState(null, '', path);
  dataLoaded = false;
  render();
}

function wire() {
  onClick('login', () => sdk.login());
  // Called straight from the click: the popup must open before anything is awaited.
  onClick('login-popup', () => sdk.loginWithPopup());
  onClick('restore', async () => {
    const restored = await sdk.restoreSession();
    log('demo', restored ? 'restoreSession(): the provider still had a session, signed in again' : 'restoreSession(): not signed in at the provider (login_required)');
    if (restored) await loadTokenInfo();
  });
  onClick('forget-local', forgetLocalSession);
  onClick('logout', () => sdk.logout());
  onClick('call-api', loadData);
  onClick('token-call', loadData);
  onClick('expire-now', async () => {
    await callApi('/api/expire', { method: 'POST' });
    log('demo', 'the API forgot the access token: the next call gets 401 and the SDK refreshes once');
    token = { ...token, expiresAt: Date.now() };
  });
  onClick('open-tab', () => {
    window.open(location.href, '_blank');
    log('demo', 'opened another tab: log in, out or refresh in one and watch the other');
  });
  onClick('call-other', async () => {
    const res = await sdk.fetch(`${cfg.otherOrigin}/echo`);
    const seen = await res.json();
    const sent = seen.authorization || seen.dpop;
    $('other-result').className = sent ? 'bad' : 'ok';
    $('other-result').textContent = sent
      ? `${cfg.otherOrigin} received credentials: this must never happen`
      : `${cfg.otherOrigin} is not in apiOrigins: it received no Authorization header and no DPoP proof.`;
    log('api', `GET ${cfg.otherOrigin}/echo → ${res.status}, token sent: ${sent ? 'YES' : 'no'}`);
  });
  onClick('clear-log', () => {
    sessionStorage.removeItem(LOG_KEY);
    renderLog();
  });
  $('dpop').addEventListener('change', (e) => action(async () => {
    localStorage.setItem(DPOP_KEY, e.target.checked ? 'on' : 'off');
    log('demo', `DPoP ${e.target.checked ? 'on' : 'off'}: log in again for a ${e.target.checked ? 'DPoP-bound' : 'Bearer'} token`);
    if (sdk?.isAuthenticated) await sdk.logout({ localOnly: true });
    location.reload();
  }));
  document.addEventListener('click', (e) => {
    const link = e.target.closest('a[data-link]');
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    navigate(new URL(link.href).pathname);
  });
  window.addEventListener('popstate', () => {
    dataLoaded = false;
    render();
  });
  setInterval(renderToken, 1000);
}

(async () => {
  renderLog();
  log('page', `page loaded: ${location.pathname}`);
  $('api-origin').textContent = cfg.apiOrigin;
  const dpop = localStorage.getItem(DPOP_KEY) === 'on';
  $('dpop').checked = dpop;
  wire();
  await action(async () => {
    sdk = await SpaOAuth.createOAuthClient({
      issuer: cfg.issuer,
      clientId: cfg.clientId,
      redirectUri: location.origin + '/',
      postLogoutRedirectUri: location.origin + '/',
      scope: 'openid profile email offline_access',
      apiOrigins: [cfg.apiOrigin],
      dpop,
    });
    window.sdk = sdk;
    sdk.subscribe(onEvent);
    const back = await sdk.handleRedirect();
    if (back) history.replaceState(null, '', back.returnTo);
    if (sdk.isAuthenticated) await loadTokenInfo();
  });
  booted = true;
  document.body.dataset.ready = 'true';
})();
