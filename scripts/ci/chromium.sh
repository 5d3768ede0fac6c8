#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser/ and the Inspector web UI in scripts/inspector/smoke.sh),
# installed when missing. Never a browser downloaded by a test tool: playwright-core drives /usr/bin/chromium.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" chromium chromium --version
