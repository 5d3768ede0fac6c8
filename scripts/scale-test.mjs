// @ts-check
/**
 * Scale test: three stateless HTTP replicas behind nginx round-robin, all talking to ONE in-process sandbox
 * emulator (a fresh one per mode), driven by eight concurrent MCP SDK clients making 50 tools/call each. Checks that every call
 * succeeded, that the replicas together served exactly the calls that were made, and that each replica took
 * a share. Run after a build: `npm run build && node scripts/scale-test.mjs`. Exit 0 on success, 1 on failure.
 *
 * Two modes, both run by default (`--mode plain` or `--mode oauth` for one): plain, and OAuth, where a real
 * authorization server (oidc-provider, in this process) issues tokens by client credentials, each client signs in
 * through the SDK's own discovery, and every replica must accept every client's token with nothing shared between
 * them but the issuer's published keys. The issuer is tests/helpers/oidc.ts, compiled here with esbuild, so this
 * script runs on Node 20 (no --experimental-strip-types).
 *
 * Shared mode (`--mode shared`): the replicas share one redis-server (MCP_CACHE_URL; Debian's package, started here on
 * a free port, persistence off), and the sandbox sits behind a proxy here that counts every request and slows the
 * lists, so walks take long enough to overlap. Checked: a tenant's first lookup and first report sent to all three
 * replicas at once walk each list once between them, not three times (counted at the proxy); the repeat costs nothing;
 * two identical creates sent to two replicas make one record; the store killed (-9) in the middle of the usual load
 * leaves every call succeeding and every replica alive; once it is back (restarted, empty), a second tenant's first
 * questions to all three are again one walk.
 *
 * Installs nginx and redis-server with apt-get if they are not there (root, Debian/Ubuntu). All traffic stays on
 * 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startRedisServer } from './lib/redis-server.mjs';

const REPLICAS = 3;
const CLIENTS = 8;
const CALLS_PER_CLIENT = 50;
const EXPECTED_CALLS = CLIENTS * CALLS_PER_CLIENT;
const USER = 'emp-1001';
/**
 * The load's creates: each its own pair of person and compliance module, so each is a new record (the sandbox refuses
 * a reference its catalogue does not hold, and a second create of a pair would rightly be refused as a repeat). Morgan
 * Ellis (emp-1099) is left out: the seed gives her every module.
 */
const LOAD_PEOPLE = Array.from({ length: 12 }, (_, i) => `emp-${1001 + i}`);
const MODULES = 65;
/** @param {number} c @param {number} n @returns {{ user: string, ref: string }} */
function pairFor(c, n) {
  const k = c * CALLS_PER_CLIENT + n;
  const module = (Math.floor(k / LOAD_PEOPLE.length) % MODULES) + 1;
  return {
    user: /** @type {string} */ (LOAD_PEOPLE[k % LOAD_PEOPLE.length]),
    ref: `compliance-module-${String(module).padStart(2, '0')}`,
  };
}
const HOST = '127.0.0.1';
const WATCHDOG_MS = 5 * 60_000;
const READY_TIMEOUT_MS = 20_000;

const BIN = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const OIDC_HELPER = fileURLToPath(new URL('../tests/helpers/oidc.ts', import.meta.url));
// Inside node_modules so the compiled helper's own imports (jose, oidc-provider) resolve from this package.
const OIDC_COMPILED = fileURLToPath(new URL('../node_modules/.cache/stackone-lms-mcp/oidc.mjs', import.meta.url));
const MODES = /** @type {const} */ (['plain', 'oauth', 'shared']);
const SANDBOX_SERVE = new URL('../dist/sandbox/serve.js', import.meta.url).href;
const SANDBOX_SEED = new URL('../dist/sandbox/seed.js', import.meta.url).href;
const CLOCK = new URL('../dist/clock.js', import.meta.url).href;

const t0 = performance.now();
/** @param {string} msg */
const log = (msg) => console.log(`[scale-test +${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

/**
 * @typedef {object} Replica
 * @property {number} index
 * @property {import('node:child_process').ChildProcess} proc
 * @property {number} port
 * @property {number} toolCalls access-log lines with "rpc":"tools/call" answered 200
 * @property {number} httpLines all access-log lines
 * @property {Record<string, number>} statuses access-log lines per HTTP status
 * @property {number} aborted access-log lines marked aborted
 * @property {string[]} problems warn/error lines and unparsable stderr
 * @property {string[]} tail the last stderr lines, for diagnostics
 * @property {string[]} cache the shared cache's own lines ("connected", "unavailable", "is back")
 * @property {Set<(msg: string) => void>} listeners called with each log line's msg
 * @property {Promise<void>} exited
 */

/**
 * @typedef {object} CallRecord
 * @property {string} tool
 * @property {number} ms
 * @property {string} [error]
 */

// ---------------------------------------------------------------- cleanup, watchdog, signals

/** @type {(() => Promise<void>)[]} run in reverse order */
const cleanups = [];
let cleanedUp = false;

async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (error) {
      log(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** @param {number} code */
async function finish(code) {
  clearTimeout(watchdog);
  await cleanup();
  log(code === 0 ? 'PASS' : 'FAIL');
  process.exit(code);
}

const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${WATCHDOG_MS / 1000} s; giving up`);
  void finish(1);
}, WATCHDOG_MS);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    log(`received ${signal}; cleaning up`);
    void finish(1);
  });
}

// ---------------------------------------------------------------- helpers

/**
 * Run a command to completion, streaming its output with a prefix.
 * @param {string} cmd
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Promise<{ code: number | null, output: string }>}
 */
function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => resolve({ code: -1, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** @param {string} name @returns {string | undefined} */
function findOnPath(name) {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/sbin', '/usr/local/sbin', '/sbin']) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A binary from a Debian package, installed with apt-get if missing.
 * @param {string} binary
 * @param {string} pkg
 * @returns {Promise<string>}
 */
async function ensureDebian(binary, pkg) {
  const found = findOnPath(binary);
  if (found) {
    log(`${binary} found at ${found}`);
    return found;
  }
  log(`${binary} not found: installing it with apt-get (apt-get update && apt-get install -y ${pkg})`);
  const started = performance.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Keep the package's postinst from starting a system-wide service (nginx on port 80, redis on 6379): a policy-rc.d
  // answering 101 ("action not allowed") for the duration of the install, removed afterwards if we put it there.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) {
    try {
      writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    } catch {
      log(`could not write ${policy}; the package may start a system service`);
    }
  }
  try {
    for (const args of [['update'], ['install', '-y', pkg]]) {
      log(`  apt-get ${args.join(' ')}`);
      const { code, output } = await run('apt-get', args, env);
      if (code !== 0) {
        throw new Error(
          `apt-get ${args.join(' ')} failed (exit ${code}):\n${output.split('\n').slice(-20).join('\n')}`,
        );
      }
    }
  } finally {
    if (ownPolicy && existsSync(policy)) unlinkSync(policy);
  }
  const installed = findOnPath(binary);
  if (!installed) throw new Error(`apt-get install ${pkg} succeeded, but no ${binary} is on PATH or in /usr/sbin`);
  log(`${binary} installed at ${installed} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}

/** @returns {Promise<number>} a port that was free on 127.0.0.1 a moment ago */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stop a child: `signal`, then SIGKILL if it has not exited after `graceMs`.
 * @param {import('node:child_process').ChildProcess} proc
 * @param {Promise<void>} exited
 * @param {NodeJS.Signals} signal
 * @param {number} graceMs
 */
async function stopProcess(proc, exited, signal, graceMs) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    proc.kill('SIGKILL');
    await exited;
  }
}

/** @param {number[]} sorted @param {number} q */
function percentile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

// ---------------------------------------------------------------- replicas

/**
 * @param {number} index
 * @param {Record<string, string>} env
 * @returns {Promise<Replica>}
 */
function startReplica(index, env) {
  const proc = spawn(process.execPath, [BIN, '--transport', 'http', '--host', HOST, '--port', '0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  /** @type {Replica} */
  const replica = {
    index,
    proc,
    port: 0,
    toolCalls: 0,
    httpLines: 0,
    statuses: {},
    aborted: 0,
    problems: [],
    tail: [],
    cache: [],
    listeners: new Set(),
    exited: new Promise((resolve) => proc.once('exit', () => resolve())),
  };
  cleanups.push(() => stopProcess(proc, replica.exited, 'SIGTERM', 5_000));

  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      reject(new Error(`replica ${index} did not log "listening" within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    /** @param {string} line */
    const onLine = (line) => {
      if (!line.trim()) return;
      replica.tail.push(line);
      if (replica.tail.length > 20) replica.tail.shift();
      /** @type {Record<string, unknown>} */
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        replica.problems.push(line);
        return;
      }
      if (entry.msg === 'listening' && typeof entry.url === 'string' && replica.port === 0) {
        replica.port = Number(new URL(entry.url).port);
        clearTimeout(timer);
        resolve(replica);
      } else if (entry.msg === 'http') {
        replica.httpLines++;
        const status = String(entry.status);
        replica.statuses[status] = (replica.statuses[status] ?? 0) + 1;
        if (entry.aborted) replica.aborted++;
        if (entry.rpc === 'tools/call' && entry.status === 200) replica.toolCalls++;
      }
      if (entry.level === 'warn' || entry.level === 'error') replica.problems.push(line);
      if (typeof entry.msg === 'string') {
        if (entry.msg.startsWith('shared cache')) replica.cache.push(entry.msg);
        for (const listener of replica.listeners) listener(entry.msg);
      }
    };
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (/** @type {string} */ chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        onLine(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    });
    proc.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (replica.port === 0) {
        reject(new Error(`replica ${index} exited (${signal ?? code}) before listening:\n${replica.tail.join('\n')}`));
      } else if (!cleanedUp) {
        log(`replica ${index} (port ${replica.port}) exited unexpectedly (${signal ?? code})`);
      }
    });
  });
}

// ---------------------------------------------------------------- nginx

/**
 * @param {string} dir
 * @param {number} listenPort
 * @param {number[]} upstreamPorts
 */
function nginxConfig(dir, listenPort, upstreamPorts) {
  const servers = upstreamPorts.map((port) => `    server ${HOST}:${port};`).join('\n');
  return `# Generated by scripts/scale-test.mjs; everything lives under ${dir}.
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;

events {
  worker_connections 1024;
}

http {
  log_format upstreamlog '$remote_addr "$request" $status $body_bytes_sent upstream=$upstream_addr '
                         'upstream_status=$upstream_status rt=$request_time urt=$upstream_response_time';
  access_log ${dir}/access.log upstreamlog;

  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  # Plain round-robin over the replicas, with a pool of idle HTTP/1.1 connections to them. The pool's idle
  # timeout stays under the server's 5 s keepAliveTimeout so nginx never reuses a socket the replica is closing.
  upstream mcp_replicas {
${servers}
    keepalive 32;
    keepalive_timeout 4s;
  }

  server {
    listen ${HOST}:${listenPort};
    server_name localhost;

    location / {
      proxy_pass http://mcp_replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 90s;
      proxy_send_timeout 90s;
    }
  }
}
`;
}

/**
 * @param {string} nginxBin
 * @param {string} dir
 * @param {number} port
 */
async function startNginx(nginxBin, dir, port) {
  const conf = join(dir, 'nginx.conf');
  // -e (nginx >= 1.19.5) keeps even the startup error log out of /var/log/nginx.
  const version = await run(nginxBin, ['-v']);
  const match = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(version.output);
  const [major, minor, patch] = match ? match.slice(1).map(Number) : [0, 0, 0];
  const hasE = (major ?? 0) * 1e6 + (minor ?? 0) * 1e3 + (patch ?? 0) >= 1_019_005;
  const args = ['-p', `${dir}/`, '-c', conf, ...(hasE ? ['-e', join(dir, 'error.log')] : [])];
  log(`${version.output.trim()}; checking config ${conf}`);
  const test = await run(nginxBin, [...args, '-t']);
  if (test.code !== 0) throw new Error(`nginx -t failed:\n${test.output}`);

  const proc = spawn(nginxBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (/** @type {Buffer} */ c) => {
    output += c.toString('utf8');
  });
  proc.stderr.on('data', (/** @type {Buffer} */ c) => {
    output += c.toString('utf8');
  });
  /** @type {Promise<void>} */
  const exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  proc.once('error', (error) => {
    output += `${error.message}\n`;
  });
  // SIGQUIT is nginx's graceful stop; the master takes its workers with it (SIGKILL would orphan them).
  cleanups.push(() => stopProcess(proc, exited, 'SIGQUIT', 5_000));

  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`nginx exited (${proc.signalCode ?? proc.exitCode}) at start:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return { url, proc, output: () => output };
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`nginx did not answer ${url}/healthz within ${READY_TIMEOUT_MS} ms:\n${output}`);
}

// ---------------------------------------------------------------- clients

/** @param {number} days */
function daysFromNow(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(17, 0, 0, 0);
  return d.toISOString();
}

/**
 * The n-th call of client c: list, assign and complete in turn; every create has its own person and module.
 * @param {number} c
 * @param {number} n
 * @returns {{ name: string, arguments: Record<string, unknown> }}
 */
function callFor(c, n) {
  const { user, ref } = pairFor(c, n);
  switch ((c + n) % 3) {
    case 0:
      return { name: 'list_user_assignments', arguments: { id: USER } };
    case 1:
      return {
        name: 'create_user_assignment',
        arguments: { id: user, learning_object_external_reference: ref, due_date: daysFromNow(14) },
      };
    default:
      return {
        name: 'create_user_completion',
        arguments: { id: user, learning_object_external_reference: ref, result: { value: n % 2 ? 'Pass' : 'Fail' } },
      };
  }
}

/**
 * @param {string} mcpUrl
 * @param {number} c
 * @param {CallRecord[]} records
 * @param {import('@modelcontextprotocol/client').ClientCredentialsProviderOptions} [credentials]
 * @param {() => void} [onCall] after each call
 */
async function runClient(mcpUrl, c, records, credentials, onCall = () => {}) {
  const client = new Client({ name: `scale-test-${c}`, version: '1.0.0' });
  // OAuth: the client's first request is refused (401), it finds the issuer through the server's metadata document,
  // gets a token by client credentials, and sends it on every later request, to whichever replica nginx picks.
  const transport = new StreamableHTTPClientTransport(
    new URL(mcpUrl),
    credentials ? { authProvider: new ClientCredentialsProvider(credentials) } : {},
  );
  await client.connect(transport);
  try {
    for (let n = 0; n < CALLS_PER_CLIENT; n++) {
      const call = callFor(c, n);
      const started = performance.now();
      /** @type {CallRecord} */
      const record = { tool: call.name, ms: 0 };
      try {
        const result = /** @type {import('@modelcontextprotocol/client').CallToolResult} */ (
          await client.callTool(call)
        );
        if (result.isError) {
          const first = result.content[0];
          record.error = `isError: ${first?.type === 'text' ? first.text.slice(0, 300) : JSON.stringify(result)}`;
        }
      } catch (error) {
        record.error = `threw: ${error instanceof Error ? error.message : String(error)}`;
      }
      record.ms = performance.now() - started;
      if (record.error) log(`client ${c} call ${n} ${call.name} failed: ${record.error}`);
      records.push(record);
      onCall();
    }
  } finally {
    await client.close().catch(() => {});
  }
}

// ---------------------------------------------------------------- shared mode

/** @typedef {{ url: string, emulator: { assignmentsOf(u: string): Record<string, unknown>[], completionsOf(u: string): Record<string, unknown>[] } }} Sandbox */

/**
 * A request the counting proxy saw.
 * @typedef {{ method: string, path: string, account: string, query: URLSearchParams }} Seen
 */

/**
 * The sandbox behind a proxy that records every request and can slow them: the lists (so a walk takes long enough
 * for the other replicas' questions to arrive during it), and a person's records and creates (so two identical
 * creates both run their check before either writes).
 * @param {string} target
 */
async function startCountingProxy(target) {
  /** @type {Seen[]} */
  const seen = [];
  const delays = { lists: 0, person: 0, create: 0 };
  const server = createHttpServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (/** @type {Buffer} */ c) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://proxy');
      const account = String(req.headers['x-account-id'] ?? '');
      seen.push({ method: req.method ?? 'GET', path: url.pathname, account, query: url.searchParams });
      const delay =
        req.method === 'POST'
          ? delays.create
          : /^\/unified\/lms\/users\/[^/]+\/(assignments|completions)$/.test(url.pathname)
            ? delays.person
            : delays.lists;
      if (delay) await sleep(delay);
      try {
        /** @type {Record<string, string>} */
        const headers = {};
        for (const name of ['authorization', 'x-account-id', 'content-type', 'accept']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const reply = await fetch(`${target}${req.url}`, { method: req.method, headers, body });
        res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await reply.arrayBuffer()));
      } catch (error) {
        res.writeHead(502).end(String(error));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, () => resolve(undefined)));
  const address = server.address();
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return {
    url: `http://${HOST}:${typeof address === 'object' && address ? address.port : 0}`,
    seen,
    delays,
  };
}

/**
 * The org-wide lists a burst read, by account, path and status filter: how many walks of each began (a request
 * without a cursor or a delta's filter) and how many requests it took in all.
 * @param {Seen[]} requests
 */
function walksOf(requests) {
  /** @type {Map<string, { starts: number, requests: number }>} */
  const lists = new Map();
  for (const r of requests) {
    if (r.method !== 'GET' || !/^\/unified\/lms\/(users|courses|content|assignments|completions)$/.test(r.path))
      continue;
    const list = `${r.account} ${r.path.replace('/unified/lms/', '')}${r.query.has('filter[status]') ? `[${r.query.get('filter[status]')}]` : ''}`;
    const entry = lists.get(list) ?? { starts: 0, requests: 0 };
    entry.requests++;
    if (!r.query.has('next') && !r.query.has('filter[updated_after]')) entry.starts++;
    lists.set(list, entry);
  }
  return lists;
}

/**
 * An MCP client straight to one replica (not through nginx), so a question certainly reaches each.
 * @param {Replica} replica
 */
async function directClient(replica) {
  const client = new Client({ name: `scale-shared-${replica.index}`, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://${HOST}:${replica.port}/mcp`)));
  cleanups.push(() => client.close().catch(() => {}));
  /** @param {string} name @param {Record<string, unknown>} args */
  return async (name, args) => {
    const result = /** @type {import('@modelcontextprotocol/client').CallToolResult} */ (
      await client.callTool({ name, arguments: args })
    );
    if (result.isError) {
      const first = result.content[0];
      throw new Error(`${name} at replica ${replica.index}: ${first?.type === 'text' ? first.text.slice(0, 300) : ''}`);
    }
    return result;
  };
}

/**
 * @param {Replica} replica
 * @param {RegExp} pattern
 * @param {number} timeoutMs
 */
function untilCacheLine(replica, pattern, timeoutMs = 15_000) {
  if (replica.cache.some((line) => pattern.test(line))) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      replica.listeners.delete(listener);
      reject(new Error(`replica ${replica.index} did not log ${pattern} in ${timeoutMs} ms`));
    }, timeoutMs);
    /** @param {string} msg */
    const listener = (msg) => {
      if (!pattern.test(msg)) return;
      clearTimeout(timer);
      replica.listeners.delete(listener);
      resolve(undefined);
    };
    replica.listeners.add(listener);
  });
}

/**
 * The shared-cache mode's own steps around the usual load: a redis-server and the counting proxy before the replicas
 * start; the first questions and the identical creates before the load; the store killed a third of the way in; its
 * return and a second tenant's first questions after.
 * @param {Sandbox} sandbox
 */
async function startShared(sandbox) {
  const redis = await startRedisServer({ bin: await ensureDebian('redis-server', 'redis-server') });
  cleanups.push(() => redis.close());
  log(`redis-server (pid ${redis.pid()}) at ${redis.url}`);
  const proxy = await startCountingProxy(sandbox.url);
  log(`counting proxy at ${proxy.url} in front of the sandbox`);
  /** @type {string[]} */
  const figures = [];
  let killed = false;

  /**
   * Each replica asked a tenant's first lookup and first report at the same moment: one walk of each list in all.
   * @param {Array<(name: string, args: Record<string, unknown>) => Promise<unknown>>} clients
   * @param {string} account
   * @param {string} label
   * @returns {Promise<string[]>}
   */
  const firstQuestions = async (clients, account, label) => {
    /** @type {string[]} */
    const failures = [];
    proxy.delays.lists = 150;
    const from = proxy.seen.length;
    await Promise.all(
      clients.flatMap((call) => [
        call('find_users', { query: 'dana', account_id: account }),
        call('training_report', { status: 'overdue', account_id: account }),
      ]),
    );
    const lists = walksOf(proxy.seen.slice(from));
    const requests = proxy.seen.length - from;
    if (lists.size === 0) failures.push(`${label}: no list was read`);
    for (const [list, { starts }] of lists) {
      if (starts !== 1)
        failures.push(`${label}: ${list} was walked ${starts} times by ${clients.length} replicas, expected once`);
    }
    const walks = [...lists.values()].reduce((n, l) => n + l.starts, 0);
    figures.push(
      `${label}: ${clients.length} replicas x (find_users + training_report) at once: ${requests} upstream requests, ${walks} walks of ${lists.size} lists (${[...lists.keys()].join(', ')})`,
    );
    const again = proxy.seen.length;
    await Promise.all(
      clients.flatMap((call) => [
        call('find_users', { query: 'dana', account_id: account }),
        call('training_report', { status: 'overdue', account_id: account }),
      ]),
    );
    const repeat = walksOf(proxy.seen.slice(again));
    if (repeat.size > 0) failures.push(`${label}: the repeat read ${[...repeat.keys()].join(', ')} again`);
    figures.push(
      `${label}: the same questions again: ${[...repeat.values()].reduce((n, l) => n + l.requests, 0)} list requests`,
    );
    proxy.delays.lists = 0;
    return failures;
  };

  return {
    redis,
    proxy,
    /**
     * @param {Replica[]} replicas
     * @returns {Promise<{ failures: string[], calls: number }>} and the tools/call it made
     */
    async before(replicas) {
      await Promise.all(replicas.map((r) => untilCacheLine(r, /^shared cache \(MCP_CACHE_URL\) connected/)));
      log('every replica connected to the shared cache');
      const clients = await Promise.all(replicas.map(directClient));
      const failures = await firstQuestions(clients, 'acme-lms', 'first tenant');
      // Two identical creates sent to two replicas at once: one record. The check before a create and the create
      // itself are slowed so that, without the shared lock, both checks would see nothing and both would write.
      proxy.delays.person = 100;
      proxy.delays.create = 300;
      const pairs = [
        ['create_user_assignment', { id: 'emp-1099', learning_object_external_reference: 'first-aid-basics' }],
        [
          'create_user_completion',
          { id: 'emp-1099', learning_object_external_reference: 'forklift-safety', result: { value: 'Pass' } },
        ],
      ];
      for (const [tool, args] of /** @type {Array<[string, Record<string, unknown>]>} */ (pairs)) {
        await Promise.all([clients[0]?.(tool, args), clients[1]?.(tool, args)]);
      }
      proxy.delays.person = 0;
      proxy.delays.create = 0;
      const posts = proxy.seen.filter((r) => r.method === 'POST').length;
      const assigned = sandbox.emulator
        .assignmentsOf('emp-1099')
        .filter((a) => a.learning_object_external_reference === 'first-aid-basics');
      if (assigned.length !== 1)
        failures.push(`two identical assignments at two replicas made ${assigned.length} records`);
      // The completions themselves: the emulator also closes the assignment, which would hide a second completion.
      const completed = sandbox.emulator
        .completionsOf('emp-1099')
        .filter((c) => c.learning_object_external_reference === 'forklift-safety');
      if (completed.length !== 1)
        failures.push(`two identical completions at two replicas made ${completed.length} records`);
      if (posts !== 2)
        failures.push(`two pairs of identical creates at two replicas sent ${posts} creates, expected 2`);
      figures.push(
        `identical creates, two replicas at once (an assignment, a completion): ${posts} creates sent, ${assigned.length + completed.length} records`,
      );
      return { failures, calls: 4 * replicas.length + 2 * pairs.length };
    },
    /** @param {number} calls made so far in the load */
    during(calls) {
      if (killed || calls < EXPECTED_CALLS / 3) return;
      killed = true;
      log(`killing redis-server (-9) after ${calls} of the load's ${EXPECTED_CALLS} calls`);
      void redis.kill();
    },
    /** @param {Replica[]} replicas */
    async after(replicas) {
      /** @type {string[]} */
      const failures = [];
      if (!killed) failures.push('the load ended before the store was killed');
      for (const r of replicas) {
        if (r.proc.exitCode !== null || r.proc.signalCode !== null)
          failures.push(`replica ${r.index} died with the store`);
        if (!r.cache.some((line) => /unavailable/.test(line)))
          failures.push(`replica ${r.index} never noticed the store go`);
      }
      await redis.restart();
      log('redis-server restarted (empty) on the same port');
      await Promise.all(replicas.map((r) => untilCacheLine(r, /^shared cache \(MCP_CACHE_URL\) is back/)));
      log('every replica is back on the shared cache');
      const clients = await Promise.all(replicas.map(directClient));
      failures.push(...(await firstQuestions(clients, 'globex-lms', 'second tenant, after the store came back')));
      for (const line of figures) log(line);
      return failures;
    },
  };
}

// ---------------------------------------------------------------- main

/**
 * The issuer helper, compiled from TypeScript once per run (esbuild is a dev dependency already).
 * @returns {Promise<{ startIssuer: () => Promise<{ url: string, close(): Promise<void> }>, SERVICE_CLIENT: { id: string, secret: string } }>}
 */
async function loadIssuerHelper() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [OIDC_HELPER],
    outfile: OIDC_COMPILED,
    format: 'esm',
    platform: 'node',
    logLevel: 'error',
  });
  return import(pathToFileURL(OIDC_COMPILED).href);
}

/** @returns {Promise<boolean>} */
async function main() {
  const asked = process.argv.includes('--mode') ? process.argv[process.argv.indexOf('--mode') + 1] : undefined;
  const modes = MODES.filter((m) => asked === undefined || m === asked);
  if (modes.length === 0) throw new Error(`--mode takes ${MODES.join(' or ')}`);
  log(
    `scale test: ${REPLICAS} replicas behind nginx, ${CLIENTS} clients x ${CALLS_PER_CLIENT} tools/call; ${modes.join(', then ')}`,
  );
  const nginxBin = await ensureDebian('nginx', 'nginx');

  /** @type {{ startSandbox: (o: { now: () => number, port?: number, host?: '127.0.0.1' }) => Promise<Sandbox & { close(): Promise<void> }> }} */
  const { startSandbox } = await import(SANDBOX_SERVE);
  /** @type {{ SANDBOX_API_KEY: string }} */
  const { SANDBOX_API_KEY } = await import(SANDBOX_SEED);
  const { systemClock } = await import(CLOCK);

  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STACKONE_') && !k.startsWith('MCP_')) env[k] = v;
  }
  Object.assign(env, {
    STACKONE_API_KEY: SANDBOX_API_KEY,
    STACKONE_ACCOUNT_ID: 'acme-lms',
    STACKONE_LOG_LEVEL: 'info',
  });
  let ok = true;
  for (const mode of modes) {
    // Each mode its own sandbox: the load's creates use every pair of person and compliance module once per run.
    const sandbox = await startSandbox({ host: HOST, now: systemClock });
    cleanups.push(() => sandbox.close());
    log(`sandbox emulator listening at ${sandbox.url}`);
    ok = (await runMode(mode, nginxBin, sandbox, { ...env, STACKONE_BASE_URL: sandbox.url })) && ok;
  }
  return ok;
}

/**
 * One mode: its own replicas, nginx and sandbox.
 * @param {'plain' | 'oauth' | 'shared'} mode
 * @param {string} nginxBin
 * @param {Sandbox} sandbox
 * @param {Record<string, string>} baseEnv
 * @returns {Promise<boolean>}
 */
async function runMode(mode, nginxBin, sandbox, baseEnv) {
  log(`---- ${mode} mode`);
  // The replicas must know their public URL (the token audience) before they start: nginx's port comes first.
  const nginxPort = await freePort();
  const mcpUrl = `http://${HOST}:${nginxPort}/mcp`;
  const env = { ...baseEnv };
  const shared = mode === 'shared' ? await startShared(sandbox) : undefined;
  if (shared) Object.assign(env, { MCP_CACHE_URL: shared.redis.url, STACKONE_BASE_URL: shared.proxy.url });
  /** @type {import('@modelcontextprotocol/client').ClientCredentialsProviderOptions | undefined} */
  let credentials;
  if (mode === 'oauth') {
    const { startIssuer, SERVICE_CLIENT } = await loadIssuerHelper();
    const issuer = await startIssuer();
    cleanups.push(() => issuer.close());
    log(`authorization server (oidc-provider) at ${issuer.url}`);
    Object.assign(env, { MCP_OAUTH_ISSUER: issuer.url, MCP_RESOURCE_URL: mcpUrl, MCP_AUDIT_LOG: 'off' });
    credentials = { clientId: SERVICE_CLIENT.id, clientSecret: SERVICE_CLIENT.secret, expectedIssuer: issuer.url };
  }
  const replicas = await Promise.all(Array.from({ length: REPLICAS }, (_, i) => startReplica(i, env)));
  for (const r of replicas) log(`replica ${r.index} (pid ${r.proc.pid}) listening on ${HOST}:${r.port}`);

  const dir = await mkdtemp(join(tmpdir(), `scale-test-nginx-${mode}-`));
  // nginx workers may run as an unprivileged user (www-data) when we are root: they must reach the temp dirs.
  await chmod(dir, 0o755);
  let keepDir = false;
  cleanups.push(async () => {
    if (!keepDir) await rm(dir, { recursive: true, force: true });
    else log(`nginx files kept in ${dir}`);
  });
  await writeFile(
    join(dir, 'nginx.conf'),
    nginxConfig(
      dir,
      nginxPort,
      replicas.map((r) => r.port),
    ),
  );
  const nginx = await startNginx(nginxBin, dir, nginxPort);
  log(`nginx (pid ${nginx.proc.pid}) proxying ${mcpUrl} to replicas ${replicas.map((r) => r.port).join(', ')}`);

  /** @type {string[]} */
  const failures = [];
  if (shared) {
    const before = await shared.before(replicas);
    failures.push(...before.failures);
    // Their access-log lines come as each response closes: the load's count starts once all of them are in.
    const settleBy = Date.now() + 5_000;
    while (replicas.reduce((sum, r) => sum + r.toolCalls, 0) < before.calls && Date.now() < settleBy) await sleep(20);
  }

  const baseline = replicas.map((r) => r.toolCalls);
  /** @type {CallRecord[]} */
  const records = [];
  log(`running ${CLIENTS} clients x ${CALLS_PER_CLIENT} calls = ${EXPECTED_CALLS} tools/call through nginx`);
  const loadStarted = performance.now();
  // Shared mode: the store is killed (-9) a third of the way through the load.
  const onCall = () => shared?.during(records.length);
  const outcomes = await Promise.allSettled(
    Array.from({ length: CLIENTS }, (_, c) => runClient(mcpUrl, c, records, credentials, onCall)),
  );
  const loadMs = performance.now() - loadStarted;
  log(`load finished in ${(loadMs / 1000).toFixed(2)} s`);

  // Access-log lines are written when each response closes; give the last ones a moment to arrive.
  const served = () => replicas.reduce((sum, r, i) => sum + r.toolCalls - (baseline[i] ?? 0), 0);
  const settleBy = Date.now() + 5_000;
  while (served() < EXPECTED_CALLS && Date.now() < settleBy) await sleep(50);
  await sleep(300);
  // The load's own figures, before shared mode's later calls (straight to the replicas) add to the access logs.
  const total = served();
  const perReplica = replicas.map((r, i) => r.toolCalls - (baseline[i] ?? 0));
  if (shared) failures.push(...(await shared.after(replicas)));

  // ------------------------------------------------------------ checks
  outcomes.forEach((o, c) => {
    if (o.status === 'rejected') {
      failures.push(`client ${c} failed: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`);
    }
  });
  const failed = records.filter((r) => r.error);
  if (records.length !== EXPECTED_CALLS) failures.push(`made ${records.length} calls, expected ${EXPECTED_CALLS}`);
  if (failed.length > 0)
    failures.push(`${failed.length} calls failed (first: ${failed[0]?.tool}: ${failed[0]?.error})`);
  if (total !== EXPECTED_CALLS) failures.push(`replicas logged ${total} tools/call, expected ${EXPECTED_CALLS}`);
  replicas.forEach((r, i) => {
    if ((perReplica[i] ?? 0) < 1) failures.push(`replica ${r.index} served no tools/call`);
  });
  if (mode === 'oauth') {
    // Each client is refused once, before it has a token; after that every replica accepted every token.
    const refused = replicas.reduce((sum, r) => sum + (r.statuses['401'] ?? 0) + (r.statuses['403'] ?? 0), 0);
    if (refused !== CLIENTS)
      failures.push(`replicas answered ${refused} 401/403, expected ${CLIENTS} (one per client)`);
  } else if (replicas.some((r) => r.statuses['401'])) {
    failures.push('a replica answered 401 without OAuth');
  }
  // The shared upstream: every create landed once, whichever replica carried it.
  let creates = 0;
  let duplicated = 0;
  let missing = 0;
  for (let c = 0; c < CLIENTS; c++) {
    for (let n = 0; n < CALLS_PER_CLIENT; n++) {
      if (callFor(c, n).name === 'list_user_assignments') continue;
      creates++;
      const { user, ref } = pairFor(c, n);
      const count = sandbox.emulator
        .assignmentsOf(user)
        .filter((a) => a.learning_object_external_reference === ref).length;
      if (count === 0) missing++;
      if (count > 1) duplicated++;
    }
  }
  if (missing > 0) failures.push(`${missing} of ${creates} creates left no record in the sandbox`);
  if (duplicated > 0) failures.push(`${duplicated} pairs of person and module were written more than once`);

  // ------------------------------------------------------------ summary
  const latencies = records.map((r) => r.ms).sort((a, b) => a - b);
  /** @type {Record<string, number>} */
  const perTool = {};
  for (const r of records) perTool[r.tool] = (perTool[r.tool] ?? 0) + 1;
  const rows = replicas.map((r, i) => ({
    replica: r.index,
    port: r.port,
    'tools/call': perReplica[i],
    'http lines': r.httpLines,
    statuses: Object.entries(r.statuses)
      .map(([s, n]) => `${s}x${n}`)
      .join(' '),
    aborted: r.aborted,
  }));
  console.log('');
  console.table(rows);
  console.log(
    [
      `calls made      ${records.length} (${Object.entries(perTool)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')})`,
      `calls failed    ${failed.length}`,
      `served (logged) ${total}`,
      `sandbox records ${creates - missing} created, ${duplicated} duplicated`,
      `total time      ${(loadMs / 1000).toFixed(2)} s`,
      `throughput      ${(records.length / (loadMs / 1000)).toFixed(1)} calls/s`,
      `latency p50     ${percentile(latencies, 0.5).toFixed(1)} ms`,
      `latency p99     ${percentile(latencies, 0.99).toFixed(1)} ms`,
      `latency max     ${(latencies.at(-1) ?? Number.NaN).toFixed(1)} ms`,
    ].join('\n'),
  );
  console.log('');

  const nginxErrors = (await readFile(join(dir, 'error.log'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => /\[(error|crit|alert|emerg)\]/.test(line));
  if (nginxErrors.length > 0) {
    log(`nginx error.log has ${nginxErrors.length} error lines, e.g.:\n  ${nginxErrors.slice(0, 5).join('\n  ')}`);
  }
  for (const r of replicas) {
    if (r.problems.length > 0) {
      log(
        `replica ${r.index} logged ${r.problems.length} warnings/errors, e.g.:\n  ${r.problems.slice(0, 5).join('\n  ')}`,
      );
    }
  }

  if (failures.length > 0) {
    keepDir = process.env.SCALE_TEST_KEEP === '1';
    for (const f of failures) log(`FAILED: ${f}`);
    for (const r of replicas) log(`replica ${r.index} stderr tail:\n  ${r.tail.slice(-5).join('\n  ')}`);
    return false;
  }
  log(`${mode}: all ${EXPECTED_CALLS} calls succeeded; every replica served a share`);
  return true;
}

main().then(
  (ok) => finish(ok ? 0 : 1),
  (error) => {
    log(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return finish(1);
  },
);
