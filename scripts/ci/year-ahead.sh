#!/usr/bin/env bash
# The whole vitest suite (on the already built dist/) again with the machine's clock moved ahead, a year by default,
# through libfaketime (Debian's faketime package, installed when missing). Every process the suite starts inherits
# its LD_PRELOAD and FAKETIME: vitest's workers, the spawned bins and their sandbox, the in-process OIDC issuer. A
# fixture date that passes with the calendar, or code that reads the machine's clock instead of the one it is
# given, fails here long before the calendar gets there. Usage: scripts/ci/year-ahead.sh [days]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
days="${1:-365}"
[ -f "$repo/dist/index.js" ] || { echo "dist/index.js is missing: run npm run build first" >&2; exit 1; }

if ! command -v faketime >/dev/null; then
  echo "--- installing Debian's faketime (libfaketime)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq faketime >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq faketime >/dev/null
  }
fi

# A green run proves nothing unless the clock really moved for what Node reads: in the process itself, in a child
# process (the spawned bins) and in a worker thread (vitest can use either). Each must be `days` ahead of the real
# clock, give or take the seconds it takes to start them.
real="$(node -p 'Date.now()')"
read -r main child worker < <(faketime -f "+${days}d" node -e '
  const { execFileSync } = require("node:child_process");
  const { Worker } = require("node:worker_threads");
  const child = execFileSync(process.execPath, ["-p", "Date.now()"]).toString().trim();
  new Worker("require(\"node:worker_threads\").parentPort.postMessage(Date.now())", { eval: true })
    .once("message", (worker) => console.log(Date.now(), child, worker));
')
for seen in "main:$main" "child:$child" "worker:$worker"; do
  ms="${seen#*:}"
  off=$(( ms - real - days * 86400000 ))
  if [ "${off#-}" -gt 60000 ]; then
    echo "faketime did not move the ${seen%%:*} clock by ${days} days (off by ${off} ms): the run would prove nothing" >&2
    exit 1
  fi
done
echo "--- tests with the clock ${days} days ahead ($(faketime -f "+${days}d" node -p 'new Date().toISOString()'))"
cd "$repo"
# Not the browser tests: Chromium keeps the real clock (libfaketime is taken out of its environment) and each of
# those tests sets the page's clock to the server's, so a run a year ahead would repeat npm test's (about 15 s).
faketime -f "+${days}d" node node_modules/vitest/vitest.mjs run --reporter=dot --exclude 'tests/browser/**'
