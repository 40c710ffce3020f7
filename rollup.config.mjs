import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

// Shared with scripts/size.mjs, which measures the dependencies' share minified the same way.
export const terserOptions = { ecma: 2020, module: false };

const typescriptOptions = { tsconfig: './tsconfig.json', declaration: false, outDir: 'dist', rootDir: 'src' };

// tsc writes one declaration file per module under dist/types; this is the entry that package.json names.
const typesEntry = {
  name: 'types-entry',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'spa-oauth.d.ts', source: "export * from './types/index.js';\n" });
  },
};

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
];
