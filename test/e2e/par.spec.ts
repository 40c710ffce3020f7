import type { Page } from '@playwright/test';
import { startStack } from '../fixtures/stack.mjs';
import { expect, loginOnHarness, openHarness, recordAuthorizationRequests, test, type Stack } from './fixtures';

/** The same fixtures, on a provider that requires pushed authorization requests (RFC 9126). */
const requiring = test.extend<object, { stack: Stack }>({
  stack: [
    async ({}, use) => {
      const stack = await startStack({ requirePar: true });
      await use(stack);
      await stack.close();
    },
    { scope: 'worker' },
  ],
});

/** Every request the page makes to the server, in order, with whether it carried a DPoP proof. */
function recordServerRequests(page: Page, stack: Stack) {
  const seen: { method: string; path: string; dpop: boolean }[] = [];
  page.on('request', async (request) => {
    const url = new URL(request.url());
    if (url.origin !== new URL(stack.auth.issuer).origin) return;
    const entry = { method: request.method(), path: url.pathname, dpop: false };
    seen.push(entry);
    entry.dpop = Boolean((await request.allHeaders()).dpop);
  });
  return seen;
}

const callApi = (page: Page, stack: Stack) =>
  page.evaluate(async (url) => {
    const response = await (window as any).sdk.fetch(url);
    return { status: response.status, tokenType: (await response.json()).tokenType };
  }, `${stack.api.origin}/api/me`);

for (const dpop of [false, true]) {
  requiring(`a server that requires PAR${dpop ? ' (DPoP)' : ''}: one push${dpop ? ' with a proof' : ''}, the browser carries only client_id and request_uri, the callback costs one request`, async ({ page, stack }) => {
    const authorizations = recordAuthorizationRequests(page, stack);
    const requests = recordServerRequests(page, stack);
    await loginOnHarness(page, stack, { dpop });

    expect([...authorizations[0].keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(authorizations[0].get('client_id')).toBe(stack.auth.clientId);
    expect(authorizations[0].get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(stack.auth.counts.par).toBe(1);
    const pushes = requests.filter((r) => r.method === 'POST' && r.path === '/request');
    expect(pushes.map((r) => r.dpop)).toEqual([dpop]);
    // After the browser left for the server, the only request the SDK made is the code exchange.
    const callback = requests.findLastIndex((r) => r.method === 'GET' && r.path.startsWith('/auth'));
    expect(requests.slice(callback + 1).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /token']);
    expect(stack.auth.counts.token.authorization_code).toBe(1);
    expect(await callApi(page, stack)).toEqual({ status: 200, tokenType: dpop ? 'DPoP' : 'Bearer' });
  });
}

requiring('par: false on a server that requires PAR is invalid_config before the page is left', async ({ page, stack }) => {
  await openHarness(page, stack, { par: false });
  const error = await page.evaluate(() => (window as any).sdk.login().then(() => null, (e: any) => ({ code: e.code, message: e.message })));
  expect(error?.code).toBe('invalid_config');
  expect(error?.message).toContain('"par"');
  expect(stack.auth.counts.par).toBe(0);
});

test('par: true pushes on a server that does not require it; without it the request goes in the URL, as before', async ({ page, stack }) => {
  const authorizations = recordAuthorizationRequests(page, stack);
  await loginOnHarness(page, stack, { par: true });
  expect([...authorizations[0].keys()].sort()).toEqual(['client_id', 'request_uri']);
  expect(stack.auth.counts.par).toBe(1);
  expect(await page.evaluate(() => (window as any).sdk.isAuthenticated)).toBe(true);

  await loginOnHarness(page, stack, {}, { prompt: 'login' });
  expect(authorizations[1].get('code_challenge_method')).toBe('S256');
  expect(authorizations[1].has('request_uri')).toBe(false);
  expect(stack.auth.counts.par).toBe(1);
});

test('par: true on a server with no pushed_authorization_request_endpoint is invalid_config', async ({ page, stack }) => {
  stack.auth.setDiscovery({ patch: { pushed_authorization_request_endpoint: undefined } });
  await openHarness(page, stack, { par: true });
  const error = await page.evaluate(() => (window as any).sdk.login().then(() => null, (e: any) => ({ code: e.code, message: e.message })));
  expect(error?.code).toBe('invalid_config');
  expect(error?.message).toContain('pushed_authorization_request_endpoint');
});
