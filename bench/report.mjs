// Turns the raw runs into figures, the markdown table and the JSON written to bench/results.json.
import { max, median, medianInterval, percentile, round } from './stats.mjs';

const OURS = 'spa-oauth';

const totalRequests = (runs, pick) => runs.map((run) => pick(run).requests.total);

/** Median, worst value, and in how many runs it was worse than the median. */
function spread(values) {
  const mid = median(values);
  return { median: mid, max: max(values), runsWorse: values.filter((v) => v > mid).length, runs: values.length };
}

function summarizeStorm(runs, { rounds }) {
  return {
    refreshGrantsPerExpiry: spread(runs.map((run) => run.grantsPerRound.reduce((a, b) => a + b, 0) / rounds)),
    failedCalls: spread(runs.map((run) => run.failedCalls)),
    sessionsLost: spread(runs.map((run) => run.sessionsLost)),
    grantRevokedRuns: runs.filter((run) => run.grantRevoked).length,
  };
}

/** Per resource: refresh grants per expiry (median over runs) and the most in any one round. */
function summarizeStormTwoApis(runs, { rounds }) {
  const resources = [...new Set(runs.flatMap((run) => run.grantsPerRound.flatMap(Object.keys)))];
  const perResource = Object.fromEntries(
    resources.map((resource) => [
      resource,
      {
        grantsPerExpiry: spread(runs.map((run) => run.grantsPerRound.reduce((sum, round) => sum + (round[resource] ?? 0), 0) / rounds)),
        mostInOneRound: max(runs.flatMap((run) => run.grantsPerRound.map((round) => round[resource] ?? 0))),
      },
    ]),
  );
  const total = (figure) => runs.reduce((sum, run) => sum + run[figure], 0);
  return {
    perResource,
    calls: total('calls'),
    failedCalls: total('failedCalls'),
    refusedGrants: total('refusedGrants'),
    refreshTokensPresentedTwice: total('refreshTokensPresentedTwice'),
    sessionsLost: total('sessionsLost'),
  };
}

/** Per SDK: the figures (medians over repetitions), or null where the scenario could not run. */
export function summarize(results, sdks, settings) {
  const summary = {};
  for (const sdk of sdks) {
    const { size, runs, errors } = results[sdk.name];
    const login = errors.login ? undefined : runs.login;
    const calls = errors.calls ? undefined : runs.calls?.[0];
    const rawMedian = calls && median(calls.rawMs);
    const sdkMedian = calls && median(calls.sdkMs);
    summary[sdk.name] = {
      version: sdk.version,
      sizeGzipBytes: size.gzipBytes,
      sizeMinifiedBytes: size.minifiedBytes,
      loginCallback: login
        ? {
            medianMs: round(median(login.map((r) => r.loginCallback.ms))),
            afterLoadMedianMs: round(median(login.map((r) => r.loginCallback.afterLoadMs))),
            ownMedianMs: round(median(login.map((r) => r.loginCallback.ownMs))),
            medianRequests: median(totalRequests(login, (r) => r.loginCallback)),
          }
        : null,
      returningUser: login
        ? { medianMs: round(median(login.map((r) => r.returningUser.ms))), medianRequests: median(totalRequests(login, (r) => r.returningUser)) }
        : null,
      apiCall: calls
        ? {
            overheadMedianMs: round(sdkMedian - rawMedian, 2),
            overheadP95Ms: round(percentile(calls.sdkMs, 95) - percentile(calls.rawMs, 95), 2),
            sdkMedianMs: round(sdkMedian, 2),
            sdkP95Ms: round(percentile(calls.sdkMs, 95), 2),
            rawMedianMs: round(rawMedian, 2),
            rawP95Ms: round(percentile(calls.rawMs, 95), 2),
          }
        : null,
      stormOneTab: errors.stormOneTab || !runs.stormOneTab ? null : summarizeStorm(runs.stormOneTab, settings.stormOneTab),
      stormTabs: errors.stormTabs || !runs.stormTabs ? null : summarizeStorm(runs.stormTabs, settings.stormTabs),
      stormTwoApis: errors.stormTwoApis || !runs.stormTwoApis ? null : summarizeStormTwoApis(runs.stormTwoApis, settings.stormTwoApis),
      errors: Object.fromEntries(Object.entries(errors).sort()),
      pairedWithOurs: sdk.adapter === OURS && login ? pairedRatios(results[OURS].runs.login ?? [], login) : undefined,
    };
  }
  return summary;
}

/**
 * For spa-oauth built at another commit: today's time ÷ that build's, per repetition (the two ran
 * one after the other in it), so drift over the run cancels out; the median with its 95 % interval,
 * and the middle half.
 */
function pairedRatios(ours, theirs) {
  const figures = { loginCallback: (r) => r.loginCallback.ms, afterLoad: (r) => r.loginCallback.afterLoadMs, own: (r) => r.loginCallback.ownMs };
  const n = Math.min(ours.length, theirs.length);
  return Object.fromEntries(
    Object.entries(figures).map(([name, pick]) => {
      const ratios = Array.from({ length: n }, (_, i) => pick(ours[i]) / pick(theirs[i]));
      const [low, high] = medianInterval(ratios) ?? [];
      return [name, { median: round(median(ratios), 2), low: round(low, 2), high: round(high, 2), p25: round(percentile(ratios, 25), 2), p75: round(percentile(ratios, 75), 2), runs: n }];
    }),
  );
}

/** Lines saying how today's build compares with each earlier build in the run, repetition by repetition. */
function pairedSection(summary, sdks) {
  const lines = sdks
    .filter((sdk) => summary[sdk.name].pairedWithOurs)
    .map((sdk) => {
      const p = summary[sdk.name].pairedWithOurs;
      const interval = (f) => (f.low === undefined ? '' : `95 % interval of the median ${f.low}–${f.high}×, `);
      const text = (f) => `${f.median}× (${interval(f)}middle half ${f.p25}–${f.p75}×)`;
      return `- ours ÷ ${sdk.name}, paired over ${p.afterLoad.runs} repetitions: login callback ${text(p.loginCallback)}; after the SDK loaded ${text(p.afterLoad)}; requests in flight excluded ${text(p.own)}`;
    });
  return lines.length ? ['', ...lines] : [];
}

const spreadText = ({ median: mid, max: worst, runsWorse, runs }) =>
  runsWorse ? `${mid} (worse in ${runsWorse}/${runs} runs, max ${worst})` : `${mid}`;

const stormRow = (label, run, figure) => ({
  label,
  run,
  value: (s) => s[run]?.[figure].median,
  text: (s) => spreadText(s[run][figure]),
});

/** Table rows: which run's error makes the cell n/a, the number compared in ratios, and the cell text. */
function rows(settings) {
  const one = settings.stormOneTab;
  const many = settings.stormTabs;
  const oneLabel = `${one.tabs} tab × ${one.callsPerTab} calls`;
  const manyLabel = `${many.tabs} tabs × ${many.callsPerTab} calls × ${many.rounds}`;
  return [
    { label: 'Size, min+gz (bytes)', value: (s) => s.sizeGzipBytes },
    { label: 'Login callback (ms)', run: 'login', value: (s) => s.loginCallback?.medianMs },
    { label: 'Login callback after the SDK loaded (ms)', run: 'login', value: (s) => s.loginCallback?.afterLoadMedianMs },
    { label: 'Login callback after the SDK loaded, requests in flight excluded (ms)', run: 'login', value: (s) => s.loginCallback?.ownMedianMs },
    { label: 'Login callback: requests', run: 'login', value: (s) => s.loginCallback?.medianRequests },
    { label: 'Returning user (ms)', run: 'login', value: (s) => s.returningUser?.medianMs },
    { label: 'Returning user: requests', run: 'login', value: (s) => s.returningUser?.medianRequests },
    // Differences of a few tenths of a millisecond, near the browser's timer resolution: no ratio.
    { label: 'API call overhead, median (ms)', run: 'calls', value: (s) => s.apiCall?.overheadMedianMs, ratio: false },
    { label: 'API call overhead, p95 (ms)', run: 'calls', value: (s) => s.apiCall?.overheadP95Ms, ratio: false },
    stormRow(`${oneLabel}: refresh grants`, 'stormOneTab', 'refreshGrantsPerExpiry'),
    stormRow(`${oneLabel}: failed calls (of ${one.callsPerTab})`, 'stormOneTab', 'failedCalls'),
    stormRow(`${oneLabel}: sessions lost (of ${one.tabs})`, 'stormOneTab', 'sessionsLost'),
    stormRow(`${manyLabel}: refresh grants per expiry`, 'stormTabs', 'refreshGrantsPerExpiry'),
    stormRow(`${manyLabel}: failed calls (of ${many.tabs * many.callsPerTab * many.rounds})`, 'stormTabs', 'failedCalls'),
    stormRow(`${manyLabel}: sessions lost (of ${many.tabs})`, 'stormTabs', 'sessionsLost'),
  ];
}

function ratio(ours, peer) {
  if (typeof ours !== 'number' || typeof peer !== 'number') return 'n/a';
  if (ours < 0 || peer <= 0) return '—';
  return `${(ours / peer).toFixed(2)}×`;
}

export function formatTable(summary, sdks, { machine, settings }) {
  const peers = sdks.filter((sdk) => sdk.name !== OURS);
  const notes = new Map(); // `${sdk} ${run}` → the footnote, numbered in order of appearance
  const cell = (sdk, row) => {
    const s = summary[sdk.name];
    const error = row.run && s.errors[row.run];
    if (error) {
      const key = `${sdk.name} ${row.run}`;
      if (!notes.has(key)) notes.set(key, `${notes.size + 1}. ${sdk.name}, ${row.run}: ${error}`);
      return `${sdk.name === OURS ? 'not yet' : 'n/a'} [${[...notes.keys()].indexOf(key) + 1}]`;
    }
    const value = row.value(s);
    if (value === undefined || value === null) return 'n/a';
    return row.text ? row.text(s) : String(value);
  };
  const header = ['Figure', ...sdks.map((sdk) => `${sdk.name} ${sdk.version}`), ...peers.map((peer) => `ours ÷ ${peer.name}`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i ? ' ---: ' : ' --- ')).join('|')}|`];
  for (const row of rows(settings)) {
    const ours = row.value(summary[OURS]);
    const cells = [row.label, ...sdks.map((sdk) => cell(sdk, row)), ...peers.map((peer) => (row.ratio === false ? '—' : ratio(ours, row.value(summary[peer.name]))))];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const intro =
    `Medians of ${settings.timingRepetitions} runs (page loads) or ${settings.stormRepetitions} runs (storms); ` +
    `API call overhead over ${settings.apiCalls} sequential calls. ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, Chromium ${machine.chromium}.`;
  const legend = [
    'Requests: what the authorization server and the API received, CORS preflights included. Times: from the navigation start',
    `(callback page, or reload) to the SDK reporting a signed-in user. Storms: the pages' clock jumps past the access token's expiry (TTL ${settings.stormAccessTokenTtlSeconds} s)`,
    'and the API forgets the old token; every call is the SDK\'s own way: spa-oauth sdk.fetch, auth0-spa-js getTokenSilently + fetch,',
    'oidc-client-ts getUser (signinSilent when expired) + fetch. Lost: signed out, or the next call fails (grant revoked by refresh token reuse detection).',
  ];
  return [intro, '', ...lines, '', ...legend, ...(notes.size ? ['', ...notes.values()] : []), ...pairedSection(summary, sdks), ...twoApisSection(summary[OURS], settings)].join('\n');
}

/** The two-API storm (spa-oauth only): refresh grants per resource per expiry, and what went wrong, summed over runs. */
function twoApisSection(ours, settings) {
  const { tabs, callsPerTab, rounds } = settings.stormTwoApis;
  const heading = `spa-oauth, ${tabs} tabs × ${callsPerTab} calls × 3 APIs (the default token, two audience-restricted ones) × ${rounds} expiries, ${settings.stormRepetitions} runs:`;
  if (ours.errors.stormTwoApis) return ['', heading, `not run: ${ours.errors.stormTwoApis}`];
  const s = ours.stormTwoApis;
  if (!s) return [];
  return [
    '',
    heading,
    '',
    '| resource | refresh grants per expiry | most in one round |',
    '| --- | ---: | ---: |',
    ...Object.entries(s.perResource).map(([resource, r]) => `| ${resource} | ${spreadText(r.grantsPerExpiry)} | ${r.mostInOneRound} |`),
    '',
    `Failed calls ${s.failedCalls} of ${s.calls}; refused refresh grants ${s.refusedGrants}; refresh tokens presented twice ${s.refreshTokensPresentedTwice}; sessions lost ${s.sessionsLost}.`,
  ];
}

const roundAll = (values, digits) => values.map((v) => round(v, digits));

/** Raw runs with times rounded to what the browser's timer resolves (0.1 ms). */
function rawRuns(results) {
  return Object.fromEntries(
    Object.entries(results).map(([name, { runs }]) => [
      name,
      {
        login: (runs.login ?? []).map(({ loginCallback, returningUser }) => ({
          loginCallback: { ...loginCallback, ms: round(loginCallback.ms, 1), afterLoadMs: round(loginCallback.afterLoadMs, 1), ownMs: round(loginCallback.ownMs, 1) },
          returningUser: { ...returningUser, ms: round(returningUser.ms, 1) },
        })),
        calls: (runs.calls ?? []).map((run) => ({ rawMs: roundAll(run.rawMs, 1), sdkMs: roundAll(run.sdkMs, 1) })),
        stormOneTab: runs.stormOneTab ?? [],
        stormTabs: runs.stormTabs ?? [],
        stormTwoApis: runs.stormTwoApis ?? [],
      },
    ]),
  );
}

/** Pretty JSON with arrays of plain values kept on one line, so the file stays readable in a diff. */
export function toJson({ machine, settings, summary, results }) {
  const text = JSON.stringify({ machine, settings, summary, runs: rawRuns(results) }, null, 2);
  // JSON.stringify escapes newlines inside strings, so every raw newline here separates elements.
  return `${text.replace(/\[\s*([^[\]{}]*?)\s*\]/g, (_, inner) => `[${inner.replace(/\s*\n\s*/g, ' ')}]`)}\n`;
}
