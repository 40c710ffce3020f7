// Prints "N passed, N failed[, N skipped]" from a Playwright JSON report; exits 1 when anything
// failed or the report is missing (a build or type error before the tests ran counts as a failure).
// Every engine is a Playwright project (playwright.config.ts), so the counts include them all; a
// line per engine comes first, and an engine that ran no test at all counts as one failure.
import { readFileSync } from 'node:fs';

const ENGINES = ['chromium', 'firefox', 'webkit'];

const file = process.argv[2] ?? 'test-results/report.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const perEngine = new Map(ENGINES.map((name) => [name, { passed: 0, failed: 0, skipped: 0, ms: 0 }]));
(function walk(suites = []) {
  for (const suite of suites) {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        const counts = perEngine.get(t.projectName) ?? perEngine.set(t.projectName, { passed: 0, failed: 0, skipped: 0, ms: 0 }).get(t.projectName);
        const key = { expected: 'passed', flaky: 'passed', unexpected: 'failed', skipped: 'skipped' }[t.status] ?? 'failed';
        counts[key] += 1;
        counts.ms += (t.results ?? []).reduce((sum, r) => sum + (r.duration ?? 0), 0);
      }
    }
    walk(suite.suites);
  }
})(report.suites);

// `--partial`: a run of some projects only (playwright test --project=...), where absent engines are expected.
const full = !process.argv.includes('--partial');
let missing = 0;
for (const [name, c] of perEngine) {
  const absent = c.passed + c.failed + c.skipped === 0;
  if (absent && full) missing += 1;
  console.log(`${name}: ${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}${absent ? ' (no test ran: engine missing?)' : ''} in ${Math.round(c.ms / 1000)} s`);
}

const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats ?? {};
const failed = unexpected + (report.errors?.length ?? 0) + missing;
const passed = expected + flaky;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
