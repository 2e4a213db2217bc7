#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver, for the dashboard's browser tests (Playwright drives
# /usr/bin/chromium: no browser download). Installs them when missing; needs root or sudo.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "browser: installing Debian's chromium and chromium-driver" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
/usr/bin/chromium --version >&2
