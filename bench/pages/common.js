// Shared by every bench page: boots the page's SDK adapter, records when the SDK first reports a
// signed-in user, and runs the API calls the harness asks for. An adapter is
// { start(config, isCallback) → authenticated?, login(), call(url) → Response, token(), isAuthenticated() }.
const SETTLED_PREFIX = 'bench-settled ';

window.bench = {
  state: 'booting',
  /** performance.now() (ms since this document's navigation start) when the SDK's script had run and the page began using it. */
  startedAt: null,
  /** performance.now() (ms since this document's navigation start) when the SDK said "authenticated". */
  authenticatedAt: null,
  /** Of the time from startedAt to authenticatedAt, how much a request was in flight. */
  networkMs: null,
  error: null,
  adapter: null,

  async boot(adapter) {
    bench.startedAt = performance.now();
    bench.adapter = adapter;
    const isCallback = /[?&]code=/.test(location.search);
    // The harness stops here once, to snapshot the servers' counters and then load the callback URL afresh.
    if (isCallback && sessionStorage.getItem('bench-hold') === '1') {
      sessionStorage.removeItem('bench-hold');
      return bench.settle('held');
    }
    try {
      const authenticated = await adapter.start(window.SPA_OAUTH_CONFIG, isCallback);
      if (authenticated) {
        bench.authenticatedAt = performance.now();
        bench.networkMs = bench.waitedOnNetwork(bench.startedAt, bench.authenticatedAt);
      }
      bench.settle(authenticated ? 'authenticated' : 'anonymous');
    } catch (err) {
      bench.error = String(err?.message ?? err);
      bench.settle('error');
    }
  },

  /** How long, between `from` and `to`, at least one request was in flight (overlaps counted once). */
  waitedOnNetwork(from, to) {
    const spans = performance
      .getEntriesByType('resource')
      .filter((entry) => entry.startTime >= from && entry.responseEnd <= to)
      .map((entry) => [entry.startTime, entry.responseEnd])
      .sort((a, b) => a[0] - b[0]);
    let total = 0;
    let end = from;
    for (const [start, stop] of spans) {
      if (stop > end) total += stop - Math.max(start, end);
      end = Math.max(end, stop);
    }
    return total;
  },

  settle(state) {
    bench.state = state;
    // The harness learns this from the console: waiting on the DOM instead would make Playwright
    // inject its selector engine (about 20 ms of main-thread work) into the page while it is timed.
    console.debug(SETTLED_PREFIX + JSON.stringify({ state, startedAt: bench.startedAt, networkMs: bench.networkMs, authenticatedAt: bench.authenticatedAt, error: bench.error }));
  },

  /** Starts the SDK's login redirect; the harness waits for the page to settle again. */
  login() {
    bench.adapter.login().catch((err) => {
      bench.error = String(err?.message ?? err);
      bench.settle('error');
    });
  },

  /** `count` authenticated calls at once; each ends as its HTTP status or the rejection's message. */
  async concurrentCalls(url, count) {
    const calls = Array.from({ length: count }, () => bench.adapter.call(url).then((res) => res.status));
    const results = await Promise.allSettled(calls);
    return results.map((r) => (r.status === 'fulfilled' ? r.value : `rejected: ${r.reason?.message ?? r.reason}`));
  },

  /** Times `count` sequential SDK calls and as many raw fetches with a fixed Authorization header, interleaved. */
  async timeCalls(url, count, warmup) {
    const token = await bench.adapter.token();
    const rawCall = () => fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    const sdkCall = () => bench.adapter.call(url);
    const time = async (call) => {
      const start = performance.now();
      const res = await call();
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`API call answered ${res.status}`);
      return performance.now() - start;
    };
    for (let i = 0; i < warmup; i++) {
      await time(rawCall);
      await time(sdkCall);
    }
    const raw = [];
    const sdk = [];
    for (let i = 0; i < count; i++) {
      // Alternating which goes first keeps drift (GC, preflight cache expiry) from favouring one side.
      if (i % 2) {
        sdk.push(await time(sdkCall));
        raw.push(await time(rawCall));
      } else {
        raw.push(await time(rawCall));
        sdk.push(await time(sdkCall));
      }
    }
    return { raw, sdk };
  },
};
