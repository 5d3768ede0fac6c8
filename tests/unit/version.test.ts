import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { NAME, VERSION } from '../../src/version.js';

test('version.ts agrees with package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  expect(NAME).toBe(pkg.name);
  expect(VERSION).toBe(pkg.version);
  expect(pkg.bin[NAME]).toBeTruthy();
});
