#!/usr/bin/env bash
# Debian's redis-server (Redis 7.0; Valkey speaks the same protocol) for the shared-cache tests (tests/cache/, which
# start their own on a free port, persistence off) and the scale test's shared-cache mode; installed when missing. The
# package starts no service in a container; on a host with systemd it would start one on 6379, which no test uses.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" redis-server redis-server --version
