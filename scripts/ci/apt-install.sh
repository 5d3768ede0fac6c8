#!/usr/bin/env bash
# A command from a Debian package, installed with apt-get when missing (apt-get update only when the first attempt
# fails), and its version printed either way. Usage: scripts/ci/apt-install.sh <command> <package> <version args...>
set -euo pipefail
cmd="$1"
pkg="$2"
shift 2
if command -v "$cmd" >/dev/null; then
  echo "$cmd: $("$cmd" "$@" 2>/dev/null | head -n 1)"
  exit 0
fi
echo "--- installing Debian's $pkg"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
started=$SECONDS
$sudo apt-get install -y -qq "$pkg" >/dev/null 2>&1 || {
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq "$pkg" >/dev/null
}
echo "$cmd: $("$cmd" "$@" 2>/dev/null | head -n 1) (installed in $((SECONDS - started)) s)"
