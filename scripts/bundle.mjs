// @ts-check
/**
 * Bundles the bin into dist/index.js (plus lazily loaded chunks for HTTP and the sandbox), replacing tsc's
 * unbundled entry: one file to parse instead of hundreds cuts start-up time. tsc's other modules stay in dist/
 * for the scripts that import them (bench, soak, scale test).
 */
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// tsc's map describes the unbundled entry this replaces.
rmSync('dist/index.js.map', { force: true });

await build({
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  minify: process.env.BUNDLE_NO_MINIFY !== '1',
  legalComments: 'linked',
  // CommonJS dependencies (Ajv) call require(); give the ES module bundle a real one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
