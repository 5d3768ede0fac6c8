// @ts-check
/**
 * `npm run bench:report` (after `npm run build`): what training_report costs on a large organisation, against a
 * loopback StackOne of 5,000 people, 200 courses and 50,000 assignments of which 8,000 are open (5,000 pending,
 * 3,000 in progress), with their 42,000 completions, at 100 a page. Counts the upstream requests of the first
 * `overdue` report, of a repeat inside the TTL and of one after it (a delta per list), and of `all` until it has read
 * everything; the summary's length; the cache's bytes for that organisation. Prints a markdown section for
 * BENCHMARKS.md (with --write, puts it there: `npm run bench:report`). Timing lives here, never in tests.
 */
import { fileURLToPath } from 'node:url';
import { COURSES, organisation, PEOPLE, serveOrganisation } from './organisation.mjs';
import { writeSection } from './section.mjs';
import { connectStdio } from './stdio-client.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** This section's heading in BENCHMARKS.md; bench/run.mjs prints the section as it comes. */
const HEADING = '## Training report: who is overdue in a 5,000-person organisation';
const BIN = `${ROOT}dist/index.js`;
const KEY = 'bench_key';
const ACCOUNT = 'bench-account';

const { Directory, MemoryDirectoryStore } = await import(`${ROOT}dist/stackone/directory.js`);
const { StackOneClient } = await import(`${ROOT}dist/stackone/client.js`);
const { systemClock } = await import(`${ROOT}dist/clock.js`);

// ---- the organisation and its StackOne (bench/organisation.mjs) ------------------------------------------------

const NOW = Date.now();
const { users, courses, assignments, completions, open } = organisation(NOW);
const {
  origin,
  counts,
  close: closeUpstream,
} = await serveOrganisation({
  users,
  courses,
  content: [],
  assignments,
  completions,
});

// ---- helpers ---------------------------------------------------------------------------------------------------

/** @param {string[]} args */
const connect = (args = []) =>
  connectStdio({ bin: BIN, origin, key: KEY, account: ACCOUNT, name: 'report-bench', args });

/** One report; the upstream requests it made, per list; its summary and its time. @param {import('@modelcontextprotocol/sdk/client/index.js').Client} client */
async function report(client, /** @type {Record<string, unknown>} */ args) {
  for (const k of Object.keys(counts)) delete counts[k];
  const t0 = performance.now();
  const result = await client.callTool({ name: 'training_report', arguments: args });
  const ms = performance.now() - t0;
  if (result.isError) throw new Error(`training_report failed: ${JSON.stringify(result.content).slice(0, 300)}`);
  const summary = /** @type {Array<{ type: string, text: string }>} */ (result.content)[0]?.text ?? '';
  // Results carry the data once, as structuredContent (there is no JSON text copy in content).
  const json = JSON.stringify(result.structuredContent ?? {});
  const requests = Object.values(counts).reduce((a, b) => a + b, 0);
  const complete = /** @type {{ complete?: boolean }} */ (result.structuredContent).complete === true;
  return { requests, by: { ...counts }, summary, json, ms, complete };
}

const by = (/** @type {Record<string, number>} */ c) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

// ---- the runs --------------------------------------------------------------------------------------------------

const client = await connect();
const first = await report(client, { status: 'overdue' });
const repeat = await report(client, { status: 'overdue' });
const course = await report(client, { learning_object_external_reference: 'course-7', status: 'overdue' });
// Everything (completed and not assigned too): every assignment and completion, 200 pages a list per call.
const all = [];
for (let i = 0; i < 10; i++) {
  const r = await report(client, {});
  all.push(r);
  if (r.complete) break;
}
await client.close();

// After the TTL: one delta per list, and an assignment completed since is no longer overdue.
const short = await connect(['--directory-ttl-ms', '1500']);
const before = await report(short, { status: 'overdue' });
const active = new Set(users.filter((u) => u.active).map((u) => u.id));
const done = open.find((a) => active.has(a.user_id) && Date.parse(/** @type {string} */ (a.due_date)) < NOW);
if (done) Object.assign(done, { status: { value: 'completed' }, updated_at: new Date().toISOString() });
await new Promise((resolve) => setTimeout(resolve, 1_600));
const delta = await report(short, { status: 'overdue' });
await short.close();

// The cache's size for this organisation, in-process: every list read once into the memory store.
const store = new MemoryDirectoryStore();
const directory = new Directory({ now: systemClock, store, maxPages: 1_000 });
const stackone = new StackOneClient({
  baseUrl: new URL(origin),
  now: systemClock,
  timeoutMs: 30_000,
  userAgent: 'bench',
});
const reader = { stackone, credentials: { apiKey: KEY, accountId: ACCOUNT }, signal: new AbortController().signal };
/** @type {Record<string, number>} */
const bytes = {};
for (const kind of ['users', 'courses', 'open_assignments', 'assignments', 'completions']) {
  const held = store.size;
  await directory.read(kind, reader);
  bytes[kind] = store.size - held;
}
await stackone.close();
closeUpstream();

// ---- the section -----------------------------------------------------------------------------------------------

/** Open and overdue, from a summary's totals line. @param {string} text */
const figures = (text) =>
  (/Open ([\d,]+), of which ([\d,]+) overdue/.exec(text)?.slice(1) ?? []).map((n) => Number(n.replaceAll(',', '')));
const overdueRows = (/** @type {string} */ text) => text.split('\n').filter((l) => l.startsWith('- ')).length;
const mark = (/** @type {boolean} */ ok) => (ok ? 'yes' : '**no**');
const mb = (/** @type {number} */ n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const deltaLists = Object.keys(delta.by).length;
const rows = [
  [
    'First `overdue` report: upstream requests',
    `${first.requests} (${by(first.by)})`,
    '<= 80 + 50 + 2 + 3 = 135',
    mark(first.requests <= 135),
  ],
  [
    'First `overdue` report: time (walks of 8,000 open assignments, 5,000 people, 200 courses)',
    `${first.ms.toFixed(0)} ms`,
    '',
    '',
  ],
  ['Repeat inside the TTL: upstream requests', String(repeat.requests), '0', mark(repeat.requests === 0)],
  ['Repeat inside the TTL: time', `${repeat.ms.toFixed(0)} ms`, '', ''],
  [
    'After the TTL: upstream requests',
    `${delta.requests} (${by(delta.by)})`,
    'one delta per list',
    mark(delta.requests === deltaLists && deltaLists === 3),
  ],
  [
    'After the TTL: the assignment completed since has left the overdue figures (open / overdue)',
    `${figures(before.summary).join(' / ')} → ${figures(delta.summary).join(' / ')}`,
    'one fewer each',
    mark(figures(before.summary).every((n, i) => figures(delta.summary)[i] === n - 1)),
  ],
  [
    'Summary of the first `overdue` report (characters; people listed)',
    `${first.summary.length.toLocaleString('en-US')}; ${overdueRows(first.summary)}`,
    '< 2,000',
    mark(first.summary.length < 2_000),
  ],
  ['Its structuredContent as JSON (characters; 50 rows)', first.json.length.toLocaleString('en-US'), '', ''],
  [
    'One course, `overdue` (from the cache: requests; summary characters)',
    `${course.requests}; ${course.summary.length.toLocaleString('en-US')}`,
    '0; < 2,000',
    mark(course.requests === 0 && course.summary.length < 2_000),
  ],
  [
    'Everything (`all`): calls until complete, upstream requests per call',
    `${all.length}: ${all.map((r) => r.requests).join(', ')}`,
    '200 pages per list per call',
    '',
  ],
  [
    'Everything (`all`): summary characters, largest',
    Math.max(...all.map((r) => r.summary.length)).toLocaleString('en-US'),
    '< 2,000',
    mark(all.every((r) => r.summary.length < 2_000)),
  ],
  [
    'Cache for this organisation, as JSON (people; courses; open assignments; all assignments; completions)',
    `${mb(bytes.users ?? 0)}; ${mb(bytes.courses ?? 0)}; ${mb(bytes.open_assignments ?? 0)}; ${mb(bytes.assignments ?? 0)}; ${mb(bytes.completions ?? 0)}`,
    'all of it under the 64 MB bound',
    mark(Object.values(bytes).reduce((a, b) => a + b, 0) <= 64 * 1024 * 1024),
  ],
];
const section = [
  HEADING,
  '',
  `training_report (node ${process.versions.node}, stdio, loopback upstream: ${PEOPLE.toLocaleString('en-US')} people, ${COURSES} courses, ${assignments.length.toLocaleString('en-US')} assignments of which ${open.length.toLocaleString('en-US')} open, ${completions.length.toLocaleString('en-US')} completions, 100 a page). First answer's totals: ${first.summary.split('\n')[1]}`,
  '',
  '| Figure | Measured | Target | Met |',
  '| --- | --- | --- | --- |',
  ...rows.map((row) => `| ${row.join(' | ')} |`),
].join('\n');
console.log(section);
if (process.argv.includes('--write')) writeSection(`${ROOT}BENCHMARKS.md`, HEADING, section);
process.exit(rows.some((r) => r[3] === '**no**') ? 1 : 0);
