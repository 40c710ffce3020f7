// `npm run bench`: spa-oauth next to auth0-spa-js and oidc-client-ts, against the same test
// authorization server, API and Chromium. Prints a markdown table and writes bench/results.json.
// `-- --baseline <git ref>` (repeatable) adds spa-oauth as built at that commit; `-- --only login`
// times the login callback and the returning user only; `-- --repeat N` takes N page-load runs
// instead of 21. Any of them writes dist/bench/results.json instead.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildBaseline } from './baseline.mjs';
import { startStack } from '../test/fixtures/stack.mjs';
import { launchChromium } from './browser.mjs';
import { bundlePeer, measureSize } from './bundle.mjs';
import { describeMachine } from './machine.mjs';
import { writeBenchPage } from './pages.mjs';
import { formatTable, summarize, toJson } from './report.mjs';
import { callOverhead, loginCallbackAndReturningUser, refreshStorm, refreshStormTwoApis } from './scenarios.mjs';
import { SDKS as PUBLISHED_SDKS, pagePath } from './sdks.mjs';

const { values: args } = parseArgs({ options: { baseline: { type: 'string', multiple: true }, only: { type: 'string' }, repeat: { type: 'string' } } });
if (args.only !== undefined && args.only !== 'login') throw new Error(`--only takes "login", not "${args.only}"`);
const SDKS = [...PUBLISHED_SDKS, ...(args.baseline ?? []).map(buildBaseline)];
const partial = Boolean(args.baseline || args.only || args.repeat);

const SETTINGS = {
  // Page-load timings vary more from run to run than the storm counts do.
  timingRepetitions: Number(args.repeat ?? 21),
  // Enough runs to show a failure that comes and goes.
  stormRepetitions: 10,
  apiCalls: 300,
  apiWarmupCalls: 20,
  // auth0-spa-js treats a token with under 60 s left as expired, so every SDK gets well more than that.
  stormAccessTokenTtlSeconds: 300,
  stormOneTab: { tabs: 1, callsPerTab: 20, rounds: 1 },
  stormTabs: { tabs: 3, callsPerTab: 10, rounds: 5 },
  // spa-oauth only: the same storm, each tab calling the default API and two APIs with tokens of their own.
  stormTwoApis: { tabs: 3, callsPerTab: 10, rounds: 5 },
};

// Auth0's endpoint paths, which auth0-spa-js builds from its `domain` instead of reading discovery.
const AUTH0_ROUTES = {
  authorization: '/authorize',
  token: '/oauth/token',
  end_session: '/v2/logout',
  revocation: '/oauth/revoke',
  jwks: '/.well-known/jwks.json',
};

// A run that hangs somewhere still ends.
const DEADLINE_MS = 10 * 60_000;
setTimeout(() => {
  console.error(`bench: still running after ${DEADLINE_MS / 60_000} minutes, giving up`);
  process.exit(1);
}, DEADLINE_MS).unref();

/**
 * Runs `measure` `times` times per SDK, SDKs interleaved and the one going first rotated, so that
 * drift over the run favours none; an SDK that fails once is not run again for that figure.
 */
async function repeat(times, label, measure, results, sdks = SDKS) {
  for (let i = 0; i < times; i++) {
    for (const sdk of sdks.map((_, k) => sdks[(k + i) % sdks.length])) {
      const entry = results[sdk.name];
      if (entry.errors[label]) continue;
      try {
        (entry.runs[label] ??= []).push(await measure(sdk));
      } catch (err) {
        entry.errors[label] = String(err?.message ?? err).split('\n')[0];
      }
    }
    process.stderr.write('.');
  }
}

async function main() {
  const startedAt = Date.now();
  for (const sdk of SDKS) {
    if (sdk.package) await bundlePeer(sdk);
    writeBenchPage(sdk);
  }

  const extraRedirectPaths = SDKS.map(pagePath);
  const stacks = {
    discovery: await startStack({ extraRedirectPaths }),
    auth0: await startStack({ extraRedirectPaths, routes: AUTH0_ROUTES, issuerTrailingSlash: true }),
  };
  const browser = await launchChromium();
  const browserVersion = browser.version();
  const results = Object.fromEntries(
    SDKS.map((sdk) => [sdk.name, { version: sdk.version, size: measureSize(sdk.scriptFile), runs: {}, errors: {} }]),
  );
  const target = (sdk) => {
    const stack = stacks[sdk.stack];
    return { browser, stack, pageUrl: `${stack.app.origin}${pagePath(sdk)}` };
  };

  try {
    // A fresh browser's first page loads are slower; one unrecorded round keeps that out of the figures.
    for (const sdk of SDKS) await loginCallbackAndReturningUser(target(sdk)).catch(() => {});
    process.stderr.write('bench: login/returning ');
    await repeat(SETTINGS.timingRepetitions, 'login', (sdk) => loginCallbackAndReturningUser(target(sdk)), results);
    if (!args.only) {
      process.stderr.write(' api calls ');
      await repeat(1, 'calls', (sdk) => callOverhead(target(sdk), { calls: SETTINGS.apiCalls, warmup: SETTINGS.apiWarmupCalls }), results);
      process.stderr.write(' storm 1 tab ');
      const storm = (options) => (sdk) => refreshStorm(target(sdk), { ...options, ttlSeconds: SETTINGS.stormAccessTokenTtlSeconds });
      await repeat(SETTINGS.stormRepetitions, 'stormOneTab', storm(SETTINGS.stormOneTab), results);
      process.stderr.write(' storm 3 tabs ');
      await repeat(SETTINGS.stormRepetitions, 'stormTabs', storm(SETTINGS.stormTabs), results);
      process.stderr.write(' storm 3 tabs, two APIs ');
      const twoApis = (sdk) => refreshStormTwoApis(target(sdk), { ...SETTINGS.stormTwoApis, ttlSeconds: SETTINGS.stormAccessTokenTtlSeconds });
      await repeat(SETTINGS.stormRepetitions, 'stormTwoApis', twoApis, results, SDKS.filter((sdk) => sdk.name === 'spa-oauth'));
    }
    process.stderr.write('\n\n');
  } finally {
    await browser.close().catch(() => {});
    await Promise.all(Object.values(stacks).map((stack) => stack.close()));
  }

  const machine = describeMachine(browserVersion);
  const summary = summarize(results, SDKS, SETTINGS);
  console.log(formatTable(summary, SDKS, { machine, settings: SETTINGS }));
  const file = partial ? 'dist/bench/results.json' : 'bench/results.json';
  writeFileSync(new URL(`../${file}`, import.meta.url), toJson({ machine, settings: SETTINGS, summary, results }));
  console.log(`\nwrote ${file} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
}

await main();
