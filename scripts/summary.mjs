// Prints "N passed, N failed[, N skipped]" from a Playwright JSON report; exits 1 when anything
// failed or the report is missing (a build or type error before the tests ran counts as a failure).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/report.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats ?? {};
const failed = unexpected + (report.errors?.length ?? 0);
const passed = expected + flaky;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
