import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// Shared with scripts/size.mjs, which measures the dependencies' share minified the same way.
export const terserOptions = { ecma: 2020, module: false };

const typescriptOptions = { tsconfig: './tsconfig.json', declaration: false, outDir: 'dist', rootDir: 'src' };

// The global that dist/spa-oauth.iife.js defines, for TypeScript users of the <script> tag.
const iifeTypes = {
  name: 'iife-types',
  generateBundle() {
    this.emitFile({
      type: 'asset',
      fileName: 'spa-oauth.iife.d.ts',
      source: `import type * as SpaOAuthModule from './spa-oauth.js';

declare global {
  /** What dist/spa-oauth.iife.js defines, by a <script> tag or by \`import 'spa-oauth/iife'\`. */
  var SpaOAuth: typeof SpaOAuthModule;
}

export {};
`,
    });
  },
};

// The adapters import the core from the file the main entry is, so an app bundles one copy of it.
const isCore = (id) => /[\\/](src|dist[\\/]types)[\\/]index\.(d\.)?[jt]s$/.test(id);

/**
 * An adapter entry point and its declarations: ESM only (never in the IIFE), its framework and the
 * core left as imports (the declarations import the core's from dist/spa-oauth.d.ts).
 */
function adapter(name, framework, banner) {
  const external = (id) => id === framework || id.startsWith(`${framework}/`) || isCore(id);
  return [
    {
      input: `src/${name}.ts`,
      external,
      output: { file: `dist/${name}.mjs`, format: 'es', sourcemap: true, banner, paths: (id) => (isCore(id) ? './spa-oauth.mjs' : id) },
      plugins: [typescript(typescriptOptions)],
      // Rollup drops module-level directives; the banner puts 'use client' back for React Server Components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
    {
      input: `dist/types/${name}.d.ts`,
      external,
      output: { file: `dist/${name}.d.ts`, format: 'es', paths: (id) => (isCore(id) ? './spa-oauth.js' : id) },
      plugins: [dts()],
    },
  ];
}

export default [
  {
    // ESM for bundlers: dependencies stay imports, so the app's bundler de-duplicates them.
    input: 'src/index.ts',
    // Dependencies stay imports, except oauth4webapi's share in the signature check: a bundler
    // cannot split oauth4webapi (one module) between an app's chunks, so the check's part of it
    // would load up front for every app; bundled into the check's own chunk, it loads with it.
    external: (id, importer) => id === 'idb-keyval' || (id === 'oauth4webapi' && !/[\\/]signature\.ts$/.test(importer ?? '')),
    // Features loaded on first use (`import()`) become chunks an app fetches only when it calls them.
    output: { dir: 'dist', entryFileNames: 'spa-oauth.mjs', chunkFileNames: 'chunks/[name]-[hash].mjs', format: 'es', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), typescript({ ...typescriptOptions, declaration: true, declarationDir: 'dist/types' }), iifeTypes],
  },
  {
    // One file for a plain <script> tag: dependencies bundled, minified, global SpaOAuth.
    input: 'src/index.ts',
    // The footer makes the global explicit, so that loading the file as a module
    // (`import 'spa-oauth/iife'`), where a top-level `var` stays local, defines it too.
    // All-in: features loaded on first use elsewhere are inlined here.
    output: { file: 'dist/spa-oauth.iife.js', format: 'iife', name: 'SpaOAuth', footer: 'globalThis.SpaOAuth=SpaOAuth;', sourcemap: true, inlineDynamicImports: true },
    plugins: [nodeResolve({ browser: true }), typescript(typescriptOptions), terser(terserOptions)],
  },
  {
    // CommonJS for require() and Jest: dependencies bundled (oauth4webapi is ESM-only), not minified.
    input: 'src/index.ts',
    output: { dir: 'dist', entryFileNames: 'spa-oauth.cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', format: 'cjs', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), typescript(typescriptOptions)],
  },
  {
    // One declaration file per format, bundled from tsc's per-module output (written by the first
    // build above), so that the public types import nothing from oauth4webapi: its ESM-only types
    // cannot be imported from the CommonJS declarations.
    input: 'dist/types/index.d.ts',
    output: [
      { file: 'dist/spa-oauth.d.ts', format: 'es' },
      { file: 'dist/spa-oauth.d.cts', format: 'es' },
    ],
    plugins: [dts()],
  },
  ...adapter('react', 'react', "'use client';"),
  ...adapter('vue', 'vue'),
];
