import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { MIN_NODE, NAME, unsupportedNode, VERSION } from '../../src/version.js';

test('version.ts agrees with package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  expect(NAME).toBe(pkg.name);
  expect(VERSION).toBe(pkg.version);
  expect(pkg.bin[NAME]).toBeTruthy();
});

test('the oldest Node is the one engines allows, and anything older is refused with the way out', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  expect(pkg.engines.node.startsWith(`^${MIN_NODE} `)).toBe(true);
  for (const ok of ['20.18.0', '20.19.1', '22.12.0', '24.0.0', '25.1.0'])
    expect(unsupportedNode(ok, 'node')).toBeUndefined();
  for (const old of ['20.17.9', '18.20.8', '16.20.2', '9.99.0']) {
    expect(unsupportedNode(old, '/opt/node16/bin/node')).toBe(
      `needs Node.js 20.18 or newer (22 or 24 recommended); this is Node ${old} (/opt/node16/bin/node). Install a newer Node, or give your MCP client's "command" the full path of one.`,
    );
  }
});
