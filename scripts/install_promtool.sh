#!/usr/bin/env bash
# Puts Prometheus' promtool into a virtualenv's bin directory, for the tests of deploy/'s
# alerts and dashboard. It comes from Debian's `prometheus` package, downloaded and
# unpacked (nothing is installed system-wide); a promtool already on PATH is used as is.
# Usage: bash scripts/install_promtool.sh VENV_BIN_DIR
set -euo pipefail

bin="$(cd "$1" && pwd)"
target="$bin/promtool"

if [ -x "$target" ] && "$target" --version >/dev/null 2>&1; then
  exit 0
fi
if existing="$(command -v promtool)"; then
  ln -sf "$existing" "$target"
  exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  echo "install_promtool: no apt-get/dpkg here; install Prometheus' promtool on PATH" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"  # apt's download sandbox user writes here
cd "$tmp"
if ! apt-get download prometheus >/dev/null 2>&1; then
  # No package lists yet (a fresh machine): fetch them, which needs root.
  if [ "$(id -u)" != 0 ]; then
    echo "install_promtool: apt-get download prometheus failed; run 'apt-get update' as root" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get download prometheus >/dev/null
fi
dpkg -x prometheus_*.deb unpacked
install -m 0755 unpacked/usr/bin/promtool "$target"
"$target" --version >/dev/null
