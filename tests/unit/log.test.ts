/** The logger's lines: one JSON line per event whatever a field holds, stamped by the clock it was given. */
import { expect, test } from 'vitest';
import { createLogger } from '../../src/log.js';

test('a field with a line or paragraph separator, NEL or a bidi control still makes exactly one line', () => {
  const lines: string[] = [];
  const log = createLogger(
    'info',
    (l) => lines.push(l),
    () => Date.parse('2026-01-02T03:04:05Z'),
  );
  const sub = 'eve\u2028{"level":"error","msg":"forged"}\u0085\u202e';
  log.info('oauth', { subject: sub });
  const text = lines.join('');
  expect(text.split(/\r\n|[\n\r\v\f\u001c-\u001e\u0085\u2028\u2029]/).filter(Boolean)).toHaveLength(1);
  // Escaped, not dropped: the value reads back exactly.
  expect(JSON.parse(text)).toEqual({ time: '2026-01-02T03:04:05.000Z', level: 'info', msg: 'oauth', subject: sub });
});
