/** The one list of unsafe characters (src/text.ts): what it refuses, and how lines and escapes treat it. */
import { expect, test } from 'vitest';
import { escapeUnsafe, hasControlChars, isHeaderToken, oneLine } from '../../src/text.js';

const UNSAFE = {
  'C0 (LF, CR, NUL)': ['a\nb', 'a\r', '\u0000'],
  DEL: ['\u007f'],
  'C1 (NEL, CSI)': ['u1\u0085x', '\u009b'],
  'line and paragraph separators': ['a\u2028b', 'a\u2029b'],
  'bidi embeddings, overrides, isolates and marks': [
    'acct\u202eevil',
    '\u202a',
    '\u2066x\u2069',
    'a\u200eb',
    '\u200f',
    '\u061c',
  ],
  'zero-width and invisible': ['emp\u200b-1001', '\u200c', '\u200d', '\u2060', '\u2063', '\ufeffid'],
};

test.each(Object.entries(UNSAFE))('%s are caught', (_kind, values) => {
  for (const bad of values) expect(hasControlChars(bad), JSON.stringify(bad)).toBe(true);
});

test('ordinary text of any script, emoji and no-break spaces are not', () => {
  for (const good of ['emp-1001', 'Zoë Lefèvre', 'sec-awareness-2026', 'a b', '研修', 'مرحبا', '🙂', 'x\u00a0y']) {
    expect(hasControlChars(good), good).toBe(false);
  }
});

test('oneLine turns every unsafe run into one space, collapses whitespace and cuts', () => {
  expect(oneLine('Dana\u0085Whitaker\u2028\u2029 x')).toBe('Dana Whitaker x');
  expect(oneLine('ac\u202ect\u200b-1')).toBe('ac ct -1');
  expect(oneLine('abcdefghij', 5)).toBe('abcd…');
});

test('escapeUnsafe keeps a value recoverable inside JSON while no line reader can split it', () => {
  const value = 'a\u2028b\u0085c\u202ed';
  const line = escapeUnsafe(JSON.stringify({ sub: value }));
  // Every line break Python's str.splitlines() and Unicode readers honour.
  expect(line.split(/\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/)).toHaveLength(1);
  expect(JSON.parse(line).sub).toBe(value);
});

test('isHeaderToken: visible ASCII only, the rule for every account id and key', () => {
  for (const good of ['acme-lms', '45355976281015164504', 'acct_1:x']) expect(isHeaderToken(good), good).toBe(true);
  for (const bad of ['acct-\u0410', 'a b', 'a\r\nX-Evil: 1', '', 'acct\u200b']) {
    expect(isHeaderToken(bad), JSON.stringify(bad)).toBe(false);
  }
});
