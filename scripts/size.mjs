// Prints the minified and gzipped size of the <script>-tag bundle and of a small ESM app that uses
// the SDK (run `npm run build` first), and how much each runtime dependency accounts for on its own.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

export const BUDGET_GZIP_BYTES = 22_000; // the ceiling test/size.spec.ts enforces

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

export const ADAPTER_BUDGET_GZIP_BYTES = 1536; // issue 13: each framework adapter under 1.5 KB

/**
 * Gzipped bytes an adapter entry (`dist/react.mjs`, `dist/vue.mjs`) adds to an app: minified as
 * rollup.config.mjs minifies the IIFE, with its framework and the core left out, since the app
 * has those anyway.
 */
export async function adapterSize(name) {
  const [{ rollup }, { default: terser }, { terserOptions }] = await Promise.all([
    import('rollup'),
    import('@rollup/plugin-terser'),
    import('../rollup.config.mjs'),
  ]);
  const input = new URL(`../dist/${name}.mjs`, import.meta.url).pathname;
  const bundle = await rollup({ input, external: (id) => id !== input, onwarn() {} });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ...terserOptions, module: true })] });
  return gzipped(output[0].code);
}

/**
 * What an ESM app pays for the SDK when it uses only redirect login, refresh and `fetch`: this app
 * bundled from dist/spa-oauth.mjs as a bundler would (tree-shaken, dependencies resolved), minified
 * like the IIFE, gzipped.
 */
export const ESM_APP = `import { createOAuthClient } from 'spa-oauth';
const client = await createOAuthClient({ issuer: 'https://auth.example.com', clientId: 'app', redirectUri: location.origin + '/', apiOrigins: ['https://api.example.com'] });
await client.handleRedirect();
document.querySelector('#login').onclick = () => client.login();
export const me = client.isAuthenticated ? await client.fetch('https://api.example.com/me') : null;
`;

export async function measureEsmApp() {
  const [{ rollup }, { default: nodeResolve }, { default: terser }, { terserOptions }] = await Promise.all([
    import('rollup'),
    import('@rollup/plugin-node-resolve'),
    import('@rollup/plugin-terser'),
    import('../rollup.config.mjs'),
  ]);
  const app = {
    name: 'esm-app',
    resolveId: (id) => (id === 'app' ? id : id === 'spa-oauth' ? new URL('../dist/spa-oauth.mjs', import.meta.url).pathname : null),
    load: (id) => (id === 'app' ? ESM_APP : null),
  };
  const bundle = await rollup({ input: 'app', plugins: [app, nodeResolve({ browser: true })] });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ...terserOptions, module: true })] });
  // What the app loads up front: its entry and every chunk imported statically from it. Chunks
  // only import()ed (features loaded on first use) are counted apart, as `lazy`.
  const chunks = new Map(output.filter((chunk) => chunk.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  const eager = new Set();
  const visit = (name) => {
    if (eager.has(name)) return;
    eager.add(name);
    for (const imported of chunks.get(name)?.imports ?? []) visit(imported);
  };
  visit(output[0].fileName);
  const code = [...eager].map((name) => chunks.get(name).code).join('\n');
  const lazy = [...chunks.values()].filter((chunk) => !eager.has(chunk.fileName)).map((chunk) => ({ name: chunk.name, gzipped: gzipped(chunk.code) }));
  return { minified: Buffer.byteLength(code), gzipped: gzipped(code), lazy };
}

/** The lines `npm run size` prints about the two figures, also kept in the README. */
export async function sizeSummary() {
  const iife = measure();
  const esm = await measureEsmApp();
  return [
    `dist/spa-oauth.iife.js (everything, dependencies bundled): ${iife.minified} B minified, ${iife.gzipped} B gzipped (ceiling ${BUDGET_GZIP_BYTES} B)`,
    `an ESM app using redirect login, refresh and fetch only (tree-shaken): ${esm.minified} B minified, ${esm.gzipped} B gzipped`,
    ...esm.lazy.map((chunk) => `  loaded only on first use (not in the figure above): ${chunk.name}, ${chunk.gzipped} B gzipped`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const total = measure();
  for (const line of await sizeSummary()) console.log(line);
  let floor = 0;
  for (const dependency of ['oauth4webapi', 'idb-keyval']) {
    const share = await dependencyShare(dependency);
    floor += share.gzipped;
    console.log(`  ${dependency}, the ${share.names} names src/ imports, bundled alone: ${share.gzipped} B gzipped`);
  }
  console.log(`  the SDK's own code: about ${total.gzipped - floor} B gzipped`);
  for (const name of ['react', 'vue']) {
    console.log(`dist/${name}.mjs (not in the IIFE): ${await adapterSize(name)} B gzipped, minified, without its framework and the core; budget ${ADAPTER_BUDGET_GZIP_BYTES} B`);
  }
}
