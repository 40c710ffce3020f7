import type { Page } from '@playwright/test';
import { expect, loginOnHarness, openHarness, pauseClock, test } from './fixtures';

type SentHeaders = { url: string; authorization?: string; dpop?: string };

/** Authorization and DPoP headers the browser actually sent, per URL, from now on. */
function recordAuthHeaders(page: Page) {
  const pending: Array<Promise<SentHeaders>> = [];
  page.on('request', (request) => {
    pending.push(request.allHeaders().then((h) => ({ url: request.url(), authorization: h.authorization, dpop: h.dpop })));
  });
  return () => Promise.all(pending);
}

test('only the allow-listed origin gets the token; look-alikes and other origins get nothing', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const apiPort = new URL(stack.api.origin).port;
  const otherPort = new URL(stack.other.origin).port;
  // Hosts that do not resolve here are answered by the test itself, so what the browser sent can be read.
  const routed: SentHeaders[] = [];
  await page.route(/evil\.test/, (route) => {
    const h = route.request().headers();
    routed.push({ url: route.request().url(), authorization: h.authorization, dpop: h.dpop });
    return route.fulfill({ status: 200, body: 'ok', headers: { 'access-control-allow-origin': '*' } });
  });
  const sent = recordAuthHeaders(page);
  const outcomes = await page.evaluate(
    async ({ other, apiPort, otherPort }) => {
      const sdk = (window as any).sdk;
      const wrapped = sdk.wrapFetch(window.fetch);
      const targets: Array<RequestInfo | URL> = [
        `${other}/public`,
        new URL(`${other}/public`),
        new Request(`${other}/public`),
        `http://localhost:${apiPort}/public`, // same port, other host name
        `https://127.0.0.1:${apiPort}/public`, // https instead of http
        `http://127.0.0.1:${otherPort}/public`, // same host, another port
        `http://127.0.0.1:${apiPort}.evil.test/public`,
        `http://127.0.0.1.evil.test:${apiPort}/public`,
        `http://127.0.0.1:${apiPort}@evil.test/public`,
        '/public-relative',
      ];
      const results: string[] = [];
      for (const fetchImpl of [sdk.fetch, wrapped]) {
        for (const target of targets) {
          const input = target instanceof Request ? target.clone() : target;
          results.push(await fetchImpl(input).then((r: Response) => `ok ${r.status}`, (e: any) => `error ${e.name}`));
        }
      }
      return results;
    },
    { other: stack.other.origin, apiPort, otherPort },
  );
  // Same-origin-as-other and look-alike hosts are reached (answered), so a leak would have been seen.
  expect(outcomes.slice(0, 3)).toEqual(['ok 200', 'ok 200', 'ok 200']);
  // `127.0.0.1.evil.test` is reached once per fetch; `:port.evil.test` and `user@host` never leave
  // the browser (an invalid port, and fetch refuses URLs with credentials).
  expect(routed.map((r) => new URL(r.url).host)).toEqual([`127.0.0.1.evil.test:${apiPort}`, `127.0.0.1.evil.test:${apiPort}`]);
  const leaked = [...(await sent()), ...routed].filter((s) => !s.url.startsWith(`${stack.api.origin}/`) && (s.authorization || s.dpop));
  expect(leaked).toEqual([]);
  expect(stack.other.requests.filter((r: any) => r.authorization || r.dpop)).toEqual([]);
  expect(stack.other.requests.filter((r: any) => r.method === 'GET').length).toBeGreaterThanOrEqual(8);

  // The allow-listed origin, by string, URL and Request, gets it.
  const statuses = await page.evaluate(async (api) => {
    const sdk = (window as any).sdk;
    const wrapped = sdk.wrapFetch(window.fetch);
    return Promise.all([
      sdk.fetch(`${api}/api/me`).then((r: Response) => r.status),
      sdk.fetch(new URL(`${api}/api/me`)).then((r: Response) => r.status),
      sdk.fetch(new Request(`${api}/api/me`)).then((r: Response) => r.status),
      wrapped(`${api}/api/me`).then((r: Response) => r.status),
    ]);
  }, stack.api.origin);
  expect(statuses).toEqual([200, 200, 200, 200]);
  const toApi = stack.api.requests.filter((r: any) => r.method === 'GET' && r.path === '/api/me');
  expect(toApi.every((r: any) => r.authorization?.startsWith('Bearer '))).toBe(true);
});

test('an origin that merely starts with an allowed one (a longer port, a longer host) gets no token', async ({ page, stack }) => {
  // Two more allowed origins with nothing behind them: the test answers for them, and for their
  // look-alikes, so what the browser really sends to each can be read.
  const allowed = ['http://127.0.0.1:655', 'http://localhost'];
  await loginOnHarness(page, stack, { apiOrigins: [stack.api.origin, ...allowed] });
  const sent = new Map<string, string | undefined>();
  await page.route(/^http:\/\/(127\.0\.0\.1:655|localhost)/, (route) => {
    const request = route.request();
    if (request.method() === 'GET') sent.set(request.url(), request.headers().authorization);
    return route.fulfill({
      status: 200,
      body: 'ok',
      headers: {
        'access-control-allow-origin': stack.app.origin,
        'access-control-allow-headers': 'authorization, dpop',
      },
    });
  });
  const lookAlikes = ['http://127.0.0.1:6553/x', 'http://localhost:8080/x', 'http://localhost.evil.test/x'];
  const targets = [...allowed.map((origin) => `${origin}/x`), ...lookAlikes];
  const statuses = await page.evaluate(
    (targets) => Promise.all(targets.map((url) => (window as any).sdk.fetch(url).then((r: Response) => r.status))),
    targets,
  );
  expect(statuses).toEqual(targets.map(() => 200));
  const token = await page.evaluate(() => (window as any).sdk.getAccessToken());
  expect(targets.map((url) => [url, sent.get(url)])).toEqual([
    ...allowed.map((origin) => [`${origin}/x`, `Bearer ${token}`]),
    ...lookAlikes.map((url) => [url, undefined]),
  ]);
});

test('a 401 invalid_token is retried once, after one refresh; a second 401 is returned, not retried again', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const status = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/reject`).then((r: Response) => r.status), stack.api.origin);
  expect(status).toBe(401);
  const rejected = stack.api.requests.filter((r: any) => r.path === '/api/reject' && r.method === 'GET');
  expect(rejected.map((r: any) => r.status)).toEqual([401, 401]);
  // The retry carried the refreshed token, not the rejected one again.
  expect(rejected[0].authorization).not.toBe(rejected[1].authorization);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
});

for (const error of ['invalid_request', 'insufficient_scope', '']) {
  test(`a 401 with ${error ? `error="${error}"` : 'a bare challenge'} is returned as it is: no refresh, no retry`, async ({ page, stack }) => {
    await loginOnHarness(page, stack);
    const status = await page.evaluate(
      ({ api, error }) => (window as any).sdk.fetch(`${api}/api/reject?error=${error}`).then((r: Response) => r.status),
      { api: stack.api.origin, error },
    );
    expect(status).toBe(401);
    expect(stack.api.requests.filter((r: any) => r.path === '/api/reject' && r.method === 'GET')).toHaveLength(1);
    expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  });
}

test('a relative URL resolves against the page: with the page origin allowed it gets the token', async ({ page, stack }) => {
  await loginOnHarness(page, stack, { apiOrigins: [stack.app.origin] });
  const sent = recordAuthHeaders(page);
  await page.evaluate(() => (window as any).sdk.fetch('/relative-check'));
  const request = (await sent()).find((s) => s.url === `${stack.app.origin}/relative-check`);
  expect(request?.authorization).toMatch(/^Bearer /);
});

test('a request that already has an Authorization header is left alone', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const status = await page.evaluate(
    (api) => (window as any).sdk.fetch(`${api}/api/me`, { headers: { Authorization: 'Bearer mine' } }).then((r: Response) => r.status),
    stack.api.origin,
  );
  expect(status).toBe(401);
  expect(stack.api.requests.find((r: any) => r.method === 'GET')?.authorization).toBe('Bearer mine');
  expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
});

test('not signed in: a request to an API origin rejects with login_required before anything is sent', async ({ page, stack }) => {
  await openHarness(page, stack);
  const code = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).catch((e: any) => e.code), stack.api.origin);
  expect(code).toBe('login_required');
  expect(stack.api.requests).toEqual([]);
  // Other origins still pass through.
  const status = await page.evaluate((other) => (window as any).sdk.fetch(`${other}/public`).then((r: Response) => r.status), stack.other.origin);
  expect(status).toBe(200);
});

test.describe('a token the API stops accepting mid-session', () => {
  test.beforeEach(async ({ page, context, stack }) => {
    // The page's clock stands still, so to the SDK the token stays valid for its hour; the server
    // forgets it (as at its expiry or a revocation), so the API answers invalid_token.
    await pauseClock(context);
    await loginOnHarness(page, stack);
    stack.auth.store.deleteModels(['AccessToken']);
  });

  test('GET: one refresh and one retry', async ({ page, stack }) => {
    const result = await page.evaluate((api) => (window as any).sdk.fetch(`${api}/api/me`).then(async (r: Response) => [r.status, (await r.json()).sub]), stack.api.origin);
    expect(result).toEqual([200, 'alice']);
    expect(stack.auth.counts.token.refresh_token).toBe(1);
    expect(stack.api.requests.filter((r: any) => r.method === 'GET').map((r: any) => r.status)).toEqual([401, 200]);
  });

  test('POST with a JSON body: retried with the same body', async ({ page, stack }) => {
    const body = JSON.stringify({ hello: 'world', n: 1 });
    const echoed = await page.evaluate(
      ({ api, body }) =>
        (window as any).sdk
          .fetch(`${api}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
          .then(async (r: Response) => [r.status, (await r.json()).body]),
      { api: stack.api.origin, body },
    );
    expect(echoed).toEqual([200, body]);
    const posts = stack.api.requests.filter((r: any) => r.method === 'POST');
    expect(posts.map((r: any) => [r.status, r.body])).toEqual([[401, body], [200, body]]);
    expect(stack.auth.counts.token.refresh_token).toBe(1);
  });

  test('a streamed body is not retried: the 401 is returned', async ({ page, stack }) => {
    const outcome = await page.evaluate((api) => {
      // Chromium streams uploads over HTTP/2 only, and this API speaks HTTP/1.1, so the app's own
      // fetch (injected through wrapFetch) buffers the stream; the SDK still sees a stream body.
      const buffering = async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        const body = request.body ? await request.text() : undefined;
        return fetch(request.url, { method: request.method, headers: request.headers, body });
      };
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('streamed'));
          controller.close();
        },
      });
      return (window as any).sdk
        .wrapFetch(buffering)(`${api}/api/echo`, { method: 'POST', body: stream, duplex: 'half' })
        .then((r: Response) => `status ${r.status}`, (e: any) => `error ${e.name}: ${e.message}`);
    }, stack.api.origin);
    expect(outcome).toBe('status 401');
    expect(stack.api.requests.filter((r: any) => r.method === 'POST').map((r: any) => [r.status, r.body])).toEqual([[401, 'streamed']]);
    expect(stack.auth.counts.token.refresh_token ?? 0).toBe(0);
  });
});

for (const options of [{}, { dpop: true }]) {
  test(`an allowed API that redirects elsewhere: not followed, nothing reaches the other origin${options.dpop ? ' (DPoP)' : ''}`, async ({ page, stack }) => {
    await loginOnHarness(page, stack, options);
    const target = `${stack.other.origin}/landing`;
    const outcome = await page.evaluate(
      ({ api, target }) => (window as any).sdk.fetch(`${api}/redirect?to=${encodeURIComponent(target)}`).then((r: Response) => `${r.type} ${r.status}`),
      { api: stack.api.origin, target },
    );
    expect(outcome).toBe('opaqueredirect 0');
    expect(stack.api.requests.filter((r: any) => r.path === '/redirect' && r.method === 'GET').map((r: any) => r.status)).toEqual([307]);
    expect(stack.other.requests).toEqual([]);

    // An app that asks for redirects by name gets them; the browser drops Authorization across origins.
    const followed = await page.evaluate(
      ({ api, target }) => (window as any).sdk.fetch(`${api}/redirect?to=${encodeURIComponent(target)}`, { redirect: 'follow' }).then((r: Response) => r.status),
      { api: stack.api.origin, target },
    );
    expect(followed).toBe(200);
    expect(stack.other.requests.filter((r: any) => r.method === 'GET').map((r: any) => r.authorization)).toEqual([undefined]);
  });
}

test('an API that refuses fresh tokens too gets one refresh, not one per call, and a token_rejected error event', async ({ page, stack }) => {
  await loginOnHarness(page, stack);
  const statuses = await page.evaluate(async (api) => {
    const sdk = (window as any).sdk;
    const call = () => sdk.fetch(`${api}/api/reject`).then((r: Response) => r.status);
    const first = [await call(), await call(), await call()];
    return [...first, ...(await Promise.all([call(), call(), call()]))];
  }, stack.api.origin);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
  expect(stack.auth.counts.token.refresh_token).toBe(1);
  const rejections = await page.evaluate(() =>
    (window as any).events.filter((e: any) => e.type === 'error').map((e: any) => e.error.code),
  );
  expect(rejections).toEqual(['token_rejected']);
});
// Issue 22 (7): an API left out of `apiOrigins` gets no token (right) and answers 401; the developer
// hears why once per origin, as an `error` event with its own code.
for (const [what, options] of [
  ['apiOrigins', (other: string) => ({ apiOrigins: [other] })],
  ['apis', (other: string) => ({ apiOrigins: [], apis: { [other]: {} } })],
] as const) {
  test(`an API origin missing from ${what} that answers 401: one api_origin_not_listed error event naming it, no token sent`, async ({ page, stack }) => {
    await loginOnHarness(page, stack, options(stack.other.origin));
    const sent = recordAuthHeaders(page);
    const { statuses, events } = await page.evaluate(async ({ api, other }) => {
      const w = window as any;
      w.events.length = 0;
      const statuses = [];
      for (const url of [`${api}/api/me`, `${api}/api/me`, `${other}/public`, `${api}/api/me?again`]) statuses.push((await w.sdk.fetch(url)).status);
      return { statuses, events: w.events.map((e: any) => ({ type: e.type, code: e.error?.code, message: e.error?.message })) };
    }, { api: stack.api.origin, other: stack.other.origin });
    expect(statuses).toEqual([401, 401, 200, 401]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code: 'api_origin_not_listed' });
    expect(events[0].message).toContain(stack.api.origin);
    expect(events[0].message).toContain('"apiOrigins"');
    expect(events[0].message).toContain('"apis"');
    expect((await sent()).filter((s) => s.url.startsWith(stack.api.origin) && (s.authorization || s.dpop))).toEqual([]);
  });
}
