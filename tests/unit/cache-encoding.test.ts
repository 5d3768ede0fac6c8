/** The shared store's snapshot layout (src/cache/encoding.ts): exact round trips, dictionaries, and damage refused. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type CompactSnapshot, fromCompact, pack, toCompact, unpack } from '../../src/cache/encoding.js';
import type { DirectoryRecord, DirectorySnapshot } from '../../src/stackone/directory.js';

const snapshot = (records: DirectoryRecord[], extra: Partial<DirectorySnapshot> = {}): DirectorySnapshot => ({
  records,
  walkedAt: 1_700_000_000_000,
  syncedAt: 1_700_000_100_000,
  complete: true,
  ...extra,
});

/** What a snapshot is once it has been JSON (the memory store's measure too): the round trip must give this back. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

const FIELDS = ['id', 'user_id', 'status', 'name', 'due_date', 'progress', 'result', 'active'];
const record = fc.dictionary(fc.constantFrom(...FIELDS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: FIELDS.length });

describe('toCompact / fromCompact', () => {
  test('any snapshot comes back as it went in: values, absent fields and nulls, the header', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 40 }),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.nat(3), { nil: undefined }),
        fc.boolean(),
        (records, next, phase, complete) => {
          const s = asJson(snapshot(records, { next, phase, complete })) as DirectorySnapshot;
          const back = fromCompact(asJson(toCompact(s, 'v1')));
          expect(back?.version).toBe('v1');
          expect(back?.snapshot).toStrictEqual(s);
        },
      ),
    );
  });

  test("records that share the list's field order keep it, whichever fields each lacks", () => {
    const records = [{ id: 'a', name: 'Ann' }, { id: 'b', email: 'b@x', name: 'Bo' }, { email: 'c@x' }];
    const back = fromCompact(asJson(toCompact(snapshot(records), 'v')));
    expect(back?.snapshot.records.map((r) => Object.keys(r))).toEqual([
      ['id', 'name'],
      ['id', 'email', 'name'],
      ['email'],
    ]);
  });

  test('a column that repeats is a dictionary and indexes; a column of unique values stays plain', () => {
    const records = Array.from({ length: 40 }, (_, i) => ({
      id: `asg-${i}`,
      status: { value: i % 3 ? 'pending' : 'completed', source_value: null },
      ...(i % 10 === 0 ? {} : { due_date: null }),
    }));
    const compact = toCompact(snapshot(records), 'v');
    const byName = Object.fromEntries(compact.k.map((c) => [c.n, c]));
    expect(byName.id).toMatchObject({ x: records.map((r) => r.id) });
    expect(byName.status).toMatchObject({
      d: [
        { value: 'completed', source_value: null },
        { value: 'pending', source_value: null },
      ],
    });
    // Absent (every tenth) is -1; null is a value like any other.
    expect(byName.due_date).toMatchObject({ d: [null] });
    expect((byName.due_date as { i: number[] }).i.filter((i) => i === -1)).toHaveLength(4);
    expect(fromCompact(asJson(compact))?.snapshot.records).toStrictEqual(records);
  });

  test('anything that is not a whole snapshot of this layout is a miss, never a misread', () => {
    const good = asJson(toCompact(snapshot([{ id: 'a', n: 1 }, { id: 'b' }]), 'v')) as CompactSnapshot;
    const damaged: unknown[] = [
      null,
      'text',
      [],
      { ...good, f: 2 },
      { ...good, v: 3 },
      { ...good, w: 'yesterday' },
      { ...good, c: 'yes' },
      { ...good, r: -1 },
      { ...good, r: 3 },
      { ...good, k: 'columns' },
      { ...good, phase: 1.5 },
      { ...good, k: [{ n: '__proto__', x: [1, 2] }] },
      { ...good, k: [{ n: 'id', x: ['a'] }] },
      { ...good, k: [{ n: 'id', x: ['a'], a: [5] }] },
      { ...good, k: [{ n: 'id', d: ['a'], i: [0, 1] }] },
      { ...good, k: [{ n: 'id', d: ['a'], i: [0] }] },
      { ...good, k: [{ n: 'id' }] },
    ];
    for (const value of damaged) expect(fromCompact(value), JSON.stringify(value)).toBeUndefined();
    expect(fromCompact(good)).toBeDefined();
  });
});

describe('pack / unpack', () => {
  test('gzip of the compact JSON, back to the same snapshot; bytes that are not one are a miss', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      id: `u${100_000 + i}`,
      name: `Person ${i}`,
      email: `person.${i}@corp.example`,
      active: i % 50 !== 0,
    }));
    const bytes = await pack(snapshot(records), 'tag');
    expect(bytes.subarray(0, 2).toString('hex')).toBe('1f8b');
    expect(bytes.length).toBeLessThan(JSON.stringify(records).length / 3);
    expect(await unpack(bytes, 1 << 20)).toStrictEqual({ snapshot: snapshot(records), version: 'tag' });
    expect(await unpack(Buffer.from('not gzip'), 1 << 20)).toBeUndefined();
    expect(await unpack(bytes.subarray(0, bytes.length - 10), 1 << 20)).toBeUndefined();
    // Inflating past the bound the memory store would keep is refused before it is all in memory.
    expect(await unpack(bytes, 1_000)).toBeUndefined();
  });
});
