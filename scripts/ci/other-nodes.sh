#!/usr/bin/env bash
# The test suite (vitest, on the already built dist/) on the Node versions we support besides the machine's own:
# Node 20 is past its end of life, so CI also proves 22 (maintenance) and 24 (active LTS). Each comes from the npm
# registry's `node` package, installed into a temp dir; tests that spawn the server use process.execPath, so the
# binary under test runs on the same version. Usage: scripts/ci/other-nodes.sh [version ...]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(22.23.3 24.9.0)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -f "$repo/dist/index.js" ] || { echo "dist/index.js is missing: run npm run build first" >&2; exit 1; }
for version in "${versions[@]}"; do
  npm install --prefix "$tmp/$version" --no-audit --no-fund --loglevel=error "node@$version" >/dev/null
  node_bin="$tmp/$version/node_modules/node/bin/node"
  echo "--- tests on Node $("$node_bin" --version)"
  # The browser tests run once, in npm test: Chromium is the same whatever Node drives it (about 15 s a run saved).
  (cd "$repo" && PATH="$(dirname "$node_bin"):$PATH" "$node_bin" node_modules/vitest/vitest.mjs run --reporter=dot \
    --exclude 'tests/browser/**')
done
