/**
 * The module graph of src/: no cycle of any kind (a module that loads half-initialised is a bug waiting to happen,
 * and a type-only cycle is a layering mistake that becomes one), and the layers hold: configuration is read at the
 * edge (src/index.ts) and passed down; stackone/ knows nothing of configuration, tools or transports; the MCP Apps
 * view (src/view/, which runs in a browser) and the server share only the clock.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface Edge {
  to: string;
  /** `import type` / `export type`, or every name in braces marked `type`: erased at run time. */
  typeOnly: boolean;
}

/**
 * Every relative module specifier in a file: `import ... from`, `import type`, `export ... from`, `export * from`,
 * `export type ... from`, side-effect `import '...'` and dynamic `import('...')`. Comments are removed first, so
 * an example in a comment is not an edge.
 */
function edgesOf(text: string, file: string): Edge[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const edges: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    edges.push({ to: normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))), typeOnly });
  };
  // Static forms: `import|export [type] <clause> from '<spec>'`, the clause spanning lines.
  for (const m of code.matchAll(/\b(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g)) {
    const clause = m[3] ?? '';
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    const allTyped =
      braces !== null &&
      (braces[1] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .every((s) => s.startsWith('type '));
    add(m[4] ?? '', m[2] !== undefined || allTyped);
  }
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) add(m[1] ?? '', false);
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1] ?? '', false);
  return edges;
}

const graph = new Map(modules(SRC).map((file) => [file, edgesOf(readFileSync(file, 'utf8'), file)]));
const rel = (file: string) => relative(SRC, file);

describe('the module graph of src/', () => {
  test('no import cycles, type-only and re-exports included', () => {
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (file: string, path: string[]) => {
      const at = path.indexOf(file);
      if (at !== -1) {
        cycles.push([...path.slice(at), file].map(rel).join(' -> '));
        return;
      }
      if (done.has(file)) return;
      for (const edge of graph.get(file) ?? []) visit(edge.to, [...path, file]);
      done.add(file);
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  test('configuration is read at the edge: only the bin loads config.ts; others may name its types', () => {
    const readers = [...graph].filter(([, edges]) => edges.some((e) => rel(e.to) === 'config.ts' && !e.typeOnly));
    expect(readers.map(([file]) => rel(file))).toEqual(['index.ts']);
  });

  test('stackone/ imports neither configuration, tools, transports, auth, nor the server', () => {
    const above = /^(config|server|tool-call|index|audit)\.ts$|^(tools|transports|auth|sandbox)\//;
    const crossings = [...graph]
      .filter(([file]) => rel(file).startsWith('stackone/'))
      .flatMap(([file, edges]) =>
        edges.filter((e) => above.test(rel(e.to))).map((e) => `${rel(file)} -> ${rel(e.to)}`),
      );
    expect(crossings).toEqual([]);
  });

  test('the MCP Apps view (view/, for the browser) imports only itself and the clock; the server nothing of it', () => {
    const crossings = [...graph].flatMap(([file, edges]) =>
      edges
        .filter((e) => {
          const [from, to] = [rel(file), rel(e.to)];
          if (from.startsWith('view/')) return !to.startsWith('view/') && to !== 'clock.ts';
          return to.startsWith('view/');
        })
        .map((e) => `${rel(file)} -> ${rel(e.to)}`),
    );
    expect(crossings).toEqual([]);
  });

  test('every specifier resolves to a file (the graph is not silently missing edges)', () => {
    const missing = [...graph].flatMap(([file, edges]) =>
      edges.filter((e) => !graph.has(e.to)).map((e) => `${rel(file)} -> ${rel(e.to)}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('edgesOf sees every form', () => {
  const at = join(SRC, 'a', 'x.ts');
  const to = (spec: string) => normalize(join(SRC, 'a', spec));
  test.each([
    ["import { a } from './m.js';", false],
    ["import type { A } from './m.js';", true],
    ["import { type A, type B } from './m.js';", true],
    ["import { type A, b } from './m.js';", false],
    ["import * as m from './m.js';", false],
    ["import d, { e } from './m.js';", false],
    ["import {\n  a,\n  b,\n} from './m.js';", false],
    ["export { a } from './m.js';", false],
    ["export * from './m.js';", false],
    ["export * as m from './m.js';", false],
    ["export type { A } from './m.js';", true],
    ["import './m.js';", false],
    ["const m = await import('./m.js');", false],
  ])('%s', (source, typeOnly) => {
    expect(edgesOf(source, at)).toEqual([{ to: to('m.ts'), typeOnly }]);
  });

  test('comments and other packages are not edges', () => {
    expect(edgesOf("// import { a } from './m.js';\n/* export * from './n.js' */\nimport z from 'zod';", at)).toEqual(
      [],
    );
  });
});
