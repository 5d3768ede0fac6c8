/**
 * The MCP Apps view's HTML, as scripts/view.mjs builds it into dist/view/training.html. The bin does not read the
 * file: scripts/bundle.mjs replaces this module with the HTML inline. tsc's output (dist/view-html.js) and the tests
 * (src/view-html.ts) both sit one level under the root, so the same relative path finds the built file from either.
 */
import { readFileSync } from 'node:fs';

export const VIEW_HTML: string = readFileSync(new URL('../dist/view/training.html', import.meta.url), 'utf8');
