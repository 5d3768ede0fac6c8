/**
 * src/ reads "now" only through src/clock.ts: anything else that reads the machine's calendar (Date.now, Date() or
 * new Date() without an argument) makes an answer depend on the day the suite runs. Read from the syntax tree, so a
 * comment or a string that mentions them is not a finding, and `Date.now` passed as a value (a default) is one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const CLOCK = join(SRC, 'clock.ts');

function modules(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every place in one module's source that reads the machine's clock, as `file:line: code`. */
function clockReads(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const isDate = (node: ts.Node) => ts.isIdentifier(node) && node.text === 'Date';
  const visit = (node: ts.Node) => {
    const reads =
      // Date.now, called or passed on (`options.now ?? Date.now`)
      (ts.isPropertyAccessExpression(node) && isDate(node.expression) && node.name.text === 'now') ||
      // new Date() and new Date
      (ts.isNewExpression(node) && isDate(node.expression) && (node.arguments?.length ?? 0) === 0) ||
      // Date(): the current time as a string
      (ts.isCallExpression(node) && isDate(node.expression));
    if (reads) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${relative(SRC, file)}:${line + 1}: ${node.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('src/ reads the clock only in src/clock.ts', () => {
  const reads = modules(SRC)
    .filter((file) => file !== CLOCK)
    .flatMap((file) => clockReads(file, readFileSync(file, 'utf8')));
  expect(reads).toEqual([]);
});

test('the check finds each form and ignores comments, strings and dates made from a value', () => {
  const text = [
    'const a = Date.now();',
    'const b = options.now ?? Date.now;',
    'const c = new Date().toISOString();',
    'const d = new Date;',
    'const e = Date();',
    '// Date.now() in a comment',
    "const f = 'new Date()';",
    'const g = new Date(ms).toISOString();',
    'const h = Date.parse(value);',
    'const i = clock.now();',
  ].join('\n');
  expect(clockReads(join(SRC, 'x.ts'), text)).toEqual([
    'x.ts:1: Date.now',
    'x.ts:2: Date.now',
    'x.ts:3: new Date()',
    'x.ts:4: new Date',
    'x.ts:5: Date()',
  ]);
});
