#!/usr/bin/env bash
# A second client: the MCP Inspector's CLI (@modelcontextprotocol/inspector-cli) lists the tools and calls each one
# on the sandbox, over stdio and over Streamable HTTP, and every answer is checked (the five tools listed; each call
# a success with the sandbox's summary). Needs dist/ (npm run build) unless --command names another server.
#   bash scripts/inspector/smoke.sh                                   # node dist/index.js
#   bash scripts/inspector/smoke.sh --command "npx --prefix DIR --no-install stackone-lms-mcp"   # the packed tarball
# --sandbox (and --transport http --port N for HTTP) are appended to the command. About 15 s plus the install.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
INSPECTOR_VERSION=1.0.3
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

echo "inspector: installing @modelcontextprotocol/inspector-cli@$INSPECTOR_VERSION"
npm install --prefix "$tmp/cli" --no-audit --no-fund --loglevel=error "@modelcontextprotocol/inspector-cli@$INSPECTOR_VERSION" >/dev/null
cli_dir="$tmp/cli/node_modules/@modelcontextprotocol/inspector-cli/build"

# The CLI checks for ../package.json relative to the working directory (then imports it relative to itself), so it
# runs from its own build folder. The target is ${pre[@]} (server command or URL) and ${post[@]}: the server's own
# arguments go after `--`, or the CLI would take those it shares (--log-level, --transport, --header) as its own.
inspect() { (cd "$cli_dir" && node index.js "${pre[@]}" "$@" "${post[@]}"); }

# check <label> <expectation> reads the CLI's JSON output on stdin.
check() {
  node -e '
    const [label, expect] = process.argv.slice(1);
    let out = "";
    process.stdin.on("data", (d) => (out += d)).on("end", () => {
      let result;
      try { result = JSON.parse(out); } catch { console.error(`${label}: not JSON:\n${out}`); process.exit(1); }
      const fail = (why) => { console.error(`${label}: ${why}\n${out.slice(0, 2000)}`); process.exit(1); };
      if (expect === "tools") {
        const names = (result.tools ?? []).map((t) => t.name).join(",");
        if (names !== "find_users,find_learning_objects,create_user_assignment,list_user_assignments,create_user_completion") fail(`tools were ${names}`);
      } else {
        if (result.isError) fail("the call answered isError");
        const text = result.content?.[0]?.text ?? "";
        if (!text.startsWith("[sandbox: demo data, not your LMS] ")) fail("no sandbox summary first");
        if (!new RegExp(expect).test(text)) fail(`summary does not match /${expect}/`);
        if (typeof result.structuredContent !== "object") fail("no structuredContent");
      }
      console.log(`  ok  ${label}`);
    });' "$1" "$2"
}

# run_all <label> <user> <surname> <list expectation>: tools/list, the lookups, then create, list, complete for one
# sandbox user.
run_all() {
  local label="$1" user="$2" surname="$3" listed="$4"
  inspect --method tools/list | check "$label tools/list" tools
  inspect --method tools/call --tool-name find_users --tool-arg "query=$surname" |
    check "$label find_users" "1 LMS user matches [^]*: id $user,"
  inspect --method tools/call --tool-name find_learning_objects --tool-arg "query=leadership" |
    check "$label find_learning_objects" "learning_object_external_reference leadership-foundations"
  inspect --method tools/call --tool-name create_user_assignment \
    --tool-arg "id=$user" learning_object_external_reference=leadership-foundations due_date=2026-12-31T17:00:00Z |
    check "$label create_user_assignment" "Created assignment .* for user $user"
  inspect --method tools/call --tool-name list_user_assignments --tool-arg "id=$user" page_size=10 |
    check "$label list_user_assignments" "$listed"
  inspect --method tools/call --tool-name create_user_completion \
    --tool-arg "id=$user" learning_object_external_reference=leadership-foundations 'result={"value":"Pass"}' |
    check "$label create_user_completion" "Recorded completion .* for user $user"
}

# stdio: each CLI run starts its own server, so the list sees only the seed's assignments.
echo "inspector: stdio (${server[*]} --sandbox)"
pre=("${server[0]}")
post=(-- "${server[@]:1}" --sandbox)
run_all stdio emp-1002 okafor "assignments? for user emp-1002"

# HTTP: one server for all four runs, so the list must show the assignment just created.
start_sandbox_http "$tmp/server.log" "${server[@]}"
echo "inspector: Streamable HTTP ($SANDBOX_URL)"
pre=("$SANDBOX_URL" --transport http)
post=()
run_all http emp-1003 raman "assignments for user emp-1003:[^]*leadership-foundations: pending, due 2026-12-31"
echo "inspector: PASS"
