// Prints the minified and gzipped size of the <script>-tag bundle (run `npm run build` first), and
// how much of it each runtime dependency accounts for on its own.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_BYTES = 17_000; // the ceiling test/size.spec.ts enforces

const gzipped = (source) => gzipSync(source, { level: 9 }).length;

export function measure(file = new URL('../dist/spa-oauth.iife.js', import.meta.url)) {
  const source = readFileSync(file);
  return { minified: source.length, gzipped: gzipped(source) };
}

/** The value (not type) names `src/` imports from `dependency`. */
function namesImportedFrom(dependency) {
  const dir = new URL('../src/', import.meta.url);
  const names = new Set();
  const statement = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*'${dependency}'`, 'g');
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    for (const [, list] of readFileSync(new URL(file, dir), 'utf8').matchAll(statement)) {
      for (const item of list.split(',').map((s) => s.trim())) {
        if (item && !item.startsWith('type ')) names.add(item);
      }
    }
  }
  return [...names];
}

/**
 * Gzipped bytes of just the parts of `dependency` the SDK imports, bundled and minified exactly
 * as rollup.config.mjs does for the IIFE: the floor that dependency puts under the bundle.
 */
async function dependencyShare(dependency) {
  const [{ rollup }, { default: nodeResolve }, { default: terser }, { terserOptions }] = await Promise.all([
    import('rollup'),
    import('@rollup/plugin-node-resolve'),
    import('@rollup/plugin-terser'),
    import('../rollup.config.mjs'),
  ]);
  const names = namesImportedFrom(dependency);
  const entry = {
    name: 'entry',
    resolveId: (id) => (id === 'entry' ? id : null),
    load: (id) => (id === 'entry' ? `export { ${names.join(', ')} } from '${dependency}';` : null),
  };
  const bundle = await rollup({ input: 'entry', plugins: [entry, nodeResolve({ browser: true })] });
  const { output } = await bundle.generate({ format: 'iife', name: 'X', plugins: [terser(terserOptions)] });
  return { names: names.length, gzipped: gzipped(output[0].code) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const total = measure();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`dist/spa-oauth.iife.js: ${total.minified} B minified (${kb(total.minified)}), ${total.gzipped} B gzipped (${kb(total.gzipped)}); budget ${BUDGET_GZIP_BYTES} B (${kb(BUDGET_GZIP_BYTES)})`);
  let floor = 0;
  for (const dependency of ['oauth4webapi', 'idb-keyval']) {
    const share = await dependencyShare(dependency);
    floor += share.gzipped;
    console.log(`  ${dependency}, the ${share.names} names src/ imports, bundled alone: ${share.gzipped} B gzipped`);
  }
  console.log(`  left for the SDK's own code within the budget: ${BUDGET_GZIP_BYTES - floor} B; it takes about ${total.gzipped - floor} B`);
}
