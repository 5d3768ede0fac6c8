/** The built bin, as clients spawn it. `npm test` builds first; a missing build is a loud failure, not a skip. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does).`);
}

/** A child's environment without the parent's StackOne settings, plus the given ones. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STACKONE_') && !k.startsWith('MCP_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/** The bin spawned over raw pipes with `env` (childEnv), its stdout and stderr kept, and its exit awaitable. */
export function spawnBin(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, out: () => stdout, err: () => stderr };
}
