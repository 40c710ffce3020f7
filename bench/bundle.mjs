// Bundles each peer SDK from its package entry into one minified IIFE, the way rollup.config.mjs
// builds ours, and measures what a page downloads: minified + gzipped (level 9) bytes.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';

const ENTRY = '\0bench-entry';

/** A one-line entry module re-exporting the package, so its exports land on the IIFE's global. */
function reexportEntry(packageName) {
  return {
    name: 'bench-entry',
    resolveId: (id) => (id === ENTRY ? ENTRY : null),
    load: (id) => (id === ENTRY ? `export * from '${packageName}';\n` : null),
  };
}

export async function bundlePeer(sdk) {
  const bundle = await rollup({
    input: ENTRY,
    plugins: [reexportEntry(sdk.package), nodeResolve({ browser: true }), terser({ ecma: 2020, module: false })],
    onwarn(warning, warn) {
      // Both packages ship code that rollup flags harmlessly (top-level `this`, eval in a worker blob).
      if (['THIS_IS_UNDEFINED', 'EVAL'].includes(warning.code)) return;
      warn(warning);
    },
  });
  try {
    await bundle.write({ file: sdk.scriptFile, format: 'iife', name: sdk.globalName });
  } finally {
    await bundle.close();
  }
}

export function measureSize(file) {
  const source = readFileSync(file);
  return { minifiedBytes: source.length, gzipBytes: gzipSync(source, { level: 9 }).length };
}
