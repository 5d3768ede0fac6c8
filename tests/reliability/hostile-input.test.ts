/**
 * Hostile input, property-based: whatever arguments arrive, every call yields a result, nothing crashes, no
 * request leaves /unified/lms/users/<encoded id>/…, no header carries CR or LF, and no prototype is polluted.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_TOOL_INPUT_ELEMENTS } from '../../src/server.js';
import { FREE_OBJECT_MAX_BYTES, FREE_OBJECT_MAX_DEPTH } from '../../src/stackone/schemas.js';
import { hasControlChars } from '../../src/text.js';
import { rawReply, startRawUpstream } from '../helpers/raw-upstream.js';
import { textOf, type Wired, wire } from '../helpers/wire.js';

interface RawRequest {
  method: string;
  target: string;
  lines: string[];
}

/** Exactly the headers undici sends for our requests, sorted: anything else was injected. */
const GET_HEADERS = ['accept', 'authorization', 'connection', 'host', 'user-agent', 'x-account-id'].sort();
const POST_HEADERS = [...GET_HEADERS, 'content-length', 'content-type'].sort();

/** A raw upstream that keeps each request's head exactly as sent, and answers every request sensibly. */
async function rawUpstream() {
  const requests: RawRequest[] = [];
  const raw = await startRawUpstream(({ method, target, lines }, socket) => {
    requests.push({ method, target, lines });
    if (method === 'GET') rawReply(socket, '200 OK', '{"data":[]}');
    else {
      rawReply(
        socket,
        '201 Created',
        '{"statusCode":201,"message":"ok","timestamp":"2026-11-22T00:00:00Z","data":{"id":"x","remote_id":"y"}}',
      );
    }
  });
  return { ...raw, requests };
}

const nasty = fc.constantFrom(
  '',
  '.',
  '..',
  '../../admin',
  '/unified/lms/users',
  'a/b',
  'a\\b',
  '%2e%2e',
  '%2F',
  '?raw=true',
  '#frag',
  'a\r\nX-Injected: 1',
  '\u0000',
  '\u2028',
  'ü😀',
  '__proto__',
  'constructor',
  ' ',
  'x'.repeat(2000),
);
const text = fc.oneof(nasty, fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const pollutingKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
const key = fc.oneof(pollutingKeys, fc.string({ maxLength: 12 }));
const deep = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
})).node;
const freeObject = fc.oneof(
  fc.dictionary(key, deep, { maxKeys: 6 }),
  fc.record({ big: fc.array(fc.integer(), { minLength: 1000, maxLength: 6000 }) }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}')),
  fc.anything(),
);
const anyValue = fc.oneof(text, fc.anything(), fc.double(), fc.integer());

/** Mostly well-typed values with hostile content, sometimes garbage, rarely an unknown field: enough get through
 * validation to exercise the request path, and the rest exercise the refusals. */
const argsFor = (known: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .tuple(
      fc.record(
        {
          id: fc.oneof({ weight: 9, arbitrary: text }, { weight: 1, arbitrary: anyValue }),
          account_id: fc.oneof({ weight: 9, arbitrary: text }, { weight: 1, arbitrary: anyValue }),
          ...known,
        },
        { requiredKeys: [] },
      ),
      // Rarely an unknown field: fc.option's freq gives the chance of null as 1/freq, the opposite of what is meant.
      fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: anyValue }),
    )
    .map(([args, extra]) => (extra === null ? args : { ...args, extra }));

/** Hostile content that passes validation (path tricks, Unicode separators, query and fragment characters), so
 * some calls of every tool reach the upstream and their requests are checked, not only the refusals. */
const passable = text.filter(
  (t) => typeof t === 'string' && t !== '' && t !== '.' && t !== '..' && t.length <= 1024 && !hasControlChars(t),
);
const reaching = (withRef: boolean): fc.Arbitrary<Record<string, unknown>> =>
  withRef ? fc.record({ id: passable, learning_object_external_reference: passable }) : fc.record({ id: passable });
const sometimesReaching = (hostile: fc.Arbitrary<Record<string, unknown>>, withRef: boolean) =>
  fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 1, arbitrary: reaching(withRef) });

const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: anyValue });
const assignmentArgs = () =>
  argsFor({
    learning_object_external_reference: mostly(text),
    progress: mostly(fc.double({ min: -10, max: 110 })),
    due_date: mostly(
      fc.oneof(
        text,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
    ),
    status: mostly(fc.record({ value: fc.constantFrom('pending', 'in_progress', 'completed', 'done') })),
    passthrough: mostly(freeObject),
    if_not_exists: mostly(fc.boolean()),
    dry_run: mostly(fc.boolean()),
  });
const listArgs = () =>
  argsFor({
    filter: mostly(fc.record({ status: fc.constantFrom('pending', 'completed', 'x') })),
    page_size: mostly(fc.integer({ min: -5, max: 120 })),
    next: mostly(text),
    fields: mostly(text),
    raw: mostly(fc.boolean()),
    proxy: mostly(freeObject),
    max_pages: mostly(fc.integer({ min: 0, max: 12 })),
  });
const completionArgs = () =>
  argsFor({
    learning_object_external_reference: mostly(text),
    result: mostly(fc.record({ value: fc.constantFrom('Pass', 'Fail', 'pass') })),
    time_spent: mostly(fc.oneof(fc.constantFrom('PT1H', 'P1D', 'PT', '1h'), text)),
    score: mostly(fc.record({ percentage: fc.double({ min: -1, max: 101 }) })),
    passthrough: mostly(freeObject),
    dry_run: mostly(fc.boolean()),
  });

let upstream: Awaited<ReturnType<typeof rawUpstream>>;
let w: Wired;
beforeAll(async () => {
  upstream = await rawUpstream();
  w = await wire(upstream.url);
});
afterAll(async () => {
  await w.close();
  await upstream.close();
});

function escapeRegExp(re: string): string {
  return re.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('hostile input', () => {
  test.each([
    ['create_user_assignment', sometimesReaching(assignmentArgs(), true), 'assignments'],
    ['list_user_assignments', sometimesReaching(listArgs(), false), 'assignments'],
    ['create_user_completion', sometimesReaching(completionArgs(), true), '(assignments|completions)'],
  ] as const)(
    '%s: every call yields a result and stays inside its path',
    async (tool, args, leaf) => {
      const seen = { GET: 0, POST: 0 };
      await fc.assert(
        fc.asyncProperty(args, async (input) => {
          const before = upstream.requests.length;
          const result = await w.call(tool, input as Record<string, unknown>);
          expect(Array.isArray(result.content)).toBe(true);
          for (const req of upstream.requests.slice(before)) {
            seen[req.method === 'GET' ? 'GET' : 'POST']++;
            const id = escapeRegExp(encodeURIComponent(String(input.id)));
            expect(req.target).toMatch(new RegExp(`^/unified/lms/users/${id}/${leaf}(\\?[^#\\s]*)?$`));
            // An injected header would arrive as a clean line of its own: compare the set of names, not the lines.
            const names = req.lines.slice(1).map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
            expect(names.sort()).toEqual(req.method === 'GET' ? GET_HEADERS : POST_HEADERS);
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { numRuns: 120 },
      );
      // The property saw real requests, not only refusals.
      expect(seen.GET + seen.POST).toBeGreaterThan(0);
      // The server is still there for ordinary work.
      const ok = await w.call('list_user_assignments', { id: 'u1' });
      expect(ok.isError).toBeFalsy();
      expect(w.errors).toEqual([]);
    },
    60_000,
  );
});

describe('input caps', () => {
  test(`more than ${MAX_TOOL_INPUT_ELEMENTS} array elements and object members is refused before any parsing`, async () => {
    const before = upstream.requests.length;
    const result = await w.call('create_user_assignment', {
      id: 'u1',
      learning_object_external_reference: 'x',
      passthrough: { list: Array.from({ length: MAX_TOOL_INPUT_ELEMENTS + 1 }, (_, i) => i) },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(new RegExp(`more than the maximum of ${MAX_TOOL_INPUT_ELEMENTS} elements`));
    expect(upstream.requests.length).toBe(before);
  });

  test('passthrough and proxy are capped in size and depth', async () => {
    const before = upstream.requests.length;
    const big = await w.call('create_user_completion', {
      id: 'u1',
      learning_object_external_reference: 'x',
      passthrough: { blob: 'x'.repeat(FREE_OBJECT_MAX_BYTES) },
    });
    expect(textOf(big)).toMatch(/passthrough is \d+ bytes as JSON, over the 65536-byte limit/);
    let nested: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < FREE_OBJECT_MAX_DEPTH + 2; i++) nested = { n: nested };
    const deepProxy = await w.call('list_user_assignments', { id: 'u1', proxy: nested });
    expect(textOf(deepProxy)).toMatch(/proxy is nested deeper than 16 levels/);
    const longId = await w.call('list_user_assignments', { id: 'x'.repeat(1025) });
    expect(textOf(longId)).toMatch(/id is longer than 1024 characters/);
    expect(upstream.requests.length).toBe(before);
  });
});
