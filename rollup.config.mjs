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

export default [
  {
    // ESM for bundlers: dependencies stay imports, so the app's bundler de-duplicates them.
    input: 'src/index.ts',
    external: ['oauth4webapi', 'idb-keyval'],
    output: { file: 'dist/spa-oauth.mjs', format: 'es', sourcemap: true },
    plugins: [typescript({ ...typescriptOptions, declaration: true, declarationDir: 'dist/types' }), iifeTypes],
  },
  {
    // One file for a plain <script> tag: dependencies bundled, minified, global SpaOAuth.
    input: 'src/index.ts',
    // The footer makes the global explicit, so that loading the file as a module
    // (`import 'spa-oauth/iife'`), where a top-level `var` stays local, defines it too.
    output: { file: 'dist/spa-oauth.iife.js', format: 'iife', name: 'SpaOAuth', footer: 'globalThis.SpaOAuth=SpaOAuth;', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), typescript(typescriptOptions), terser(terserOptions)],
  },
  {
    // CommonJS for require() and Jest: dependencies bundled (oauth4webapi is ESM-only), not minified.
    input: 'src/index.ts',
    output: { file: 'dist/spa-oauth.cjs', format: 'cjs', sourcemap: true },
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
];
