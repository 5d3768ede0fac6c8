// @ts-check
/**
 * A redis-server (Debian's package) for the shared-cache tests, the scale test and the bench: on a free loopback
 * port, persistence off, its files in a temp dir, killed with the calling process whatever happens. It can be killed
 * (-9: the store lost), restarted on the same port (the store back, empty), frozen (SIGSTOP: a store that stops
 * answering with its connections open) and thawed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment without libfaketime (scripts/ci/year-ahead.sh runs the suite under it): redis-server hangs at start
 * with it preloaded, even for --version. Its clock only times the keys' expiries, which are relative, so it keeps
 * the machine's, as Chromium does in the browser tests.
 * @returns {NodeJS.ProcessEnv}
 */
export function realClockEnv() {
  /** @type {NodeJS.ProcessEnv} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'LD_PRELOAD' && k !== 'FAKETIME') env[k] = v;
  return env;
}

/** @returns {Promise<number>} a port that was free on 127.0.0.1 a moment ago */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * @typedef {object} RedisServer
 * @property {string} url redis://[:password@]127.0.0.1:port/0
 * @property {number} port
 * @property {() => number | undefined} pid
 * @property {() => Promise<void>} kill SIGKILL
 * @property {() => Promise<void>} restart on the same port, empty
 * @property {() => void} freeze SIGSTOP
 * @property {() => void} thaw SIGCONT
 * @property {() => Promise<void>} close kill, and remove its files
 */

/**
 * @param {{ bin?: string, password?: string }} [options] `password`: the server requires it, and the URL carries it
 * @returns {Promise<RedisServer>}
 */
export async function startRedisServer(options = {}) {
  const bin = options.bin ?? 'redis-server';
  const dir = mkdtempSync(join(tmpdir(), 'redis-server-'));
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  const killNow = () => child?.kill('SIGKILL');
  process.once('exit', killNow);

  /** @param {number} port @returns {Promise<import('node:child_process').ChildProcess>} */
  const launch = (port) =>
    new Promise((resolve, reject) => {
      const proc = spawn(
        bin,
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          ...['--dir', dir, '--logfile', ''],
          ...(options.password ? ['--requirepass', options.password] : []),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: realClockEnv() },
      );
      let out = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server not ready within 10 s: ${out}`));
      }, 10_000);
      /** @param {number | null} code */
      const onExit = (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) before it was ready: ${out}`));
      };
      proc.once('exit', onExit);
      proc.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      proc.stdout?.on('data', (/** @type {Buffer} */ chunk) => {
        out += chunk.toString('utf8');
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          proc.off('exit', onExit);
          resolve(proc);
        }
      });
    });

  // A port free a moment ago may be taken by the time redis-server binds it: try another.
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
      break;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }

  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
    await exited;
  };
  return {
    url: `redis://${options.password ? `:${options.password}@` : ''}127.0.0.1:${port}/0`,
    port,
    pid: () => child?.pid,
    kill: stop,
    restart: async () => {
      child = await launch(port);
    },
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    close: async () => {
      await stop();
      process.off('exit', killNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
