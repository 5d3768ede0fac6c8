// @ts-check
/**
 * `npm run bench:report` (after `npm run build`): what training_report costs on a large organisation, against a
 * loopback StackOne of 5,000 people, 200 courses and 50,000 assignments of which 8,000 are open (5,000 pending,
 * 3,000 in progress), with their 42,000 completions, at 100 a page. Counts the upstream requests of the first
 * `overdue` report, of a repeat inside the TTL and of one after it (a delta per list), and of `all` until it has read
 * everything; the summary's length; the cache's bytes for that organisation. Prints a markdown section for
 * BENCHMARKS.md (with --write, puts it there: `npm run bench:report`). Timing lives here, never in tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { connectStdio } from './stdio-client.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** This section's heading in BENCHMARKS.md; bench/run.mjs prints the section as it comes. */
const HEADING = '## Training report: who is overdue in a 5,000-person organisation';
const BIN = `${ROOT}dist/index.js`;
const PEOPLE = 5_000;
const COURSES = 200;
const PER_PERSON = 10;
const KEY = 'bench_key';
const ACCOUNT = 'bench-account';
const DAY = 86_400_000;

const { Directory, MemoryDirectoryStore } = await import(`${ROOT}dist/stackone/directory.js`);
const { StackOneClient } = await import(`${ROOT}dist/stackone/client.js`);
const { systemClock } = await import(`${ROOT}dist/clock.js`);

// ---- the organisation ------------------------------------------------------------------------------------------

const NOW = Date.now();
const iso = (/** @type {number} */ ms) => new Date(ms).toISOString();
const OLD = iso(NOW - 30 * DAY);
/** @typedef {Record<string, unknown> & { updated_at: string }} Row */
/** @type {Row[]} */
const users = Array.from({ length: PEOPLE }, (_, i) => ({
  id: `u${100_000 + i}`,
  remote_id: `r${i}`,
  external_reference: `HR-${i}`,
  active: i % 50 !== 0,
  email: `person.${i}@corp.example`,
  phone_number: '+441234567890',
  name: `Person ${i} Example`,
  created_at: OLD,
  updated_at: OLD,
}));
/** @type {Row[]} */
const courses = Array.from({ length: COURSES }, (_, i) => ({
  id: `c${i}`,
  remote_id: `rc${i}`,
  external_reference: `course-${i}`,
  title: `Course number ${i}`,
  description: 'A description the cache does not keep.',
  active: true,
  duration: 'PT45M',
  languages: [{ value: 'en_GB' }],
  created_at: OLD,
  updated_at: OLD,
}));
/** @type {Row[]} */
const assignments = [];
/** @type {Row[]} */
const completions = [];
for (let p = 0; p < PEOPLE; p++) {
  for (let k = 0; k < PER_PERSON; k++) {
    const i = assignments.length;
    const course = courses[(p * 7 + k * 13) % COURSES];
    const slot = i % 50;
    const status = slot < 5 ? 'pending' : slot < 8 ? 'in_progress' : 'completed';
    const names = {
      learning_object_id: course?.id,
      learning_object_external_reference: course?.external_reference,
      learning_object_type: { value: 'course', source_value: 'COURSE' },
    };
    const due = NOW + ((i % 7) - 3) * 5 * DAY;
    assignments.push({
      id: `a${i}`,
      remote_id: `ra${i}`,
      user_id: users[p]?.id,
      remote_user_id: `r${p}`,
      ...names,
      status: { value: status, source_value: status },
      progress: status === 'completed' ? 100 : status === 'pending' ? 0 : 40,
      assigned_at: iso(NOW - 90 * DAY),
      due_date: iso(due),
      completed_at: status === 'completed' ? iso(due - DAY) : null,
      result: status === 'completed' ? { value: 'Pass', source_value: 'passed' } : null,
      certificate_url: null,
      unified_custom_fields: null,
      created_at: OLD,
      updated_at: OLD,
    });
    if (status === 'completed') {
      completions.push({
        id: `k${i}`,
        user_id: users[p]?.id,
        ...names,
        completed_at: iso(due - DAY),
        result: { value: 'Pass', source_value: 'passed' },
        time_spent: 'PT40M',
        score: { percentage: 90, raw_value: '90 / 100' },
        created_at: OLD,
        updated_at: OLD,
      });
    }
  }
}
const open = assignments.filter((a) => /** @type {{ value: string }} */ (a.status).value !== 'completed');

// ---- the upstream: each list paged by cursor, with StackOne's documented filters ----------------------------------

/** @type {Record<string, number>} */
const counts = {};
/** @type {Record<string, Row[]>} */
const LISTS = { users, courses, content: [], assignments, completions };
const upstream = createServer((req, res) => {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://x');
  const list = /^\/unified\/lms\/(users|courses|content|assignments|completions)$/.exec(url.pathname)?.[1];
  if (!list) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"message":"Not Found"}');
    return;
  }
  counts[list] = (counts[list] ?? 0) + 1;
  const q = (/** @type {string} */ name) => url.searchParams.get(name);
  const since = q('filter[updated_after]');
  const status = list === 'assignments' ? q('filter[status]') : null;
  let rows = LISTS[list] ?? [];
  if (status) rows = rows.filter((r) => /** @type {{ value: string }} */ (r.status).value === status);
  if (since) rows = rows.filter((r) => Date.parse(r.updated_at) > Date.parse(since));
  const size = Number(q('page_size') ?? 25);
  const start = Number(q('next') ?? 0);
  const fields = q('fields')?.split(',');
  const data = rows
    .slice(start, start + size)
    .map((r) => (fields ? Object.fromEntries(Object.entries(r).filter(([k]) => fields.includes(k))) : r));
  const body = JSON.stringify({ next: start + size < rows.length ? String(start + size) : null, data });
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(undefined)));
const address = upstream.address();
const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

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
  const json = /** @type {Array<{ type: string, text: string }>} */ (result.content)[1]?.text ?? '';
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
upstream.close();

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
if (process.argv.includes('--write')) writeSection(section);
process.exit(rows.some((r) => r[3] === '**no**') ? 1 : 0);

/**
 * Puts this section into BENCHMARKS.md in place of the last one (from its heading to the next `## ` or the end), or
 * after everything when there is none: so the report's figures are refreshed without running the whole bench.
 * @param {string} text
 */
function writeSection(text) {
  const file = `${ROOT}BENCHMARKS.md`;
  const current = readFileSync(file, 'utf8');
  const start = current.indexOf(HEADING);
  if (start === -1) {
    writeFileSync(file, `${current.trimEnd()}\n\n${text}\n`);
    return;
  }
  const next = current.indexOf('\n## ', start + HEADING.length);
  writeFileSync(file, `${current.slice(0, start)}${text}\n${next === -1 ? '' : current.slice(next)}`);
}
