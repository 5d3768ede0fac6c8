import { expect, test } from 'vitest';
import { hasControlChars } from '../../src/text.js';

test('control characters of every kind, and the Unicode line separators, are caught; ordinary text is not', () => {
  for (const bad of ['a\nb', 'a\r', '\u0000', '\u007f', 'u1\u0085x', '\u009b', 'a\u2028b', 'a\u2029b']) {
    expect(hasControlChars(bad), JSON.stringify(bad)).toBe(true);
  }
  for (const good of ['emp-1001', 'Zoë Lefèvre', 'sec-awareness-2026', 'a b', '研修', '🙂', 'x\u00a0y']) {
    expect(hasControlChars(good), good).toBe(false);
  }
});
