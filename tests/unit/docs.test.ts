/**
 * The documents that list the tools are made from the registry: a change to a tool that is not carried into the
 * README, manifest.json or server.json fails here (`npm run docs` rewrites them), as github-mcp-server's docs check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as docs from '../../scripts/docs/registry-docs.js';
import { TOOLS } from '../../src/tools/index.js';

const path = (file: string) => new URL(`../../${file}`, import.meta.url);
const read = (file: string) => readFileSync(path(file), 'utf8');
const update = process.env.UPDATE_DOCS === '1';
const HOW = 'the tools changed: run `npm run docs` and commit what it writes';

describe('docs made from the registry', () => {
  test('the README: the summary under the title and the tool table', () => {
    const current = read('README.md');
    const made = docs.readme(current, TOOLS);
    if (update) writeFileSync(path('README.md'), made);
    else expect(current, HOW).toBe(made);
    expect(made).toContain(`**${docs.countWord(TOOLS.length, true)} tools**`);
    for (const tool of TOOLS) expect(made).toMatch(new RegExp(`^\\| \`${tool.name}\` \\|`, 'm'));
  });

  test.each([
    ['manifest.json', docs.manifest],
    ['server.json', docs.serverJson],
  ])('%s', (file, render) => {
    const current = JSON.parse(read(file));
    const made = render(current, TOOLS);
    // JSON is compared as data: the formatter (biome) owns the layout.
    if (update) writeFileSync(path(file), `${JSON.stringify(made, null, 2)}\n`);
    else expect(current, HOW).toEqual(made);
  });
});

describe('the generator', () => {
  const tool = (name: string, access: 'read' | 'write') => ({
    ...(TOOLS[0] as (typeof TOOLS)[number]),
    name,
    access,
    annotations: {
      readOnlyHint: access === 'read',
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    },
  });

  test('a new tool shows up everywhere with its access, and the counts follow', () => {
    const tools = [...TOOLS, tool('new_report', 'read')];
    const readme = docs.readme(read('README.md'), tools);
    expect(readme).toContain(`**${docs.countWord(tools.length, true)} tools**`);
    expect(readme).toMatch(/^\| `new_report` \|.*\| read \|/m);
    expect(docs.manifest(JSON.parse(read('manifest.json')), tools).tools).toContainEqual(
      expect.objectContaining({ name: 'new_report' }),
    );
    const variables = (
      docs.serverJson(JSON.parse(read('server.json')), tools).packages as Array<{
        environmentVariables: Array<{ name: string; description: string }>;
      }>
    )[0]?.environmentVariables;
    expect(variables?.find((v) => v.name === 'STACKONE_READ_ONLY')?.description).toContain('new_report');
  });

  test('a write says so, and what its annotations say', () => {
    expect(docs.accessText(tool('x', 'write'))).toBe('write (not idempotent, not destructive; audited)');
    expect(docs.accessText(tool('x', 'read'))).toBe('read');
  });

  test('a README without its markers is refused rather than silently left alone', () => {
    expect(() => docs.readme('# nothing here', TOOLS)).toThrow(/generated:tool-summary/);
  });

  test('the first sentence stops at a full stop followed by a space, not inside a name', () => {
    expect(docs.firstSentence('Find users by e.g.name. Then more.\nNext: x')).toBe('Find users by e.g.name.');
  });
});
