#!/usr/bin/env bash
# System packages the end-to-end tests need: Debian's Chromium for the Airflow UI test
# (driven by the Python `playwright` package, which never downloads its own browser).
#
# Idempotent and quiet: does nothing when /usr/bin/chromium is already there. Needs root
# (or passwordless sudo) and apt-get. When Chromium cannot be installed it says why and
# still exits 0: the UI test decides (it fails under CI=true and skips otherwise).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_test_deps: apt-get not found; install Chromium so that $CHROMIUM exists" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install_test_deps: not root and no passwordless sudo; cannot install chromium" >&2
        exit 0
    fi
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp -t install-test-deps.XXXXXX)"
trap 'rm -f "$log"' EXIT

if ! $SUDO apt-get update -qq >"$log" 2>&1 \
    || ! $SUDO apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        chromium fonts-dejavu-core >>"$log" 2>&1; then
    echo "install_test_deps: installing chromium with apt-get failed:" >&2
    tail -n 20 "$log" >&2
    exit 0
fi

if [ ! -x "$CHROMIUM" ]; then
    echo "install_test_deps: chromium installed but $CHROMIUM is missing" >&2
    exit 0
fi
echo "install_test_deps: installed $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
