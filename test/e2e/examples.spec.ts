import { expect, test, watchErrors, type Stack } from './fixtures';

// The example apps under examples/, built by Vite (npm run build:examples) and served by the app
// server under /examples/<name>/, against the real provider and API.

for (const name of ['react', 'vue']) {
  const base = (stack: Stack) => `${stack.app.origin}/examples/${name}/`;

  test(`${name} example: log in, see the user, call the API, reload, log out`, async ({ page, stack }) => {
    const errors = watchErrors(page);
    await page.goto(base(stack));
    await expect(page.locator('#status')).toHaveText('signed-out');

    await page.click('#login');
    await page.waitForURL(`${base(stack)}profile`);
    await expect(page.locator('#status')).toHaveText('signed-in');
    await expect(page.locator('#name')).toHaveText('Alice Example');
    await expect(page.locator('#user')).toHaveText('Alice Example (alice@example.com)');
    expect(stack.auth.counts.token.authorization_code).toBe(1);

    await page.click('#call-api');
    await expect(page.locator('#api-result')).toContainText('200 {"sub":"alice"');

    await page.reload();
    await expect(page.locator('#status')).toHaveText('signed-in');
    await expect(page.locator('#user')).toHaveText('Alice Example (alice@example.com)');
    expect(stack.auth.counts.token.authorization_code).toBe(1);

    await page.click('#logout');
    await page.waitForURL(base(stack));
    await expect(page.locator('#status')).toHaveText('signed-out');
    expect(stack.auth.counts.revocation).toBe(1);
    // Logging out on a protected page started no login racing the logout redirect.
    expect(stack.auth.counts.authorize).toBe(1);
    await expect(page.locator('#error')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test(`${name} example: a protected page opened signed out logs in and comes back to it`, async ({ page, stack }) => {
    const errors = watchErrors(page);
    // The page leaves for the server at once, so only the start of its navigation is awaited.
    await page.goto(`${base(stack)}profile?tab=keys`, { waitUntil: 'commit' });
    await expect(page.locator('#status')).toHaveText('signed-in', { timeout: 30_000 });
    await expect(page).toHaveURL(`${base(stack)}profile?tab=keys`);
    await expect(page.locator('#user')).toHaveText('Alice Example (alice@example.com)');
    expect(stack.auth.counts.authorize).toBe(1);
    expect(stack.auth.counts.token.authorization_code).toBe(1);
    expect(errors).toEqual([]);
  });

  test(`${name} example: a login the server refuses shows its error`, async ({ page, stack }) => {
    // prompt=none without a session at the server: it sends login_required straight back.
    await page.route(`${stack.auth.issuer}/auth?**`, (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('prompt', 'none');
      return route.continue({ url: url.href });
    });
    await page.goto(base(stack));
    await expect(page.locator('#status')).toHaveText('signed-out');
    await page.click('#login');
    await expect(page.locator('#error')).toContainText('login_required');
    await expect(page.locator('#status')).toHaveText('signed-out');
    expect(new URL(page.url()).search).toBe('');
    expect(stack.auth.counts.token.authorization_code ?? 0).toBe(0);
  });
}

test('react example: the callback page goes from loading straight to the returnTo page, never signed in on the callback URL', async ({ page, stack }) => {
  const base = `${stack.app.origin}/examples/react/`;
  // Every status the page shows, with the path it shows it on.
  await page.addInitScript(() => {
    const seen: string[] = ((window as any).__statuses = []);
    new MutationObserver(() => {
      const status = document.getElementById('status')?.textContent;
      if (status && seen.at(-1) !== `${status} ${location.pathname}`) seen.push(`${status} ${location.pathname}`);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(base);
  await expect(page.locator('#status')).toHaveText('signed-out');
  await page.click('#login');
  await page.waitForURL(`${base}profile`);
  await expect(page.locator('#user')).toHaveText('Alice Example (alice@example.com)');
  expect(await page.evaluate(() => (window as any).__statuses)).toEqual(['loading /examples/react/', 'signed-in /examples/react/profile']);
});
