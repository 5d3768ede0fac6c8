#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios, active suite) against our
# Streamable HTTP transport on the sandbox. The runner needs Node 22 or later, which the npm registry ships as the
# `node` package: it is installed into a temp dir for this step only; our server runs on the machine's Node.
# scripts/conformance/baseline.yml lists the scenarios that do not apply to a tools-only server, and why; the
# runner exits non-zero on any other failure and on a listed scenario that passes. Needs dist/ (npm run build).
# About 20 s plus the install (~30 s).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
CONFORMANCE_VERSION=0.1.16
NODE22_VERSION=22.23.3
# shellcheck source=../lib/sandbox-http.sh
source "$repo/scripts/lib/sandbox-http.sh"
use_tmp conformance

[ -f "$repo/dist/index.js" ] || { echo "dist/index.js is missing: run npm run build first" >&2; exit 1; }
echo "conformance: installing node@$NODE22_VERSION and @modelcontextprotocol/conformance@$CONFORMANCE_VERSION"
npm install --prefix "$tmp/runner" --no-audit --no-fund --loglevel=error \
  "node@$NODE22_VERSION" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" >/dev/null
node22="$tmp/runner/node_modules/node/bin/node"
echo "conformance: runner on $("$node22" --version); server on $(node --version)"

start_sandbox_http "$tmp/server.log" node "$repo/dist/index.js"
status=0
"$node22" "$tmp/runner/node_modules/@modelcontextprotocol/conformance/dist/index.js" server \
  --url "$SANDBOX_URL" \
  --expected-failures "$repo/scripts/conformance/baseline.yml" \
  --output-dir "$tmp/results" >"$tmp/out.txt" 2>&1 || status=$?
sed -n '/=== SUMMARY ===/,$p' "$tmp/out.txt"
if [ "$status" -ne 0 ]; then
  cat "$tmp/out.txt" >&2
  echo "conformance: a scenario outside scripts/conformance/baseline.yml failed, or a baselined one passed (above)" >&2
  exit "$status"
fi
echo "conformance: PASS"
