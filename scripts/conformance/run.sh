#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios) against our Streamable
# HTTP transport on the sandbox, for both protocol revisions we serve:
# - 2025-11-25: conformance 0.1.16, its active suite, baseline scripts/conformance/baseline.yml;
# - 2026-07-28: conformance 0.2.x, `--requirements 2026-07-28`, baseline scripts/conformance/baseline-2026-07-28.yml
#   (check-level entries, so the rest of a scenario stays enforced).
# The runners need Node 22 or later, which the npm registry ships as the `node` package: it is installed into a temp
# dir for this step only; our server runs on the machine's Node. Each baseline lists what does not apply to a
# server with LMS tools and one view, and why; a runner exits non-zero on any other failure and on a listed entry
# that passes.
# Needs dist/ (npm run build). About 40 s plus the installs.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
CONFORMANCE_2025=0.1.16
CONFORMANCE_2026=0.2.0-alpha.12
NODE22_VERSION=22.23.3
# shellcheck source=../lib/sandbox-http.sh
source "$repo/scripts/lib/sandbox-http.sh"
use_tmp conformance

[ -f "$repo/dist/index.js" ] || { echo "dist/index.js is missing: run npm run build first" >&2; exit 1; }
echo "conformance: installing node@$NODE22_VERSION and @modelcontextprotocol/conformance $CONFORMANCE_2025 and $CONFORMANCE_2026"
npm install --prefix "$tmp/r2025" --no-audit --no-fund --loglevel=error \
  "node@$NODE22_VERSION" "@modelcontextprotocol/conformance@$CONFORMANCE_2025" >/dev/null
npm install --prefix "$tmp/r2026" --no-audit --no-fund --loglevel=error \
  "@modelcontextprotocol/conformance@$CONFORMANCE_2026" >/dev/null
node22="$tmp/r2025/node_modules/node/bin/node"
echo "conformance: runners on $("$node22" --version); server on $(node --version)"

start_sandbox_http "$tmp/server.log" node "$repo/dist/index.js"
run_suite() {
  local name="$1" runner="$2" baseline="$3"
  shift 3
  local status=0
  "$node22" "$runner/node_modules/@modelcontextprotocol/conformance/dist/index.js" server \
    --url "$SANDBOX_URL" --expected-failures "$baseline" --output-dir "$tmp/results-$name" "$@" \
    >"$tmp/out-$name.txt" 2>&1 || status=$?
  echo "--- conformance $name"
  sed -n '/=== SUMMARY ===/,$p' "$tmp/out-$name.txt"
  if [ "$status" -ne 0 ]; then
    cat "$tmp/out-$name.txt" >&2
    echo "conformance $name: a check outside $(basename "$baseline") failed, or a baselined one passed (above)" >&2
  fi
  return "$status"
}
overall=0
run_suite 2025-11-25 "$tmp/r2025" "$repo/scripts/conformance/baseline.yml" || overall=1
run_suite 2026-07-28 "$tmp/r2026" "$repo/scripts/conformance/baseline-2026-07-28.yml" --requirements 2026-07-28 || overall=1
[ "$overall" -eq 0 ] || exit 1
echo "conformance: PASS"
