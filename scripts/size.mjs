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
export const ESM_APP = `import { createOAuthClient } from 'spa-oauth-client';
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
    resolveId: (id) => (id === 'app' ? id : id === 'spa-oauth-client' ? new URL('../dist/spa-oauth.mjs', import.meta.url).pathname : null),
    load: (id) => (id === 'app' ? ESM_APP : null),
  };
  const bundle = await rollup({ input: 'app', plugins: [app, nodeResolve({ browser: true })] });
  const { output } = await bundle.generate({ format: 'es', plugins: [terser({ ...terserOptions, module: true })] });
  // What the page loads up front: the entry and the chunks it imports statically. The chunks
  // only reached by import() (popup login, silent restore) are fetched when the app calls them.
  const chunks = new Map(output.filter((file) => file.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  const loaded = new Set();
  const visit = (name) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    for (const imported of chunks.get(name).imports) visit(imported);
  };
  visit(output.find((file) => file.type === 'chunk' && file.isEntry).fileName);
  const code = [...loaded].map((name) => chunks.get(name).code).join('\n');
  const onDemand = [...chunks.values()].filter((chunk) => !loaded.has(chunk.fileName));
  return {
    minified: Buffer.byteLength(code),
    gzipped: gzipped(code),
    onDemand: onDemand.map((chunk) => ({ name: chunk.name.replace(/-[\w-]{8}$/, ''), gzipped: gzipped(chunk.code) })),
  };
}

/**
 * Every figure `npm run size` prints, in bytes: the IIFE and the ESM app (minified and gzipped),
 * each dependency's share, each adapter, and the ceiling. The README's size figures are these.
 */
export async function sizeFigures() {
  const iife = measure();
  const esm = await measureEsmApp();
  const oauth4webapi = await dependencyShare('oauth4webapi');
  const idbKeyval = await dependencyShare('idb-keyval');
  return {
    iife,
    esm,
    oauth4webapi,
    idbKeyval,
    own: iife.gzipped - oauth4webapi.gzipped - idbKeyval.gzipped,
    react: await adapterSize('react'),
    vue: await adapterSize('vue'),
    ceiling: BUDGET_GZIP_BYTES,
    adapterBudget: ADAPTER_BUDGET_GZIP_BYTES,
  };
}

/** The lines `npm run size` prints, also kept in the README's Size section. */
export async function sizeSummary(figures) {
  const f = figures ?? (await sizeFigures());
  return [
    `dist/spa-oauth.iife.js (everything, dependencies bundled): ${f.iife.minified} B minified, ${f.iife.gzipped} B gzipped (ceiling ${f.ceiling} B)`,
    `an ESM app using redirect login, refresh and fetch only (tree-shaken): ${f.esm.minified} B minified, ${f.esm.gzipped} B gzipped`,
    ...f.esm.onDemand.map((chunk) => `  loaded only when called (import()): ${chunk.name}, ${chunk.gzipped} B gzipped`),
    `  oauth4webapi, the ${f.oauth4webapi.names} names src/ imports, bundled alone: ${f.oauth4webapi.gzipped} B gzipped`,
    `  idb-keyval, the ${f.idbKeyval.names} names src/ imports, bundled alone: ${f.idbKeyval.gzipped} B gzipped`,
    `  the SDK's own code: about ${f.own} B gzipped`,
    ...['react', 'vue'].map((name) => `dist/${name}.mjs (not in the IIFE): ${f[name]} B gzipped, minified, without its framework and the core; budget ${f.adapterBudget} B`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await sizeSummary()) console.log(line);
}
