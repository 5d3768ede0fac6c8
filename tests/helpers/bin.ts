/** The built bin, as clients spawn it. `npm test` builds first; a missing build is a loud failure, not a skip. */
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
