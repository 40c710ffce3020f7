import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

// Shared with scripts/size.mjs, which measures the dependencies' share minified the same way.
export const terserOptions = { ecma: 2020, module: false };

const typescriptOptions = { tsconfig: './tsconfig.json', declaration: false, outDir: 'dist', rootDir: 'src' };

// tsc writes one declaration file per module under dist/types; these are the entries package.json names.
const typesEntry = {
  name: 'types-entry',
  generateBundle() {
    for (const [entry, module] of [['spa-oauth', 'index'], ['react', 'react'], ['vue', 'vue']]) {
      this.emitFile({ type: 'asset', fileName: `${entry}.d.ts`, source: `export * from './types/${module}.js';\n` });
    }
  },
};

// The adapters import the core from the file the main entry is, so an app bundles one copy of it.
const isCore = (id) => /[\\/]src[\\/]index\.[jt]s$/.test(id);

/** An adapter entry point: ESM only (never in the IIFE), its framework and the core left as imports. */
function adapter(name, framework, banner) {
  return {
    input: `src/${name}.ts`,
    external: (id) => id === framework || id.startsWith(`${framework}/`) || isCore(id),
    output: { file: `dist/${name}.mjs`, format: 'es', sourcemap: true, banner, paths: (id) => (isCore(id) ? './spa-oauth.mjs' : id) },
    plugins: [typescript(typescriptOptions)],
    // Rollup drops module-level directives; the banner puts 'use client' back for React Server Components.
    onwarn(warning, warn) {
      if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
    },
  };
}

export default [
  {
    // ESM for bundlers: dependencies stay imports, so the app's bundler de-duplicates them.
    input: 'src/index.ts',
    external: ['oauth4webapi', 'idb-keyval'],
    output: { file: 'dist/spa-oauth.mjs', format: 'es', sourcemap: true },
    plugins: [typescript({ ...typescriptOptions, declaration: true, declarationDir: 'dist/types' }), typesEntry],
  },
  {
    // One file for a plain <script> tag: dependencies bundled, minified, global SpaOAuth.
    input: 'src/index.ts',
    output: { file: 'dist/spa-oauth.iife.js', format: 'iife', name: 'SpaOAuth', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), typescript(typescriptOptions), terser(terserOptions)],
  },
  adapter('react', 'react', "'use client';"),
  adapter('vue', 'vue'),
];
