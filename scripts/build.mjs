// @ts-check
/**
 * The build: tsc into dist/, the bin bundled (scripts/bundle.mjs), and dist/ stamped with a digest of what it was
 * built from. `--if-stale` (prepare, test, demo) skips all of it when the stamp matches the sources, so the quick
 * start's `npm ci && npm run demo` builds once (in prepare) instead of twice, while a tree whose sources changed
 * since the last build is still rebuilt before it runs. A digest of the contents rather than file times: a checkout,
 * a stash or a copy that keeps old times cannot make a stale dist/ look current.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist', '.built-from');
const BIN = join(ROOT, 'dist', 'index.js');
/** Everything the output depends on besides the installed packages, which package-lock.json stands for. */
const INPUTS = [
  'src',
  'scripts/build.mjs',
  'scripts/bundle.mjs',
  'scripts/view.mjs',
  'scripts/undici-lite.cjs',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
];

/** @param {string} path relative to the root @returns {string[]} the files under it, relative, '/'-separated */
function files(path) {
  if (!statSync(join(ROOT, path)).isDirectory()) return [path];
  return readdirSync(join(ROOT, path)).flatMap((name) => files(`${path}/${name}`));
}

/** A digest of the build's inputs, and of the one setting that changes its output. */
export function inputsDigest() {
  const hash = createHash('sha256').update(`BUNDLE_NO_MINIFY=${process.env.BUNDLE_NO_MINIFY === '1'}\n`);
  for (const file of INPUTS.flatMap(files).sort()) {
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

/** @param {string[]} args a node command line */
function run(args) {
  const { status } = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}

const digest = inputsDigest();
const built = existsSync(STAMP) && existsSync(BIN) ? readFileSync(STAMP, 'utf8').trim() : undefined;
if (process.argv.includes('--if-stale')) {
  if (built === digest) process.exit(0);
  process.stderr.write(
    `Building dist/ (${built === undefined ? 'no build yet' : 'the sources changed since the last build'}).\n`,
  );
}
// A build that fails half way must not leave the old stamp vouching for a dist/ it no longer describes.
rmSync(STAMP, { force: true });
run([createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
run(['scripts/bundle.mjs']);
// The digest taken before the build: a source edited during it leaves dist/ stale by the stamp, and so rebuilt.
writeFileSync(STAMP, `${digest}\n`);
