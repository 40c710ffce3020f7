// npm run mutants [-- [--check] [id ...]]
//
// Puts each deliberate bug of test/mutants.json into src/ one at a time, builds, and runs the
// tests: first the mutant's own spec files (stopping at the first failure), and only if it
// survives those, every other spec file. A mutant no test kills is an untested promise.
// `--check` only verifies that every `find` string still occurs exactly once in its file (src/
// moves under everyone's feet; a string that is gone is an error, never skipped).
// Slow (a build and a browser run per mutant), so it is not part of `npm test` or CI.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIST = join(ROOT, 'test', 'mutants.json');
// The original text of the file a mutant is in, kept on disk so that even a killed run can be
// undone: the next run restores it before doing anything else. (Not under test-results/, which
// Playwright empties when it starts.)
const BACKUP = join(ROOT, '.mutant-backup.json');
const REPORT = join(ROOT, 'test-results', 'mutant-report.json');

const args = process.argv.slice(2);
const checkOnly = args.includes('--check');
const wanted = new Set(args.filter((arg) => !arg.startsWith('--')));

/** @typedef {{ id: string, file: string, find: string, replace: string, behaviour: string, specs: string[] }} Mutant */

function occurrences(text, find) {
  let count = 0;
  for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, at + 1)) count += 1;
  return count;
}

/** Why the mutant cannot be applied to today's src/, or undefined when it can. */
function problemOf(/** @type {Mutant} */ mutant) {
  const path = join(ROOT, mutant.file);
  if (!mutant.file?.startsWith('src/')) return `"file" must be under src/, got ${JSON.stringify(mutant.file)}`;
  if (!existsSync(path)) return `${mutant.file} does not exist`;
  if (!mutant.find || mutant.find === mutant.replace) return '"find" is empty or equal to "replace"';
  const count = occurrences(readFileSync(path, 'utf8'), mutant.find);
  if (count === 0) return `"find" is not in ${mutant.file} any more; update the mutant to today's code`;
  if (count > 1) return `"find" occurs ${count} times in ${mutant.file}; make it unique`;
  for (const spec of mutant.specs ?? []) if (!existsSync(join(ROOT, spec))) return `spec ${spec} does not exist`;
  if (!mutant.specs?.length) return '"specs" is empty';
  return undefined;
}

function restoreFromBackup() {
  if (!existsSync(BACKUP)) return false;
  const { file, original } = JSON.parse(readFileSync(BACKUP, 'utf8'));
  writeFileSync(join(ROOT, file), original);
  rmSync(BACKUP);
  return true;
}

let child;
function stopChild() {
  // Each child leads its own process group, so Playwright's workers and browsers go with it.
  if (child?.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  }
}

function run(command, commandArgs, env = {}) {
  return new Promise((resolve) => {
    let output = '';
    child = spawn(command, commandArgs, { cwd: ROOT, detached: true, env: { ...process.env, ...env } });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopChild();
    if (restoreFromBackup()) console.log(`\n${signal}: src/ restored; run "npm run build" before testing again`);
    process.exit(130);
  });
}
process.on('uncaughtException', (err) => {
  stopChild();
  restoreFromBackup();
  console.error(err);
  process.exit(1);
});
process.on('exit', () => restoreFromBackup());

/** The first failing test of a Playwright JSON report, as "file › title". */
function firstFailure() {
  try {
    const report = JSON.parse(readFileSync(REPORT, 'utf8'));
    const walk = (suite, file) => {
      for (const spec of suite.specs ?? []) {
        if (spec.tests.some((t) => t.status === 'unexpected')) return `${file ?? suite.file} › ${spec.title}`;
      }
      for (const inner of suite.suites ?? []) {
        const found = walk(inner, file ?? suite.file);
        if (found) return found;
      }
      return undefined;
    };
    for (const suite of report.suites ?? []) {
      const found = walk(suite);
      if (found) return found;
    }
    if (report.errors?.length) return `a test-run error: ${report.errors[0].message?.split('\n')[0]}`;
  } catch {}
  return 'a failed test run (no report)';
}

async function playwright(specs) {
  const { code } = await run('npx', ['playwright', 'test', ...specs, '--max-failures=1', '--reporter=json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: REPORT,
  });
  return code === 0 ? undefined : firstFailure();
}

// The README pins the built IIFE's SRI hash, which any change to src/ alters: that spec would
// "kill" every mutant, so it says nothing about behaviour and is not run against them.
const BUILD_FINGERPRINT_SPECS = new Set(['test/readme.spec.ts']);

function allSpecs(dir = join(ROOT, 'test')) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return allSpecs(path);
    return entry.name.endsWith('.spec.ts') && !BUILD_FINGERPRINT_SPECS.has(relative(ROOT, path)) ? [relative(ROOT, path)] : [];
  });
}

async function main() {
  if (existsSync(BACKUP)) {
    restoreFromBackup();
    console.log('A previous run was interrupted: its mutated file has been restored.');
  }
  /** @type {Mutant[]} */
  const mutants = JSON.parse(readFileSync(LIST, 'utf8')).filter((m) => !wanted.size || wanted.has(m.id));
  for (const id of wanted) if (!mutants.some((m) => m.id === id)) throw new Error(`no mutant "${id}" in test/mutants.json`);
  const ids = new Set();
  const errors = [];
  for (const mutant of mutants) {
    const problem = ids.has(mutant.id) ? 'duplicate id' : problemOf(mutant);
    ids.add(mutant.id);
    if (problem) errors.push({ mutant, problem });
  }
  for (const { mutant, problem } of errors) console.log(`ERROR     ${mutant.id}: ${problem}`);
  if (checkOnly) {
    console.log(`${mutants.length - errors.length}/${mutants.length} mutants apply to today's src/`);
    return errors.length ? 1 : 0;
  }

  const runnable = mutants.filter((m) => !errors.some((e) => e.mutant === m));
  const survivors = [];
  let killed = 0;
  for (const [index, mutant] of runnable.entries()) {
    const started = Date.now();
    const path = join(ROOT, mutant.file);
    const original = readFileSync(path, 'utf8');
    writeFileSync(BACKUP, JSON.stringify({ file: mutant.file, original }));
    let verdict;
    try {
      writeFileSync(path, original.replace(mutant.find, () => mutant.replace));
      const build = await run('npm', ['run', 'build', '--silent']);
      if (build.code !== 0) {
        verdict = `ERROR     the build fails: ${build.output.trim().split('\n').slice(-3).join(' ')}`;
        errors.push({ mutant, problem: 'the mutated source does not build' });
      } else {
        const rest = allSpecs().filter((spec) => !mutant.specs.includes(spec));
        const failure = (await playwright(mutant.specs)) ?? (rest.length ? await playwright(rest) : undefined);
        if (failure) {
          killed += 1;
          verdict = `killed    by ${failure}`;
        } else {
          survivors.push(mutant);
          verdict = 'SURVIVED';
        }
      }
    } finally {
      writeFileSync(path, original);
      rmSync(BACKUP);
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`[${index + 1}/${runnable.length}] ${mutant.id} (${mutant.file}, ${seconds}s): ${verdict}`);
  }

  await run('npm', ['run', 'build', '--silent']);
  const tried = killed + survivors.length;
  console.log(`\nScore: ${killed}/${tried} killed${tried ? ` (${Math.round((100 * killed) / tried)}%)` : ''}`);
  for (const mutant of survivors) console.log(`  survived: ${mutant.id} (${mutant.file}): ${mutant.behaviour}`);
  for (const { mutant, problem } of errors) console.log(`  error: ${mutant.id}: ${problem}`);
  return survivors.length || errors.length ? 1 : 0;
}

process.exitCode = await main();
