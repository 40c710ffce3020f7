import { useState, useSyncExternalStore } from 'react';
import { RequireAuth, useOAuth } from 'spa-oauth-client/react';

const BASE = import.meta.env.BASE_URL;

// A router in a few lines, so the example needs nothing but React; with React Router, pass its
// navigate() to <OAuthProvider onRedirect>.
const listeners = new Set<() => void>();
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    removeEventListener('popstate', listener);
  };
};
export function navigate(to: string, { replace = false } = {}) {
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  for (const listener of listeners) listener();
}
const usePath = () => useSyncExternalStore(subscribe, () => location.pathname);

function Profile({ apiOrigin }: { apiOrigin: string }) {
  const { user, fetch } = useOAuth();
  const [api, setApi] = useState('');
  const callApi = async () => {
    const response = await fetch(`${apiOrigin}/api/me`);
    setApi(`${response.status} ${JSON.stringify(await response.json())}`);
  };
  return (
    <section>
      <h2>Profile</h2>
      <p id="user">{user?.name} ({user?.email})</p>
      <button id="call-api" onClick={callApi}>Call the API</button>
      <pre id="api-result">{api}</pre>
    </section>
  );
}

export function App({ apiOrigin }: { apiOrigin: string }) {
  const { status, user, error, login, logout } = useOAuth();
  const path = usePath();
  return (
    <main>
      <nav>
        <a href={BASE} onClick={(e) => (e.preventDefault(), navigate(BASE))}>Home</a>{' '}
        <a id="profile-link" href={`${BASE}profile`} onClick={(e) => (e.preventDefault(), navigate(`${BASE}profile`))}>Profile</a>
      </nav>
      <p id="status">{status}</p>
      {error && <p id="error" role="alert">{error.code}: {error.message}</p>}
      {status === 'signed-in' ? (
        <p>
          Hello, <span id="name">{user?.name}</span>{' '}
          <button id="logout" onClick={() => logout()}>Log out</button>
        </p>
      ) : (
        <button id="login" disabled={status === 'loading'} onClick={() => login({ returnTo: `${BASE}profile` })}>Log in</button>
      )}
      {path === `${BASE}profile` && (
        <RequireAuth fallback={<p>Signing in…</p>}>
          <Profile apiOrigin={apiOrigin} />
        </RequireAuth>
      )}
    </main>
  );
}
