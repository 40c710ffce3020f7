// One repetition of each measured scenario, for one SDK. Every repetition starts from empty
// server state and a fresh browser context (no cookies, storage or cache).
import { expectState, login } from './browser.mjs';
import { since, snapshot } from './counters.mjs';

async function withContext(browser, run) {
  const context = await browser.newContext();
  try {
    return await run(context);
  } finally {
    await context.close();
  }
}

const apiUrl = (stack) => `${stack.api.origin}/api/me`;

/**
 * Login callback: from the callback page's navigation start to the SDK saying "authenticated".
 * The login redirect is held once on the callback URL, so the counters can be read before that URL
 * is loaded again as a fresh navigation. Then returning user: a reload of the signed-in page.
 */
export function loginCallbackAndReturningUser({ browser, stack, pageUrl }) {
  return withContext(browser, async (context) => {
    stack.reset();
    const page = await context.newPage();
    await login(page, pageUrl, { hold: true });
    let before = snapshot(stack);
    const callback = await expectState(page, 'authenticated', () => page.goto(page.url()));
    const callbackRequests = since(before, stack);

    before = snapshot(stack);
    const returning = await expectState(page, 'authenticated', () => page.reload());
    return {
      loginCallback: { ms: callback.authenticatedAt, afterLoadMs: callback.authenticatedAt - callback.startedAt, ownMs: callback.authenticatedAt - callback.startedAt - callback.networkMs, requests: callbackRequests },
      returningUser: { ms: returning.authenticatedAt, requests: since(before, stack) },
    };
  });
}

/** Sequential API calls the SDK's way and raw, interleaved, with a token that stays valid throughout. */
export function callOverhead({ browser, stack, pageUrl }, { calls, warmup }) {
  return withContext(browser, async (context) => {
    stack.reset();
    const page = await context.newPage();
    await login(page, pageUrl);
    const { raw, sdk } = await page.evaluate(
      ([url, count, warmupCount]) => bench.timeCalls(url, count, warmupCount),
      [apiUrl(stack), calls, warmup],
    );
    return { rawMs: raw, sdkMs: sdk };
  });
}

/** Stops every page's clock, so that only the bench moves time and no SDK timer fires by itself. */
async function freezeClock(context) {
  await context.clock.install();
  await context.clock.pauseAt(Date.now() + 1000);
}

/** Moves the pages' clock past the access token's expiry, and makes the API agree. */
async function expireAccessTokens(context, page, stack, ttlSeconds) {
  const pageNow = await page.evaluate(() => Date.now());
  await context.clock.setSystemTime(pageNow + (ttlSeconds + 1) * 1000);
  // The servers' clock did not move: drop the issued access tokens so that a call still carrying
  // one is rejected, as after a real expiry. Refresh tokens stay.
  stack.auth.store.deleteModels(['AccessToken']);
}

/** Tabs that are signed out, or whose next API call fails (e.g. the grant was revoked). */
async function countLostSessions(tabs, stack) {
  let lost = 0;
  for (const tab of tabs) {
    const ok = await tab.evaluate(async (url) => {
      if (!(await bench.adapter.isAuthenticated())) return false;
      return bench.adapter.call(url).then((res) => res.status === 200, () => false);
    }, apiUrl(stack));
    if (!ok) lost += 1;
  }
  return lost;
}

const failures = (statuses) => statuses.filter((status) => status !== 200).length;

async function signedInTabs(context, stack, pageUrl, count) {
  const first = await context.newPage();
  await login(first, pageUrl);
  const tabs = [first];
  for (let i = 1; i < count; i++) {
    const tab = await context.newPage();
    await expectState(tab, 'authenticated', () => tab.goto(pageUrl));
    tabs.push(tab);
  }
  return tabs;
}

/**
 * `tabs` tabs × `callsPerTab` concurrent API calls right after the access token expired,
 * `rounds` times. Counts refresh_token grants at the provider, failed calls and lost sessions.
 */
export function refreshStorm({ browser, stack, pageUrl }, { tabs: tabCount, callsPerTab, rounds, ttlSeconds }) {
  return withContext(browser, async (context) => {
    stack.reset();
    stack.auth.setAccessTokenTtl(ttlSeconds);
    await freezeClock(context);
    const tabs = await signedInTabs(context, stack, pageUrl, tabCount);
    const [grantId] = stack.auth.activeGrantIds();

    const grantsPerRound = [];
    let failedCalls = 0;
    const errors = new Set();
    for (let round = 0; round < rounds; round++) {
      await expireAccessTokens(context, tabs[0], stack, ttlSeconds);
      const before = snapshot(stack);
      const statuses = await Promise.all(
        tabs.map((tab) => tab.evaluate(([url, count]) => bench.concurrentCalls(url, count), [apiUrl(stack), callsPerTab])),
      );
      grantsPerRound.push(since(before, stack).refreshTokenGrant);
      failedCalls += failures(statuses.flat());
      for (const status of statuses.flat()) if (status !== 200) errors.add(String(status));
    }
    return {
      grantsPerRound,
      calls: rounds * tabCount * callsPerTab,
      failedCalls,
      failureKinds: [...errors].sort(),
      grantRevoked: !stack.auth.isGrantActive(grantId),
      sessionsLost: await countLostSessions(tabs, stack),
    };
  });
}

/** The refresh grants since `from` (an index into the provider's token requests), counted by resource. */
function grantsByResource(stack, from) {
  const byResource = { default: 0, [stack.apiA.resource]: 0, [stack.apiB.resource]: 0 };
  for (const request of stack.auth.tokenRequests().slice(from)) {
    if (request.grant_type !== 'refresh_token') continue;
    const key = String(request.resource ?? 'default');
    byResource[key] = (byResource[key] ?? 0) + 1;
  }
  return byResource;
}

/**
 * spa-oauth only (peers have no token per API on one refresh token): the storm of
 * {@link refreshStorm}, each tab calling the default API and two audience-restricted APIs (RFC
 * 8707) at once. Counts refresh grants per resource per round, refresh tokens presented twice,
 * refused grants, failed calls and lost sessions.
 */
export function refreshStormTwoApis({ browser, stack, pageUrl }, { tabs: tabCount, callsPerTab, rounds, ttlSeconds }) {
  return withContext(browser, async (context) => {
    stack.reset();
    stack.auth.setAccessTokenTtl(ttlSeconds);
    // Read by the spa-oauth bench page (pages/spa-oauth.js) before it creates the client.
    await context.addInitScript((apis) => {
      window.BENCH_APIS = apis;
    }, { [stack.apiA.origin]: { resource: stack.apiA.resource }, [stack.apiB.origin]: { resource: stack.apiB.resource } });
    await freezeClock(context);
    const tabs = await signedInTabs(context, stack, pageUrl, tabCount);
    const urls = [stack.api, stack.apiA, stack.apiB].map((api) => `${api.origin}/api/me`);

    const grantsPerRound = [];
    let failedCalls = 0;
    for (let round = 0; round < rounds; round++) {
      await expireAccessTokens(context, tabs[0], stack, ttlSeconds);
      const from = stack.auth.tokenRequests().length;
      const statuses = await Promise.all(
        tabs.flatMap((tab) => urls.map((url) => tab.evaluate(([url, count]) => bench.concurrentCalls(url, count), [url, callsPerTab]))),
      );
      grantsPerRound.push(grantsByResource(stack, from));
      failedCalls += failures(statuses.flat());
    }
    const refreshGrants = stack.auth.tokenRequests().filter((r) => r.grant_type === 'refresh_token');
    const presented = refreshGrants.map((r) => r.refreshToken);
    return {
      grantsPerRound,
      calls: rounds * tabCount * callsPerTab * urls.length,
      failedCalls,
      refusedGrants: refreshGrants.filter((r) => r.status !== 200).length,
      refreshTokensPresentedTwice: presented.length - new Set(presented).size,
      sessionsLost: await countLostSessions(tabs, stack),
    };
  });
}
