// @ts-check
/**
 * Bundles the bin into dist/index.js (plus lazily loaded chunks for HTTP, the sandbox and the view), replacing tsc's
 * unbundled entry: one file to parse instead of hundreds cuts start-up time. tsc's other modules stay in dist/
 * for the scripts that import them (bench, soak, scale test).
 */
import { rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { writeView } from './view.mjs';

/**
 * The SDK's Server imports its Ajv provider, which imports ajv and ajv-formats at the top: about 8 MB of memory and
 * some milliseconds at every start, for a validator the SDK only uses on elicitation replies (we never ask for one).
 * In the bundle, those two imports become constructors that load the real module on first use.
 * @type {import('esbuild').Plugin}
 */
export const lazyAjv = {
  name: 'lazy-ajv',
  setup(build) {
    build.onResolve({ filter: /^ajv(-formats)?$/ }, (args) =>
      /ajv-provider\.js$/.test(args.importer) ? { path: args.path, namespace: 'lazy-ajv' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-ajv' }, (args) => ({
      contents: `export default function Lazy(...args) {
  const loaded = require(${JSON.stringify(args.path)});
  const real = loaded.default ?? loaded;
  return new.target ? new real(...args) : real(...args);
}`,
      resolveDir: process.cwd(),
      loader: 'js',
    }));
  },
};

/** Our `import { Agent } from 'undici'` gets scripts/undici-lite.cjs: Agent and its request API, not all of undici. */
/** @type {import('esbuild').Plugin} */
const undiciLite = {
  name: 'undici-lite',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.includes('/src/') ? { path: `${process.cwd()}/scripts/undici-lite.cjs` } : undefined,
    );
  },
};

/**
 * The MCP Apps view, built first (scripts/view.mjs) and inlined: src/view-html.ts, which reads the built file in
 * tsc's output and the tests, becomes the HTML itself, in a chunk of its own that loads on the first resources/read.
 * @type {import('esbuild').Plugin}
 */
const viewHtml = {
  name: 'view-html',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]view-html\.ts$/ }, async () => ({
      contents: `export const VIEW_HTML = ${JSON.stringify(await writeView())};`,
      loader: 'js',
    }));
  },
};

/** The options every bundle of an MCP server here shares (the bin; bench/sdk-alone). */
export const COMMON = {
  bundle: true,
  format: /** @type {const} */ ('esm'),
  platform: /** @type {const} */ ('node'),
  target: 'node20.18',
  minify: process.env.BUNDLE_NO_MINIFY !== '1',
  // CommonJS dependencies (Ajv) call require(); give the ES module bundle a real one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: /** @type {const} */ ('warning'),
};

// Imported by bench/run.mjs for its plugin and options; run as a script, it bundles the bin.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // tsc's map describes the unbundled entry this replaces.
  rmSync('dist/index.js.map', { force: true });
  // Chunk names carry a content hash: clear the old ones so the package never ships a stale one.
  rmSync('dist/chunks', { recursive: true, force: true });
  await build({
    ...COMMON,
    plugins: [lazyAjv, undiciLite, viewHtml],
    entryPoints: { index: 'src/index.ts' },
    outdir: 'dist',
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    legalComments: 'linked',
  });
}
