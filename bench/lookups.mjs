// @ts-check
/**
 * `node bench/lookups.mjs` (after `npm run build`): what a lookup costs, against a loopback StackOne with a
 * 5,000-person directory at 100 a page. Counts upstream requests for the first find_users, for a repeat inside the TTL
 * and for one after it (a delta), and compares a repeat's added latency over the floor (one direct upstream request)
 * with a list_user_assignments call's. Prints a markdown table for BENCHMARKS.md. Timing lives here, never in tests.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Pool } from 'undici';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}dist/index.js`;
const PEOPLE = 5_000;
const CALLS = Number(process.env.LOOKUP_BENCH_CALLS ?? 2_000);
const WARMUP = Math.floor(CALLS / 4);
const KEY = 'bench_key';
const ACCOUNT = 'bench-account';

const { Emulator } = await import(`${ROOT}dist/sandbox/emulator.js`);
const { SANDBOX_API_KEY } = await import(`${ROOT}dist/sandbox/seed.js`);
const { systemClock } = await import(`${ROOT}dist/clock.js`);

// ---- the upstream: the directory, paged and filterable, plus the bench's usual 25-assignment page -----------------

const T0 = Date.now() - 86_400_000;
const FIRST = [
  'Alex',
  'Sam',
  'Priya',
  'Lee',
  'Morgan',
  'Ava',
  'Noah',
  'Mia',
  'Omar',
  'Ivy',
  'Ben',
  'Kai',
  'Rosa',
  'Zoë',
];
const LAST = [
  'Smith',
  'Jones',
  'Patel',
  'Chen',
  'García',
  'Brown',
  'Khan',
  'Novak',
  'Silva',
  'Ito',
  'Moreau',
  'Ødegaard',
];
/** @type {Array<Record<string, unknown> & { updated_at: string }>} */
const directory = Array.from({ length: PEOPLE }, (_, i) => {
  const first = i === 2_345 ? 'Dana' : FIRST[i % FIRST.length];
  const last = i === 2_345 ? 'Whitaker' : LAST[Math.floor(i / FIRST.length) % LAST.length];
  return {
    id: `u${100_000 + i}`,
    remote_id: `r${i}`,
    external_reference: `HR-${i}`,
    active: i % 50 !== 0,
    email: `${first}.${last}.${i}@corp.example`.toLowerCase(),
    phone_number: '+441234567890',
    name: `${first} ${last}`,
    created_at: new Date(T0).toISOString(),
    updated_at: new Date(T0).toISOString(),
    unified_custom_fields: { cost_centre: `CC-${i % 40}` },
  };
});

const emulator = new Emulator({ now: systemClock });
const emuHeaders = {
  authorization: `Basic ${Buffer.from(`${SANDBOX_API_KEY}:`).toString('base64')}`,
  'x-account-id': 'acme-lms',
};
const LIST = Buffer.from(
  emulator.handle({
    method: 'GET',
    url: '/unified/lms/users/emp-1099/assignments?page_size=25',
    headers: emuHeaders,
    body: '',
  }).body,
);

const counts = { users: 0, assignments: 0 };
const upstream = createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/unified/lms/users') {
    counts.users++;
    const since = url.searchParams.get('filter[updated_after]');
    const rows = since ? directory.filter((r) => Date.parse(r.updated_at) > Date.parse(since)) : directory;
    const size = Number(url.searchParams.get('page_size') ?? 25);
    const start = Number(url.searchParams.get('next') ?? 0);
    const fields = url.searchParams.get('fields')?.split(',');
    const data = rows
      .slice(start, start + size)
      .map((r) => (fields ? Object.fromEntries(Object.entries(r).filter(([k]) => fields.includes(k))) : r));
    const body = JSON.stringify({ next: start + size < rows.length ? String(start + size) : null, data });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  if (url.pathname === '/unified/lms/courses' || url.pathname === '/unified/lms/content') {
    // The directories a list call reads for its titles (cached per tenant): the emulator's own pages, not an
    // assignments page whose cursor a directory walk would follow to its page cap on every call.
    const reply = emulator.handle({ method: 'GET', url: req.url ?? '/', headers: emuHeaders, body: '' });
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    return;
  }
  counts.assignments++;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': LIST.length }).end(LIST);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(undefined)));
const address = upstream.address();
const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

// ---- helpers ---------------------------------------------------------------------------------------------------

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** @param {string[]} extraArgs */
async function connect(extraArgs = []) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('STACKONE_')) env[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...extraArgs],
    env: {
      ...env,
      STACKONE_API_KEY: KEY,
      STACKONE_ACCOUNT_ID: ACCOUNT,
      STACKONE_BASE_URL: origin,
      STACKONE_LOG_LEVEL: 'warn',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'lookup-bench', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** @param {Client} client @param {string} name @param {Record<string, unknown>} args */
async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
  return result;
}

/** p50 and p99 of `fn` over CALLS runs, after WARMUP. @param {() => Promise<unknown>} fn */
async function time(fn) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const latencies = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await fn();
    latencies.push(performance.now() - t0);
  }
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

// ---- the runs --------------------------------------------------------------------------------------------------

const client = await connect();
counts.users = 0;
let t0 = performance.now();
const first = await call(client, 'find_users', { query: 'dana whitaker' });
const firstMs = performance.now() - t0;
const firstRequests = counts.users;
const firstLine = /** @type {Array<{ type: string, text: string }>} */ (first.content)[0]?.text.split('\n')[0];

counts.users = 0;
t0 = performance.now();
await call(client, 'find_users', { query: 'zoe odegaard' });
const repeatOnceMs = performance.now() - t0;
const repeatRequests = counts.users;

const pool = new Pool(origin, { connections: 1 });
const floorRequest = /** @type {import('undici').Dispatcher.RequestOptions} */ ({
  method: 'GET',
  path: '/unified/lms/users/emp-1099/assignments?page_size=25',
  headers: {
    authorization: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`,
    'x-account-id': ACCOUNT,
  },
});
const floor = await time(async () => (await pool.request(floorRequest)).body.text());
const list = await time(() => call(client, 'list_user_assignments', { id: 'emp-1099', page_size: 25 }));
counts.users = 0;
const queries = ['dana whitaker', 'zoe', 'patel 1234', 'alex.smith.0@corp.example', 'HR-4999', 'nobody at all'];
let q = 0;
const repeat = await time(() => call(client, 'find_users', { query: queries[q++ % queries.length] }));
const repeatsRequests = counts.users;
await pool.close();
await client.close();

// After the TTL: a delta (one request when nothing changed), then the cache again.
const short = await connect(['--directory-ttl-ms', '300']);
await call(short, 'find_users', { query: 'dana' });
const changed = directory[7];
if (changed) changed.updated_at = new Date().toISOString();
await new Promise((resolve) => setTimeout(resolve, 400));
counts.users = 0;
await call(short, 'find_users', { query: 'dana' });
const deltaRequests = counts.users;
await short.close();
upstream.close();

// ---- the table -------------------------------------------------------------------------------------------------

const f = (/** @type {number} */ ms) => `${ms.toFixed(2)} ms`;
const listAdded = list.p50 - floor.p50;
const lookupAdded = repeat.p50 - floor.p50;
const ratio = lookupAdded / listAdded;
const mark = (/** @type {boolean} */ ok) => (ok ? 'yes' : '**no**');
const rows = [
  [
    'First lookup: upstream requests (5,000 people, 100 a page)',
    String(firstRequests),
    '<= 51',
    mark(firstRequests <= 51),
  ],
  ['First lookup: time (walk of the directory)', f(firstMs), '', ''],
  ['Repeat inside the TTL: upstream requests', String(repeatRequests), '<= 1', mark(repeatRequests <= 1)],
  [
    `${CALLS.toLocaleString('en-US')} repeats inside the TTL: upstream requests in all`,
    String(repeatsRequests),
    '0',
    mark(repeatsRequests === 0),
  ],
  [
    'After the TTL: upstream requests (one delta, filter[updated_after])',
    String(deltaRequests),
    '<= 1',
    mark(deltaRequests <= 1),
  ],
  ['Floor: one direct upstream request, p50', f(floor.p50), '', ''],
  ['list_user_assignments (25 a page), p50 / p99', `${f(list.p50)} / ${f(list.p99)}`, '', ''],
  ['find_users repeat (cached, 5,000 people), p50 / p99', `${f(repeat.p50)} / ${f(repeat.p99)}`, '', ''],
  [
    'Repeat lookup added over the floor vs list_user_assignments added',
    `${f(lookupAdded)} vs ${f(listAdded)} (${ratio.toFixed(2)}x)`,
    '<= 2x',
    mark(ratio <= 2),
  ],
];
console.log(
  `Lookups (node ${process.versions.node}, ${CALLS.toLocaleString('en-US')} calls after ${WARMUP} warm-up, stdio, loopback upstream). First answer: ${firstLine}`,
);
console.log('');
console.log('| Figure | Measured | Target | Met |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
void repeatOnceMs;
process.exit(rows.some((r) => r[3] === '**no**') ? 1 : 0);
