# Sourced by the conformance and Inspector scripts: start the server over HTTP on the sandbox, on a free port, and
# wait until it answers /healthz. Sets SANDBOX_URL (the /mcp endpoint) and SANDBOX_PID; stop_sandbox_http ends it.
# The server runs in a process group of its own, with its output in the log: a launcher such as npx does not pass
# SIGTERM on to the server, and an orphaned server holding the caller's stdout would keep a pipeline open.
# Usage: use_tmp <name>; start_sandbox_http <log file> <command words...>

# A temp dir in $tmp, removed, and the server stopped, when the calling script exits; on a non-zero exit, for
# whatever reason (install, start-up, a check), "<name>: FAIL" is the last line.
use_tmp() {
  tmp="$(mktemp -d)"
  SANDBOX_PID=""
  FAIL_NAME="${1:-test}"
  trap 'status=$?; stop_sandbox_http; rm -rf "$tmp"; [ "$status" -eq 0 ] || echo "$FAIL_NAME: FAIL" >&2' EXIT
}

start_sandbox_http() {
  local log="$1"
  shift
  local port
  port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  setsid "$@" --sandbox --transport http --host 127.0.0.1 --port "$port" >"$log" 2>&1 </dev/null &
  SANDBOX_PID=$!
  SANDBOX_URL="http://127.0.0.1:$port/mcp"
  if ! node -e "
    const url = 'http://127.0.0.1:$port/healthz';
    const until = Date.now() + 30000;
    (async () => {
      while (Date.now() < until) {
        try { if ((await fetch(url)).ok) process.exit(0); } catch {}
        await new Promise((r) => setTimeout(r, 100));
      }
      process.exit(1);
    })();"; then
    echo "the server did not answer /healthz within 30 s; its log:" >&2
    cat "$log" >&2
    return 1
  fi
}

stop_sandbox_http() {
  if [ -n "${SANDBOX_PID:-}" ]; then
    kill -TERM -- "-$SANDBOX_PID" 2>/dev/null || kill -TERM "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=""
  fi
}
