// `npm run bench -- --baseline <git ref>`: spa-oauth as it was at that commit, built from a copy of
// it with today's node_modules, runs beside today's build: a change's cost in speed is measured on
// one machine, in one run, interleaved, instead of against figures from another day.
// `<git ref>:<patch file>` builds that commit with the patch applied (see bench/ablations/): what
// one piece of today's code costs, measured by taking it out.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { REPO_ROOT } from './sdks.mjs';

export function buildBaseline(spec) {
  const [ref, patch] = spec.split(':');
  const commit = execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'spa-oauth-baseline-'));
  try {
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C '${dir}'`], { cwd: REPO_ROOT });
    if (patch) execFileSync('git', ['apply', resolve(REPO_ROOT, patch)], { cwd: dir });
    symlinkSync(`${REPO_ROOT}/node_modules`, `${dir}/node_modules`);
    execFileSync('npx', ['rollup', '-c'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const name = `spa-oauth-${commit}${patch ? `-${basename(patch, '.patch')}` : ''}`;
    const scriptFile = `${REPO_ROOT}/dist/bench/${name}.iife.js`;
    mkdirSync(`${REPO_ROOT}/dist/bench`, { recursive: true });
    copyFileSync(`${dir}/dist/spa-oauth.iife.js`, scriptFile);
    // The same page code as today's build: the options it uses have not changed since the first commit.
    return { name, adapter: 'spa-oauth', version: `at ${commit}${patch ? ` with ${basename(patch)}` : ''}`, script: `/dist/bench/${name}.iife.js`, scriptFile, stack: 'discovery' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
