#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser/ and the Inspector web UI in scripts/inspector/smoke.sh),
# installed when missing. Never a browser downloaded by a test tool: playwright-core drives /usr/bin/chromium.
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "chromium: $(chromium --version 2>/dev/null | head -n 1)"
  exit 0
fi
echo "--- installing Debian's chromium"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
started=$SECONDS
$sudo apt-get install -y -qq chromium >/dev/null 2>&1 || {
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq chromium >/dev/null
}
echo "chromium: $(chromium --version 2>/dev/null | head -n 1) (installed in $((SECONDS - started)) s)"
