#!/bin/sh
# Install Debian's headless-capable Chromium for tests/test_html_browser.py.
#
#   .ci/install_browser.sh
#
# Idempotent: does nothing when a chromium binary is already on PATH. Prints the path of the
# binary on stdout (everything else goes to stderr), so CI can do
#   CHROMIUM=$(.ci/install_browser.sh)
# Uses only Debian's package registry (apt-get); never downloads a browser build of its own.
set -eu

find_chromium() {
    for b in chromium chromium-browser; do
        if command -v "$b" >/dev/null 2>&1; then
            command -v "$b"
            return 0
        fi
    done
    return 1
}

if BIN=$(find_chromium); then
    echo "$BIN"
    exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update >&2
# fonts-liberation: readable text in the screenshot for the README.
$SUDO apt-get install -y --no-install-recommends chromium fonts-liberation >&2

BIN=$(find_chromium) || { echo "install_browser.sh: chromium missing after apt-get install" >&2; exit 1; }
"$BIN" --version >&2 || true
echo "$BIN"
