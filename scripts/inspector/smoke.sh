#!/usr/bin/env bash
# A second client: the MCP Inspector's CLI (@modelcontextprotocol/inspector, `inspector --cli`) lists the tools and
# calls each one it lists on the sandbox, over stdio and over Streamable HTTP, and every answer is checked: each call
# a success with the sandbox's summary, and the Inspector's own schema portability findings over tools/list no more
# than scripts/inspector/schema-findings.baseline. Needs dist/ (npm run build) unless --command names another server.
#   bash scripts/inspector/smoke.sh                                   # node dist/index.js
#   bash scripts/inspector/smoke.sh --command "npx --prefix DIR --no-install stackone-lms-mcp"   # the packed tarball
# --sandbox (and --transport http --port N for HTTP) are appended to the command. The Inspector needs Node 22.19 or
# later: the npm registry's `node` package, installed with it into a temp dir. Each run also checks the MCP Apps view
# the tools link (--app-info); for this checkout's build, the Inspector's web UI shows it in Debian's Chromium
# (tests/inspector/apps.inspector.ts; chromium must be installed). About 30 s plus the install.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/scripts/inspector"
INSPECTOR_VERSION=2.12.0
NODE22_VERSION=22.23.3
command="node $repo/dist/index.js"
while [ $# -gt 0 ]; do
  case "$1" in
    --command) command="$2"; shift 2 ;;
    *) echo "unknown argument: $1 (usage: smoke.sh [--command \"<server command>\"])" >&2; exit 2 ;;
  esac
done
read -r -a server <<<"$command"
# shellcheck source=../lib/sandbox-http.sh
source "$repo/scripts/lib/sandbox-http.sh"
use_tmp inspector

echo "inspector: installing @modelcontextprotocol/inspector@$INSPECTOR_VERSION and node@$NODE22_VERSION"
npm install --prefix "$tmp/cli" --no-audit --no-fund --loglevel=error \
  "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" "node@$NODE22_VERSION" >/dev/null
node22="$tmp/cli/node_modules/node/bin/node"
launcher="$tmp/cli/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"

# Every option goes before `--` and the server after it (its command and its own arguments, or its URL), so the CLI
# never takes the server's --log-level or --transport as its own. -q keeps the server's log out of the answers.
inspect() { "$node22" "$launcher" --cli -q --format json "$@" "${target[@]}"; }

# list <label>: tools/list with --strict (the portability findings in the answer), checked; names in ${names[@]}.
list() {
  local status=0
  inspect --method tools/list --strict >"$tmp/list.json" 2>"$tmp/list.err" || status=$?
  node "$here/check.mjs" list "$1" "$status" "$here/schema-findings.baseline" <"$tmp/list.json" ||
    { cat "$tmp/list.err" >&2; return 1; }
  mapfile -t names < <(node "$here/check.mjs" names <"$tmp/list.json")
}

# apps <label>: tools/list --app-info, which also reads each linked view as a host would; checked.
apps() {
  local status=0
  inspect --method tools/list --app-info >"$tmp/apps.json" 2>"$tmp/apps.err" || status=$?
  node "$here/check.mjs" apps "$1" "$status" <"$tmp/apps.json" || { cat "$tmp/apps.err" >&2; return 1; }
}

# call <label> <tool> <arguments as JSON> [summary regex]
call() {
  local status=0
  inspect --method tools/call --tool-name "$2" --tool-args-json "$3" >"$tmp/call.json" 2>"$tmp/call.err" || status=$?
  node "$here/check.mjs" call "$1 $2" "$status" "${4:-}" <"$tmp/call.json" || { cat "$tmp/call.err" >&2; return 1; }
}

# A due date ahead of today's, so no calendar day turns the run's assignment overdue.
due="$(node -e 'console.log(new Date(Date.now() + 30 * 864e5).toISOString().slice(0, 10))')"
ref=leadership-foundations

# run_all <label> <user> <surname> <list expectation>: tools/list, then every listed tool in the server's order; a
# tool without a call here gets the sandbox user as `id` and its schema's examples (check.mjs args).
run_all() {
  local label="$1" user="$2" surname="$3" listed="$4" name arguments
  list "$label"
  apps "$label"
  for name in "${names[@]}"; do
    case "$name" in
      find_users) call "$label" "$name" "{\"query\":\"$surname\"}" "1 LMS user matches [^]*: id $user," ;;
      find_learning_objects) call "$label" "$name" '{"query":"leadership"}' "learning_object_external_reference $ref" ;;
      create_user_assignment)
        call "$label" "$name" "{\"id\":\"$user\",\"learning_object_external_reference\":\"$ref\",\"due_date\":\"${due}T17:00:00Z\"}" \
          "Created assignment .* for user $user" ;;
      list_user_assignments) call "$label" "$name" "{\"id\":\"$user\",\"page_size\":10}" "$listed" ;;
      create_user_completion)
        call "$label" "$name" "{\"id\":\"$user\",\"learning_object_external_reference\":\"$ref\",\"result\":{\"value\":\"Pass\"}}" \
          "Recorded completion .* for user $user" ;;
      *)
        arguments="$(node "$here/check.mjs" args "$name" "$user" <"$tmp/list.json")" || return 1
        call "$label" "$name" "$arguments" ;;
    esac
  done
}

# stdio: each CLI run starts its own server, so the list sees only the seed's assignments.
echo "inspector: stdio (${server[*]} --sandbox)"
target=(-- "${server[@]}" --sandbox)
run_all stdio emp-1002 okafor "assignments? for user emp-1002"

# HTTP: one server for every run, so the list must show the assignment just created.
start_sandbox_http "$tmp/server.log" "${server[@]}"
echo "inspector: Streamable HTTP ($SANDBOX_URL)"
target=(--transport http -- "$SANDBOX_URL")
run_all http emp-1003 raman "assignments for user emp-1003:[^]*$ref: pending, due $due"

# The web UI's Apps tab in Debian's Chromium (tests/inspector/apps.inspector.ts), against this checkout's build: a
# packed tarball carries the same view in the same bundle, and --app-info above has read it from there.
if [ "$command" = "node $repo/dist/index.js" ]; then
  echo "inspector: web UI, the Apps tab (tests/inspector/apps.inspector.ts)"
  (cd "$repo" && INSPECTOR_NODE="$node22" INSPECTOR_LAUNCHER="$launcher" \
    node node_modules/vitest/vitest.mjs run --config vitest.inspector.config.ts --reporter=dot)
fi
echo "inspector: PASS"
