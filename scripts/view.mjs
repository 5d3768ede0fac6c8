// @ts-check
/**
 * Builds the MCP Apps view (src/view/) into one self-contained HTML document: the TypeScript bundled and minified by
 * esbuild for the browser, the stylesheet minified, both inline in src/view/index.html, so nothing is left to
 * fetch. scripts/bundle.mjs embeds the result in the bin; dist/view/training.html is what tsc's output and the tests
 * read. `node scripts/view.mjs` builds it alone and prints its size.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const VIEW_FILE = join(ROOT, 'dist', 'view', 'training.html');

/**
 * The resource's size budget, held by tests/tools/view.test.ts and shown in BENCHMARKS.md. The issue asks for well
 * under 200 KB; the view is about 21 KB, and the same view on ext-apps' App class about 330 KB even with zod
 * trimmed (bench/view.mjs): about twice today's size still fails the day an SDK or a library is bundled in.
 */
export const VIEW_BUDGET_BYTES = 40_000;

/**
 * Browsers with everything the view uses (light-dark(), container queries, top-level await) natively, so esbuild
 * has nothing to lower: Chrome and Edge 123, Firefox 120, Safari 17.5 (2024), what MCP Apps hosts run.
 */
const BROWSERS = ['chrome123', 'edge123', 'firefox120', 'safari17.5'];

/** @returns {Promise<string>} the view's HTML */
export async function buildView() {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const script = await build({
    entryPoints: [join(ROOT, 'src', 'view', 'main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: BROWSERS,
    minify: true,
    legalComments: 'none',
    define: { VIEW_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
  const css = await transform(readFileSync(join(ROOT, 'src', 'view', 'view.css'), 'utf8'), {
    loader: 'css',
    minify: true,
    target: BROWSERS,
  });
  // Inline, a script must not close its own tag or open an HTML comment.
  const js = (script.outputFiles[0]?.text ?? '')
    .trim()
    .replace(/<\/script/gi, '<\\/script')
    .replace(/<!--/g, '<\\!--');
  const template = readFileSync(join(ROOT, 'src', 'view', 'index.html'), 'utf8');
  // Function replacers: `$&` and friends in the code must stay as written.
  return template.replace('/*VIEW_CSS*/', () => css.code.trim()).replace('/*VIEW_JS*/', () => js);
}

/** Builds the view and writes dist/view/training.html. @returns {Promise<string>} the HTML */
export async function writeView() {
  const html = await buildView();
  mkdirSync(dirname(VIEW_FILE), { recursive: true });
  writeFileSync(VIEW_FILE, html);
  return html;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const html = await writeView();
  process.stdout.write(`${VIEW_FILE}: ${Buffer.byteLength(html)} bytes\n`);
}
