// @ts-check
/**
 * The MCP Apps view's size, for BENCHMARKS.md (npm run bench; `node bench/view.mjs` alone prints the section): the
 * resource as the build makes it, gzipped, and as the JSON string resources/read carries it; beside it, the same view
 * (the same model, render and theme modules) on ext-apps' App class instead of src/view/host.ts, as esbuild bundles it
 * as-is and with zod's namespace import rewritten so esbuild can drop what App does not use (ext-apps#649). Those
 * are the figures behind the choice in src/view/host.ts. Sizes, not timings: the same on any machine.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { VIEW_BUDGET_BYTES as BUDGET, buildView } from '../scripts/view.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The view's entry as it would be written on ext-apps' App class. */
const APP_ENTRY = `
import { App } from '@modelcontextprotocol/ext-apps';
import { modelOf } from './model.js';
import { renderMessage, renderModel } from './render.js';
import { applyContext } from './theme.js';
const root = document.documentElement;
const out = document.getElementById('app');
const hints = {};
const app = new App({ name: 'stackone-lms-view', version: '0' }, {}, { autoResize: true });
app.addEventListener('toolinput', (p) => { if (p.arguments) hints.args = p.arguments; });
app.addEventListener('toolresult', (result) => {
  const model = modelOf(result.structuredContent, Date.now(), hints);
  if ('empty' in model) return renderMessage(out, model.empty);
  renderModel(out, model, async (f) => !(await app.sendMessage({ role: 'user', content: [{ type: 'text', text: f.text }] })).isError);
});
app.addEventListener('hostcontextchanged', (c) => applyContext(root, c));
await app.connect();
applyContext(root, app.getHostContext() ?? {});
`;

/** @type {import('esbuild').Plugin} */
const zodNamespace = {
  name: 'zod-namespace',
  setup(b) {
    b.onLoad({ filter: /@modelcontextprotocol[\\/](ext-apps|client|core)[\\/].*\.m?js$/ }, (args) => ({
      loader: 'js',
      contents: readFileSync(args.path, 'utf8').replace(
        /import\s*\{\s*z\s+as\s+([\w$]+)\s*\}\s*from\s*"zod\/v4"/g,
        'import*as $1 from"zod/v4"',
      ),
    }));
  },
};

/** @param {import('esbuild').Plugin[]} plugins @returns {Promise<number>} the App view's script, minified */
async function appScript(plugins) {
  const result = await build({
    stdin: { contents: APP_ENTRY, resolveDir: `${ROOT}src/view`, loader: 'ts', sourcefile: 'app-entry.ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome123', 'edge123', 'firefox120', 'safari17.5'],
    minify: true,
    legalComments: 'none',
    plugins,
    logLevel: 'error',
  });
  return result.outputFiles[0]?.contents.byteLength ?? 0;
}

/** @returns {Promise<string>} the markdown section's body */
export async function viewFigures() {
  const html = await buildView();
  const bytes = Buffer.byteLength(html);
  const script = /<script type="module">([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
  const scriptBytes = Buffer.byteLength(script);
  const [appAsIs, appTrimmed] = [await appScript([]), await appScript([zodNamespace])];
  const kb = (/** @type {number} */ n) => `${(n / 1000).toFixed(1)} KB`;
  return [
    'The view (`ui://stackone-lms/training`, built by `scripts/view.mjs`; `node bench/view.mjs` prints this section):',
    '',
    '| Figure | Bytes | |',
    '| --- | ---: | --- |',
    `| The resource (HTML, script and styles inline) | ${bytes.toLocaleString('en')} | ${kb(bytes)}; the test's budget ${BUDGET.toLocaleString('en')}, the issue's "well under 200 KB" |`,
    `| gzip -9 | ${gzipSync(html, { level: 9 }).byteLength.toLocaleString('en')} | |`,
    `| As the JSON string in resources/read | ${JSON.stringify(html).length.toLocaleString('en')} | what a stdio line or an HTTP body carries |`,
    `| Its script (src/view/host.ts speaking the protocol) | ${scriptBytes.toLocaleString('en')} | ${kb(scriptBytes)} |`,
    `| The same script on ext-apps' App class | ${appAsIs.toLocaleString('en')} | ${kb(appAsIs)}: App brings the SDK's Protocol and all of zod |`,
    `| ... with zod's import rewritten (ext-apps#649) | ${appTrimmed.toLocaleString('en')} | ${kb(appTrimmed)}: the floor with App |`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await viewFigures()}\n`);
}
