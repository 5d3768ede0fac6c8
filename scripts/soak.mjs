// @ts-check
/**
 * `npm run soak`: 20,000 mixed tool calls over stdio and 20,000 over HTTP against the sandbox emulator, some
 * failing upstream on purpose. Records the server's RSS every 1,000 calls and its open file descriptors, and
 * fails on any error the upstream did not cause, on RSS growth after warm-up of 10% or more, on leaked sockets,
 * or on a MaxListenersExceededWarning. Writes docs/SOAK.md. Traffic stays on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Pool } from 'undici';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}dist/index.js`;
const CALLS = Number(process.env.SOAK_CALLS ?? 20_000);
const EVERY = 1_000;
const WARMUP = Math.min(5_000, CALLS / 4);
const CONCURRENCY = 8;

const { startSandbox } = await import(`${ROOT}dist/sandbox/serve.js`);
const { SANDBOX_API_KEY } = await import(`${ROOT}dist/sandbox/seed.js`);
const { systemClock } = await import(`${ROOT}dist/clock.js`);

/** @param {number} pid */
function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}
/** @param {number} pid */
function openFds(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

const USERS = ['emp-1001', 'emp-1002', 'emp-1003', 'emp-1004', 'emp-1099'];
/**
 * The i-th call of the mix: mostly lists, some creates and completions, and every 50th aimed at a user that does
 * not exist (an upstream 404). The sandbox also answers 503 to one request in 200.
 * @param {number} i
 * @returns {[string, Record<string, unknown>]}
 */
function callFor(i) {
  const id = i % 50 === 0 ? 'no-such-user' : USERS[i % USERS.length];
  const pick = i % 10;
  if (pick < 6)
    return ['list_user_assignments', { id, ...(pick === 1 ? { filter: { status: 'completed' } } : {}), page_size: 10 }];
  if (pick < 9) {
    return [
      'create_user_assignment',
      { id, learning_object_external_reference: `soak-${i % 400}`, due_date: '2026-12-31T17:00:00Z' },
    ];
  }
  return [
    'create_user_completion',
    { id, learning_object_external_reference: `soak-${(i - 1) % 400}`, result: { value: 'Pass' } },
  ];
}

/** Upstream-caused errors name StackOne's answer; anything else (timeouts, our own bugs) counts against us. */
/** @param {string} text */
const upstreamCaused = (text) => /StackOne answered HTTP \d{3}/.test(text);

/**
 * @param {string} label
 * @param {number} pid
 * @param {(i: number) => Promise<{isError?: boolean, text: string}>} call
 * @param {() => string} stderr
 */
async function run(label, pid, call, stderr) {
  /** @type {Array<{calls: number, rssMb: number, fds: number}>} */
  const samples = [{ calls: 0, rssMb: rssKb(pid) / 1024, fds: openFds(pid) }];
  let next = 0;
  let done = 0;
  let upstreamErrors = 0;
  /** @type {string[]} */
  const ours = [];
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= CALLS) return;
      const result = await call(i);
      if (result.isError) {
        if (upstreamCaused(result.text)) upstreamErrors++;
        else ours.push(result.text.slice(0, 200));
      }
      done++;
      if (done % EVERY === 0) samples.push({ calls: done, rssMb: rssKb(pid) / 1024, fds: openFds(pid) });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const first = { calls: 0, rssMb: 0, fds: 0, ...samples[0] };
  const afterWarmup = samples.find((s) => s.calls >= WARMUP) ?? first;
  const last = samples.at(-1) ?? first;
  const peakAfterWarmup = Math.max(...samples.filter((s) => s.calls >= WARMUP).map((s) => s.rssMb));
  const growth = (last.rssMb - afterWarmup.rssMb) / afterWarmup.rssMb;
  const warning = /MaxListenersExceededWarning/.test(stderr());
  const fdLeak = last.fds - afterWarmup.fds;
  const pass = ours.length === 0 && growth < 0.1 && fdLeak <= 2 && !warning;
  console.log(
    `${label}: ${CALLS} calls in ${seconds.toFixed(1)} s (${Math.round(CALLS / seconds)}/s), ${upstreamErrors} upstream-caused errors, ${ours.length} others; RSS ${afterWarmup.rssMb.toFixed(1)} -> ${last.rssMb.toFixed(1)} MB after warm-up (${(growth * 100).toFixed(1)}%), fds ${afterWarmup.fds} -> ${last.fds}, MaxListenersExceededWarning: ${warning ? 'yes' : 'no'} => ${pass ? 'PASS' : 'FAIL'}`,
  );
  for (const text of ours.slice(0, 5)) console.log(`  not upstream-caused: ${text}`);
  return {
    label,
    seconds,
    upstreamErrors,
    ours: ours.length,
    samples,
    afterWarmup,
    last,
    peakAfterWarmup,
    growth,
    fdLeak,
    warning,
    pass,
  };
}

/**
 * What a child wrote on stderr, bounded (the HTTP access log writes a line per call).
 * @param {import('node:stream').Stream | null | undefined} stream
 */
function collect(stream) {
  let text = '';
  let warned = false;
  stream?.on('data', (d) => {
    text += d;
    warned ||= /MaxListenersExceededWarning/.test(text);
    if (text.length > 1_000_000) text = text.slice(-100_000);
  });
  return () => (warned ? `MaxListenersExceededWarning\n${text}` : text);
}

const sandbox = await startSandbox({ now: systemClock });
// Some upstream failures on purpose: one request in 200 gets a 503.
const faults = setInterval(() => sandbox.emulator.injectFaults(1, { type: 'status', status: 503 }), 200);
const env = {
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('STACKONE_') && !k.startsWith('MCP_')),
  ),
  STACKONE_API_KEY: SANDBOX_API_KEY,
  STACKONE_ACCOUNT_ID: 'acme-lms',
  STACKONE_BASE_URL: sandbox.url,
  STACKONE_LOG_LEVEL: 'warn',
};
/** @type {Array<Awaited<ReturnType<typeof run>>>} */
const results = [];
try {
  // stdio: the real binary, the SDK client.
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env, stderr: 'pipe' });
  const stdioErr = collect(transport.stderr);
  const client = new Client({ name: 'soak', version: '1.0.0' });
  await client.connect(transport);
  const pid = /** @type {number} */ (transport.pid);
  results.push(
    await run(
      'stdio',
      pid,
      async (i) => {
        const [name, args] = callFor(i);
        const r = /** @type {any} */ (
          await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })
        );
        return { isError: r.isError, text: r.content?.[0]?.text ?? '' };
      },
      stdioErr,
    ),
  );
  await client.close();

  // HTTP: the real binary; raw JSON-RPC POSTs over one keep-alive pool, so the load generator stays light.
  const child = spawn(process.execPath, [BIN, '--transport', 'http', '--port', '0'], {
    env: { ...env, STACKONE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const httpErr = collect(child.stderr);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('HTTP server did not start')), 10_000);
    child.stderr?.on('data', () => {
      const match = /"url":"(http:\/\/[^"]+)\/mcp"/.exec(httpErr());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const pool = new Pool(/** @type {string} */ (url), { connections: CONCURRENCY });
  results.push(
    await run(
      'http',
      /** @type {number} */ (child.pid),
      async (i) => {
        const [name, args] = callFor(i);
        const res = await pool.request({
          path: '/mcp',
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name, arguments: args } }),
        });
        const body = /** @type {any} */ (await res.body.json());
        if (res.statusCode !== 200 || !body.result)
          return { isError: true, text: `HTTP ${res.statusCode} ${JSON.stringify(body).slice(0, 150)}` };
        return { isError: body.result.isError, text: body.result.content?.[0]?.text ?? '' };
      },
      httpErr,
    ),
  );
  await pool.close();
  child.kill('SIGTERM');
} finally {
  clearInterval(faults);
  await sandbox.close();
}

const pass = results.every((r) => r.pass);
const lines = [
  '# Soak test',
  '',
  `Latest run: \`npm run soak\` on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`,
  `${CALLS.toLocaleString('en')} mixed tool calls per transport (60% list, 30% create assignment, 10% completion; 1 in 50 for an unknown user; the emulator answers 503 to one request in 200), ${CONCURRENCY} in flight, against the sandbox emulator in the soak script's own process. RSS and open file descriptors are the server process's, from /proc. Warm-up: the first ${WARMUP.toLocaleString('en')} calls.`,
  '',
  '| transport | calls/s | upstream-caused errors | other errors | RSS after warm-up | RSS at end | growth | fds after warm-up → end | MaxListenersExceededWarning | result |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.label} | ${Math.round(CALLS / r.seconds)} | ${r.upstreamErrors} | ${r.ours} | ${r.afterWarmup.rssMb.toFixed(1)} MB | ${r.last.rssMb.toFixed(1)} MB | ${(r.growth * 100).toFixed(1)}% | ${r.afterWarmup.fds} → ${r.last.fds} | ${r.warning ? 'yes' : 'no'} | ${r.pass ? 'pass' : 'FAIL'} |`,
  ),
  '',
  'RSS every 1,000 calls (MB):',
  '',
  ...results.map((r) => `- ${r.label}: ${r.samples.map((s) => s.rssMb.toFixed(0)).join(' ')}`),
  '',
  'Pass: no error the upstream did not cause, RSS growth after warm-up under 10%, no leaked sockets (fds), no MaxListenersExceededWarning.',
  '',
];
mkdirSync(`${ROOT}docs`, { recursive: true });
writeFileSync(`${ROOT}docs/SOAK.md`, lines.join('\n'));
console.log(`wrote docs/SOAK.md: ${pass ? 'PASS' : 'FAIL'}`);
process.exit(pass ? 0 : 1);
