#!/usr/bin/env bash
# The tarball test: pack, install into an empty folder, start it with npx over stdio, list and call the tools.
# Then the MCP Inspector CLI smoke test against the same installed package, over stdio and HTTP.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
tarball="$(npm pack --silent --pack-destination "$tmp" | tail -n 1)"
echo "packed $tarball ($(du -h "$tmp/$tarball" | cut -f1)); contents:"
tar -tzf "$tmp/$tarball" | sed 's/^/  /'
if tar -tzf "$tmp/$tarball" | grep -Eq 'package/(src|tests|scripts|bench)/'; then
  echo "the tarball ships files that do not run" >&2
  exit 1
fi
head -n 1 "$repo/dist/index.js" | grep -q '^#!/usr/bin/env node' || { echo "the bin has no shebang" >&2; exit 1; }
mkdir "$tmp/app"
cd "$tmp/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tmp/$tarball"
node "$repo/scripts/pack/smoke.mjs" "$tmp/app"
if [ -x "$repo/scripts/inspector/smoke.sh" ]; then
  bash "$repo/scripts/inspector/smoke.sh" --command "npx --prefix $tmp/app --no-install stackone-lms-mcp"
fi
echo "pack test: PASS"
