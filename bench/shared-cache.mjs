// @ts-check
/**
 * `npm run bench:shared` (after `npm run build`; needs Debian's redis-server): what MCP_CACHE_URL changes, on the
 * report bench's organisation (bench/organisation.mjs: 5,000 people, 200 courses, 50,000 assignments of which 8,000
 * open, 42,000 completions, 100 a page). Upstream requests for the first and repeated lookups and reports, and for
 * the first ones after the TTL, with 1 and 3 HTTP replicas (each asked at the same moment), without and with a shared
 * redis-server; the latency a cached lookup adds with the shared store against the memory store; what a second replica
 * pays to take a snapshot another walked; the store's bytes per record; cold start with the setting unset and set.
 * Prints a markdown section for BENCHMARKS.md (with --write, puts it there). Timing lives here, never in tests.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startRedisServer } from '../scripts/lib/redis-server.mjs';
import { organisation, serveOrganisation } from './organisation.mjs';
import { writeSection } from './section.mjs';
import { connectStdio } from './stdio-client.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEADING = '## Shared cache: replicas on one Redis (MCP_CACHE_URL)';
const BIN = `${ROOT}dist/index.js`;
const KEY = 'bench_key';
const ACCOUNT = 'bench-account';
/** Short, so "after the TTL" is a few seconds away. */
const TTL_MS = 4_000;
const LATENCY_CALLS = Number(process.env.SHARED_BENCH_CALLS ?? 1_000);
const COLD_RUNS = Number(process.env.SHARED_BENCH_COLD_RUNS ?? 15);

const { pack, unpack } = await import(`${ROOT}dist/cache/encoding.js`);
const schemas = await import(`${ROOT}dist/stackone/schemas.js`);

const NOW = Date.now();
const org = organisation(NOW);
const up = await serveOrganisation({ ...org, content: [] });
const redis = await startRedisServer();
const { createClient } = await import('@redis/client');
const admin = createClient({ url: redis.url, disableClientInfo: true, maintNotifications: 'disabled' });
admin.on('error', () => {});
await admin.connect();

// ---- helpers ---------------------------------------------------------------------------------------------------

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const total = () => Object.values(up.counts).reduce((a, b) => a + b, 0);
const reset = () => {
  for (const k of Object.keys(up.counts)) delete up.counts[k];
};

/** The env a bin gets: the bench's StackOne, nothing from the shell's STACKONE_ or MCP_ settings. @param {Record<string, string>} extra */
function benchEnv(extra) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STACKONE_') && !k.startsWith('MCP_')) env[k] = v;
  }
  return {
    ...env,
    STACKONE_API_KEY: KEY,
    STACKONE_ACCOUNT_ID: ACCOUNT,
    STACKONE_BASE_URL: up.origin,
    STACKONE_LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * An HTTP replica with an MCP client of its own.
 * @param {string | undefined} cacheUrl
 */
async function replica(cacheUrl) {
  const proc = spawn(process.execPath, [BIN, '--transport', 'http', '--port', '0'], {
    env: benchEnv({ STACKONE_DIRECTORY_TTL_MS: String(TTL_MS), ...(cacheUrl ? { MCP_CACHE_URL: cacheUrl } : {}) }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise((resolve, reject) => {
    proc.stderr.on('data', (/** @type {Buffer} */ d) => {
      err += d;
      const listening = /"msg":"listening".*?"url":"([^"]+)"/.exec(err);
      const connected = !cacheUrl || err.includes('shared cache (MCP_CACHE_URL) connected');
      if (listening && connected) resolve(listening[1]);
    });
    proc.once('exit', (code) => reject(new Error(`replica exited (${code}): ${err}`)));
  });
  const client = new Client({ name: 'shared-bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  /** @param {string} name @param {Record<string, unknown>} args */
  const call = async (name, args) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
    return result;
  };
  return {
    call,
    /** Times this replica found the store away (a call over its 200 ms bound, on a busy machine): it then worked alone. */
    outages: () => (err.match(/shared cache \(MCP_CACHE_URL\) unavailable/g) ?? []).length,
    close: async () => {
      await client.close();
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Each replica asked the same at the same moment; the upstream requests that cost.
 * @param {Array<{ call: (name: string, args: Record<string, unknown>) => Promise<unknown> }>} replicas
 * @param {string} name
 * @param {Record<string, unknown>} args
 */
async function together(replicas, name, args) {
  reset();
  await Promise.all(replicas.map((r) => r.call(name, args)));
  return total();
}

const LOOKUP = { query: 'person 2345 example' };
const REPORT = { status: 'overdue' };

// ---- upstream requests: 1 and 3 replicas, memory store and shared store ---------------------------------------

/** @type {Record<string, Record<string, number>>} */
const requests = {};
/** @type {Record<string, number>} */
const outages = {};
for (const n of [1, 3]) {
  for (const shared of [false, true]) {
    const column = `${n} replica${n > 1 ? 's' : ''}, ${shared ? 'shared store' : 'memory store'}`;
    await admin.flushAll();
    const replicas = await Promise.all(Array.from({ length: n }, () => replica(shared ? redis.url : undefined)));
    const figures = /** @type {Record<string, number>} */ ({});
    figures.firstLookup = await together(replicas, 'find_users', LOOKUP);
    figures.repeatLookup = await together(replicas, 'find_users', LOOKUP);
    figures.firstReport = await together(replicas, 'training_report', REPORT);
    figures.repeatReport = await together(replicas, 'training_report', REPORT);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 200));
    reset();
    await Promise.all(replicas.flatMap((r) => [r.call('find_users', LOOKUP), r.call('training_report', REPORT)]));
    figures.afterTtl = total();
    outages[column] = replicas.reduce((n, r) => n + r.outages(), 0);
    await Promise.all(replicas.map((r) => r.close()));
    requests[column] = figures;
    console.error(`[shared-cache bench] ${column}: ${JSON.stringify(figures)}`);
  }
}

// ---- a cached lookup: the memory store against the shared one (stdio, one call at a time) ----------------------

/** A stdio server with the bench's StackOne, with or without the shared store. @param {string | undefined} cacheUrl */
async function stdioServer(cacheUrl) {
  const client = await connectStdio({
    bin: BIN,
    origin: up.origin,
    key: KEY,
    account: ACCOUNT,
    name: 'shared-bench',
    ...(cacheUrl ? { cacheUrl } : {}),
  });
  const call = async () => {
    const t = performance.now();
    await client.callTool({ name: 'find_users', arguments: LOOKUP });
    return performance.now() - t;
  };
  return { call, close: () => client.close() };
}

await admin.flushAll();
const memoryServer = await stdioServer(undefined);
const sharedServer = await stdioServer(redis.url);
const walks = { memory: await memoryServer.call(), shared: await sharedServer.call() };
// Alternating calls, so both servers run under the same load on the machine.
/** @type {{ memory: number[], shared: number[] }} */
const latencies = { memory: [], shared: [] };
for (let i = 0; i < LATENCY_CALLS * 1.25; i++) {
  const m = await memoryServer.call();
  const sh = await sharedServer.call();
  if (i < LATENCY_CALLS / 4) continue;
  latencies.memory.push(m);
  latencies.shared.push(sh);
}
const memory = { p50: quantile(latencies.memory, 0.5), p99: quantile(latencies.memory, 0.99) };
const walker = { p50: quantile(latencies.shared, 0.5), p99: quantile(latencies.shared, 0.99) };
await memoryServer.close();
await sharedServer.close();
// A second process with the shared store: its first lookup takes the snapshot the first one stored.
reset();
const takerServer = await stdioServer(redis.url);
const taker = { first: await takerServer.call() };
const takerRequests = total();
await takerServer.close();

// ---- bytes per record in the store ------------------------------------------------------------------------------

/** @param {Array<Record<string, unknown>>} rows @param {readonly string[]} fields */
const picked = (rows, fields) =>
  rows.map((r) => Object.fromEntries(fields.filter((f) => f in r).map((f) => [f, r[f]])));
/**
 * The same lists with random UUIDs for every id (as many providers have them): the pessimistic case, since random
 * ids neither compress nor repeat in a pattern gzip can see. A person's or a course's id is the same UUID everywhere.
 */
const uuids = new Map();
/** @param {unknown} id */
const uuidOf = (id) => {
  if (typeof id !== 'string') return id;
  if (!uuids.has(id)) uuids.set(id, randomUUID());
  return uuids.get(id);
};
/** @param {Array<Record<string, unknown>>} rows */
const withUuids = (rows) =>
  rows.map((r) => {
    const out = { ...r };
    for (const field of ['id', 'user_id', 'learning_object_id']) if (field in out) out[field] = uuidOf(out[field]);
    return out;
  });
const lists = [
  ['people', picked(org.users, schemas.USER_FIELDS)],
  ['courses', picked(org.courses, schemas.COURSE_FIELDS)],
  ['open assignments', picked(org.open, schemas.ASSIGNMENT_INDEX_FIELDS)],
  ['all assignments', picked(org.assignments, schemas.ASSIGNMENT_INDEX_FIELDS)],
  ['completions', picked(org.completions, schemas.COMPLETION_INDEX_FIELDS)],
  ['people, UUID ids', withUuids(picked(org.users, schemas.USER_FIELDS))],
  ['all assignments, UUID ids', withUuids(picked(org.assignments, schemas.ASSIGNMENT_INDEX_FIELDS))],
  ['completions, UUID ids', withUuids(picked(org.completions, schemas.COMPLETION_INDEX_FIELDS))],
];
const sizes = [];
for (const [name, records] of /** @type {Array<[string, Array<Record<string, unknown>>]>} */ (lists)) {
  const snapshot = { records, walkedAt: NOW, syncedAt: NOW, complete: true };
  const json = Buffer.byteLength(JSON.stringify(snapshot));
  let bytes = Buffer.alloc(0);
  let packMs = Number.POSITIVE_INFINITY;
  let unpackMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    bytes = await pack(snapshot, 'v');
    packMs = Math.min(packMs, performance.now() - t0);
    const t1 = performance.now();
    const back = await unpack(bytes, 256 * 1024 * 1024);
    unpackMs = Math.min(unpackMs, performance.now() - t1);
    if (back?.snapshot.records.length !== records.length) throw new Error(`${name}: the round trip lost records`);
  }
  sizes.push({ name, n: records.length, json, bytes: bytes.length, packMs, unpackMs });
}

// ---- cold start: MCP_CACHE_URL unset and set ---------------------------------------------------------------------

/** Spawn to the initialize reply, in ms. @param {string} bin @param {Record<string, string>} extra */
async function coldStart(bin, extra) {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [bin], { env: benchEnv(extra), stdio: ['pipe', 'pipe', 'ignore'] });
  const replied = new Promise((resolve) => {
    let out = '';
    proc.stdout.on('data', (/** @type {Buffer} */ d) => {
      out += d;
      if (out.includes('"id":1')) resolve(performance.now() - t0);
    });
  });
  proc.stdin.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cold', version: '0' } } })}\n`,
  );
  const ms = /** @type {number} */ (await replied);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.stdin.end();
  await exited;
  return ms;
}

const base = process.env.SHARED_BENCH_BASE_BIN;
/** @type {Record<string, number[]>} */
const cold = { unset: [], set: [], ...(base ? { base: [] } : {}) };
for (let i = 0; i < COLD_RUNS; i++) {
  cold.unset?.push(await coldStart(BIN, {}));
  cold.set?.push(await coldStart(BIN, { MCP_CACHE_URL: redis.url }));
  if (base) cold.base?.push(await coldStart(base, {}));
}
const median = (/** @type {number[] | undefined} */ xs) => quantile(xs ?? [], 0.5);
const chunk = readdirSync(`${ROOT}dist/chunks`).find((f) => /^cache-.*\.js$/.test(f)) ?? '';
const entry = readFileSync(BIN, 'utf8');
const lazy = chunk !== '' && !new RegExp(`from\\s*"\\./chunks/${chunk}"`).test(entry) && entry.includes(chunk);

await admin.quit();
await redis.close();
up.close();

// ---- the section -------------------------------------------------------------------------------------------------

const columns = Object.keys(requests);
const row = (/** @type {string} */ label, /** @type {string} */ key) =>
  `| ${label} | ${columns.map((c) => requests[c]?.[key] ?? '').join(' | ')} |`;
const kb = (/** @type {number} */ n) => `${(n / 1024).toFixed(0)} KB`;
const ms = (/** @type {number} */ n) => `${n.toFixed(2)} ms`;
const section = [
  HEADING,
  '',
  `bench/shared-cache.mjs (node ${process.versions.node}; ${execFileSync('redis-server', ['--version']).toString().split(' ').slice(0, 3).join(' ')} on loopback). The report bench's organisation: ${org.users.length.toLocaleString('en-US')} people, ${org.courses.length} courses, ${org.assignments.length.toLocaleString('en-US')} assignments of which ${org.open.length.toLocaleString('en-US')} open, 100 a page. HTTP replicas, each asked the same question at the same moment; STACKONE_DIRECTORY_TTL_MS ${TTL_MS}.`,
  '',
  '**Upstream requests**',
  '',
  `| Asked of every replica at once | ${columns.join(' | ')} |`,
  `| --- | ${columns.map(() => '---:').join(' | ')} |`,
  row('First lookup (`find_users`: a walk of 5,000 people)', 'firstLookup'),
  row('The same lookup again', 'repeatLookup'),
  row('First `overdue` report (8,000 open assignments, 200 courses; people cached)', 'firstReport'),
  row('The same report again', 'repeatReport'),
  row('After the TTL: the lookup and the report (deltas)', 'afterTtl'),
  '',
  ...(Object.values(outages).some((n) => n > 0)
    ? [
        `Store calls that outlasted their 200 ms bound on this run's machine, so that a replica worked alone for 2 s: ${Object.entries(
          outages,
        )
          .filter(([, n]) => n > 0)
          .map(([c, n]) => `${c}: ${n}`)
          .join('; ')}.`,
        '',
      ]
    : []),
  `**A cached lookup** (stdio, one call at a time, the 5,000-person directory cached; ${LATENCY_CALLS.toLocaleString('en-US')} calls each after ${(LATENCY_CALLS / 4).toLocaleString('en-US')} warm-up, the two servers called in turn):`,
  '',
  '| Figure | Memory store | Shared store |',
  '| --- | ---: | ---: |',
  `| find_users repeat, p50 | ${ms(memory.p50)} | ${ms(walker.p50)} |`,
  `| find_users repeat, p99 | ${ms(memory.p99)} | ${ms(walker.p99)} |`,
  `| Added by the shared store, p50 | | ${ms(walker.p50 - memory.p50)} (one GET of the version tag) |`,
  `| First lookup of a process: walk of 50 pages | ${ms(walks.memory)} | ${ms(walks.shared)} |`,
  `| First lookup of a second process: the snapshot from the store | | ${ms(taker.first)}, ${takerRequests} upstream requests |`,
  '',
  "**Bytes in the store** (compact columns and dictionaries, gzip level 1; best of 3 for the times). The bench's ids are short and sequential, which gzip all but removes; the UUID rows are the case to plan for:",
  '',
  '| List | Records | JSON | In the store | Per record | Pack | Unpack |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...sizes.map(
    (s) =>
      `| ${s.name} | ${s.n.toLocaleString('en-US')} | ${kb(s.json)} | ${kb(s.bytes)} (${((s.bytes / s.json) * 100).toFixed(0)}%) | ${(s.bytes / s.n).toFixed(1)} B | ${s.packMs.toFixed(0)} ms | ${s.unpackMs.toFixed(0)} ms |`,
  ),
  '',
  `**Cold start** (spawn to the initialize reply over stdio, median of ${COLD_RUNS}): MCP_CACHE_URL unset ${median(cold.unset).toFixed(0)} ms, set ${median(cold.set).toFixed(0)} ms${base ? `; the build before the shared cache ${median(cold.base).toFixed(0)} ms` : ''}. dist/index.js is ${kb(statSync(BIN).size)}; the client library is in ${chunk ? `dist/chunks/${chunk} (${kb(statSync(`${ROOT}dist/chunks/${chunk}`).size)})` : 'no chunk'}, imported only when the setting is set: ${lazy ? 'yes' : '**no**'}.`,
].join('\n');
console.log(section);
if (process.argv.includes('--write')) writeSection(`${ROOT}BENCHMARKS.md`, HEADING, section);
process.exit(lazy ? 0 : 1);
