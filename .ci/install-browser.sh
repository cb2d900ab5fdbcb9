#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing, for the run reports' browser test
# (tests/report_browser_test.ts drives /usr/bin/chromium with playwright-core). Runs as root on
# CI; elsewhere it uses sudo. Idempotent: with Chromium present it only prints its version.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "$(/usr/bin/chromium --headless --no-sandbox --version 2>/dev/null || echo Chromium) is installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "Chromium not found; installing Debian's chromium package"
$SUDO apt-get update
$SUDO apt-get install -y chromium
/usr/bin/chromium --headless --no-sandbox --version
