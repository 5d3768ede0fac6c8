#!/usr/bin/env bash
# Debian's redis-server (Redis 7.0; Valkey speaks the same protocol) for the shared-cache tests (tests/cache/, which
# start their own on a free port, persistence off) and the scale test's shared-cache mode; installed when missing. The
# package starts no service in a container; on a host with systemd it would start one on 6379, which no test uses.
set -euo pipefail
if command -v redis-server >/dev/null; then
  echo "redis-server: $(redis-server --version | head -n 1)"
  exit 0
fi
echo "--- installing Debian's redis-server"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
started=$SECONDS
$sudo apt-get install -y -qq redis-server >/dev/null 2>&1 || {
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq redis-server >/dev/null
}
echo "redis-server: $(redis-server --version | head -n 1) (installed in $((SECONDS - started)) s)"
