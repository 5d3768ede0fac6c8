/**
 * How a DirectorySnapshot is laid out in a shared store: by columns, with a dictionary for a column that repeats
 * (a status, a course id, a person id across their assignments), as JSON, gzipped. Measured on the bench's
 * organisation (BENCHMARKS.md, "Shared cache"): about a fifth of the snapshot's JSON for people and a tenth for
 * assignments, so a 50,000-assignment index is a few MB on the wire and in the store instead of 20.
 */
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import type { DirectoryRecord, DirectorySnapshot } from '../stackone/directory.js';

/** The layout's own version: a value written by another layout is a miss, never a misread. */
const FORMAT = 1;

/**
 * A column whose distinct values number at most this share of its rows is stored as a dictionary and indexes
 * (measured: 50,000 assignments, 75 -> 34 bytes a record after gzip, the person and course ids being most of it).
 */
const DICTIONARY_SHARE = 4;

/** One column: its values for the rows that have the field (`x`, with `a` the rows that do not), or a dictionary. */
type Column =
  | { n: string; x: unknown[]; a?: number[] }
  | { n: string; d: unknown[]; i: number[] /* -1: the row has no such field */ };

/** The snapshot as it is serialised: a few header fields, then the columns. */
export interface CompactSnapshot {
  f: typeof FORMAT;
  /** The store's tag for this write (which replica's snapshot, when): carried inside, so a read knows what it got. */
  v: string;
  w: number;
  s: number;
  c: boolean;
  next?: string;
  phase?: number;
  /** Rows. */
  r: number;
  k: Column[];
}

/** The columns of `records`, in an order every record's own field order agrees with when they agree with each other. */
function columnsOf(records: readonly DirectoryRecord[]): string[] {
  const columns: string[] = [];
  const known = new Set<string>();
  for (const record of records) {
    let after = -1;
    for (const field in record) {
      if (known.has(field)) {
        after = columns.indexOf(field);
        continue;
      }
      known.add(field);
      columns.splice(after + 1, 0, field);
      after++;
    }
  }
  return columns;
}

/** A value's identity for the dictionary: primitives by type and value, objects by their JSON. */
function identity(value: unknown): string {
  return value !== null && typeof value === 'object' ? `o${JSON.stringify(value)}` : `${typeof value}:${String(value)}`;
}

/** A snapshot laid out by columns; `version` is the store's tag for it. Pure: see tests/unit/cache-encoding.test.ts. */
export function toCompact(snapshot: DirectorySnapshot, version: string): CompactSnapshot {
  const { records } = snapshot;
  const k: Column[] = [];
  for (const name of columnsOf(records)) {
    const ids = new Map<string, number>();
    const dictionary: unknown[] = [];
    const indexes: number[] = [];
    for (const record of records) {
      if (!Object.hasOwn(record, name)) {
        indexes.push(-1);
        continue;
      }
      const value = record[name];
      const id = identity(value);
      let at = ids.get(id);
      if (at === undefined) {
        at = dictionary.length;
        ids.set(id, at);
        dictionary.push(value);
      }
      indexes.push(at);
    }
    if (dictionary.length * DICTIONARY_SHARE <= records.length) {
      k.push({ n: name, d: dictionary, i: indexes });
      continue;
    }
    const x: unknown[] = [];
    const a: number[] = [];
    records.forEach((record, row) => {
      if (Object.hasOwn(record, name)) x.push(record[name]);
      else a.push(row);
    });
    k.push(a.length > 0 ? { n: name, x, a } : { n: name, x });
  }
  return {
    f: FORMAT,
    v: version,
    w: snapshot.walkedAt,
    s: snapshot.syncedAt,
    c: snapshot.complete,
    ...(snapshot.next !== undefined ? { next: snapshot.next } : {}),
    ...(snapshot.phase !== undefined ? { phase: snapshot.phase } : {}),
    r: records.length,
    k,
  };
}

/**
 * The snapshot back, with its version; undefined for anything that is not a whole snapshot of this layout (another
 * version's, a damaged value): the store then answers as if it had none, and the list is read from StackOne.
 */
export function fromCompact(value: unknown): { snapshot: DirectorySnapshot; version: string } | undefined {
  if (!isObject(value) || value.f !== FORMAT) return undefined;
  const { v, w, s, c, next, phase, r, k } = value;
  if (typeof v !== 'string' || !isTime(w) || !isTime(s) || typeof c !== 'boolean') return undefined;
  if (!(next === undefined || typeof next === 'string') || !(phase === undefined || isCount(phase))) return undefined;
  if (!isCount(r) || !Array.isArray(k)) return undefined;
  const records: DirectoryRecord[] = Array.from({ length: r }, () => ({}));
  for (const column of k) {
    if (!isObject(column) || typeof column.n !== 'string' || column.n === '__proto__') return undefined;
    const name = column.n;
    if (Array.isArray(column.d) && Array.isArray(column.i)) {
      const { d, i } = column;
      if (i.length !== r) return undefined;
      for (let row = 0; row < r; row++) {
        const at = i[row];
        if (at === -1) continue;
        if (!isCount(at) || at >= d.length) return undefined;
        (records[row] as DirectoryRecord)[name] = d[at];
      }
    } else if (Array.isArray(column.x)) {
      const absent = column.a ?? [];
      if (!Array.isArray(absent) || column.x.length + absent.length !== r) return undefined;
      let skipped = 0;
      let value = 0;
      for (let row = 0; row < r; row++) {
        if (absent[skipped] === row) {
          skipped++;
          continue;
        }
        (records[row] as DirectoryRecord)[name] = column.x[value++];
      }
      if (skipped !== absent.length) return undefined;
    } else return undefined;
  }
  const snapshot: DirectorySnapshot = { records, walkedAt: w, syncedAt: s, complete: c };
  if (next !== undefined) snapshot.next = next;
  if (phase !== undefined) snapshot.phase = phase;
  return { snapshot, version: v };
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * The bytes a shared store holds: the compact form's JSON, gzipped at level 1 (on libuv's pool, off the event loop).
 * Level 1: against level 6 it is twice as fast for 5% more bytes once the columns and dictionaries have done their part.
 */
export async function pack(snapshot: DirectorySnapshot, version: string): Promise<Buffer> {
  return gzipAsync(JSON.stringify(toCompact(snapshot, version)), { level: constants.Z_BEST_SPEED });
}

/** The snapshot in `bytes`, or undefined when they are not one this layout wrote (never throws). */
export async function unpack(
  bytes: Buffer,
  maxBytes: number,
): Promise<{ snapshot: DirectorySnapshot; version: string } | undefined> {
  try {
    // maxOutputLength: a value that inflates past what the memory store would keep is not read into memory at all.
    const json = await gunzipAsync(bytes, { maxOutputLength: maxBytes });
    return fromCompact(JSON.parse(json.toString('utf8')));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
